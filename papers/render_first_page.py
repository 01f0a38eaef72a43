"""Render a PDF's first page as a WebP thumbnail: PDF on stdin, image on stdout.

Run as a separate process by papers/previews.py, so that a PDF made to be slow or greedy to draw
meets a timeout and a memory limit instead of holding a web worker. Imports no Django.
"""

import io
import resource
import sys

from PIL import Image

THUMBNAIL_WIDTH = 480
THUMBNAIL_MAX_HEIGHT = 960
MEMORY_LIMIT = 1024 * 1024 * 1024  # address space: rendering a 480 px page needs far less


def render(data: bytes) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    page = document[0]
    width, height = page.get_size()
    # 480 px wide, and never taller than the limit: an odd page size cannot make a huge bitmap.
    scale = min(THUMBNAIL_WIDTH / max(width, 1), THUMBNAIL_MAX_HEIGHT / max(height, 1))
    return webp(page.render(scale=scale).to_pil())


def webp(image) -> bytes:
    """A thumbnail as WebP, at most 480 by 960 pixels (shared with papers/previews.py)."""
    image = image.convert("RGB")
    image.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_MAX_HEIGHT), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=80, method=4)
    return buffer.getvalue()


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    sys.stdout.buffer.write(render(sys.stdin.buffer.read()))
