"""Previews of slide decks: a first-page thumbnail (WebP, 480 px wide) and a page count.

A preview never fails a save: a file that cannot be previewed gets the placeholder.
"""

import io
import logging
import re
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image

from papers.render_first_page import webp
from papers.slides import slide_kind

logger = logging.getLogger(__name__)

RENDERER = Path(__file__).with_name("render_first_page.py")
PPTX_THUMBNAIL = "docProps/thumbnail.jpeg"
PPTX_THUMBNAIL_MAX_BYTES = 5_000_000  # read from a zip only when it says it is small
PPTX_THUMBNAIL_MAX_PIXELS = 25_000_000
SLIDES_COUNT = re.compile(rb"<Slides>(\d{1,5})</Slides>")
# pdfium is not thread-safe; the development server and threaded workers share one process.
PDFIUM_LOCK = threading.Lock()


@dataclass
class Preview:
    thumbnail: ContentFile | None
    page_count: int | None


def preview(file) -> Preview:
    """The preview of a deck file, Preview(None, None) when there is none to make; never raises."""
    try:
        kind = slide_kind(file)
        if kind == "pdf":
            return Preview(_pdf_thumbnail(file), pdf_page_count(file))
        if kind == "pptx":
            return _pptx_preview(file)
    except ValidationError:
        pass  # not slides: an import keeps such files as they were
    except Exception:  # a damaged file fails in many ways; the deck still saves, with the placeholder
        logger.warning("No preview for %s", getattr(file, "name", "a slide deck"), exc_info=True)
    return Preview(None, None)


def pdf_page_count(file) -> int:
    """The number of pages; pdfium.PdfiumError when pdfium cannot open the file."""
    file.seek(0)
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(file)  # reads from the file as it needs, no copy in memory
        try:
            return len(document)
        finally:
            document.close()
            file.seek(0)


def _pdf_thumbnail(file) -> ContentFile | None:
    """The first page, drawn in a separate process with a time and a memory limit."""
    file.seek(0)
    data = file.read()
    file.seek(0)
    try:
        drawn = subprocess.run(
            [sys.executable, str(RENDERER)],
            input=data,
            capture_output=True,
            timeout=settings.SLIDE_PREVIEW_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        logger.warning("Drawing the first page of %s took too long", getattr(file, "name", "a PDF"))
        return None
    if drawn.returncode != 0 or not drawn.stdout:
        logger.warning(
            "Could not draw the first page of %s: %s", getattr(file, "name", "a PDF"), drawn.stderr[-500:]
        )
        return None
    return ContentFile(drawn.stdout)


def _pptx_preview(file) -> Preview:
    """The thumbnail PowerPoint saves inside the file, and the slide count it records."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            app = infos.get("docProps/app.xml")
            found = SLIDES_COUNT.search(archive.read(app)) if app and app.file_size < 1_000_000 else None
            count = int(found.group(1)) if found else None
            picture = infos.get(PPTX_THUMBNAIL)
            if picture is None or picture.file_size > PPTX_THUMBNAIL_MAX_BYTES:
                return Preview(None, count)
            try:
                return Preview(_picture(archive.read(picture)), count)
            except Exception:  # a damaged picture: the count stands, the placeholder shows
                logger.warning(
                    "No thumbnail from %s", getattr(file, "name", "a PowerPoint file"), exc_info=True
                )
                return Preview(None, count)
    finally:
        file.seek(0)


def _picture(data: bytes) -> ContentFile | None:
    # Only the formats PowerPoint writes: never EPS (Ghostscript) or other exotic decoders.
    with Image.open(io.BytesIO(data), formats=("JPEG", "PNG")) as image:
        if image.width * image.height > PPTX_THUMBNAIL_MAX_PIXELS:
            return None
        return ContentFile(webp(image))
