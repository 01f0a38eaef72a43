"""Slide deck files: what they are (judged by content), where they are stored, their previews.

Kinds are told by their bytes, never by their names: a PDF starts with `%PDF-`, a PowerPoint
file is an OOXML zip holding `ppt/presentation.xml`, an old `.ppt` is an OLE2 compound file.
"""

import contextlib
import io
import re
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

import pypdfium2 as pdfium
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.text import slugify
from PIL import Image

THUMBNAIL_WIDTH = 480
THUMBNAIL_MAX_HEIGHT = 960
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PPTX_PARTS = {"[Content_Types].xml", "ppt/presentation.xml"}
PPTX_THUMBNAIL = "docProps/thumbnail.jpeg"
PPTX_THUMBNAIL_MAX_BYTES = 5 * 1024 * 1024  # read from a zip only when it says it is small
SLIDES_COUNT = re.compile(rb"<Slides>(\d{1,5})</Slides>")
# pdfium is not thread-safe; the development server and threaded workers share one process.
PDFIUM_LOCK = threading.Lock()


@dataclass
class Preview:
    thumbnail: ContentFile | None
    page_count: int | None


def max_slide_bytes() -> int:
    return settings.SLIDE_MAX_BYTES


def slide_kind(file) -> str:
    """ "pdf", "pptx" or "ppt", from the file's content; ValidationError for anything else."""
    file.seek(0)
    head = file.read(1024)
    file.seek(0)
    if b"%PDF-" in head:  # the header may follow a few bytes of junk, as readers allow
        return "pdf"
    if head.startswith(OLE2_SIGNATURE):
        return "ppt"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        finally:
            file.seek(0)
        if names >= PPTX_PARTS:
            return "pptx"
    raise ValidationError("This file is not a PDF or PowerPoint (.pptx, .ppt) file.", code="slide_kind")


def validate_slide_file(file) -> None:
    """Model-field validator: a new upload must be a small enough, readable PDF or PowerPoint file."""
    if getattr(file, "_committed", True):
        return  # already stored: it was checked on its way in (or imported as it was)
    name = getattr(file, "name", "") or ""
    if "/" in name or "\\" in name or ".." in PurePosixPath(name).parts:
        raise ValidationError("A file name cannot contain folders or '..'.", code="slide_name")
    limit = max_slide_bytes()
    if file.size > limit:
        raise ValidationError(
            f"This file is {file.size / 1_000_000:.1f} MB; slide decks may be at most "
            f"{limit / 1_000_000:.0f} MB.",
            code="slide_size",
        )
    if slide_kind(file) == "pdf":
        try:
            preview_pdf(file, with_thumbnail=False)
        except pdfium.PdfiumError as error:
            raise ValidationError(
                f"This PDF cannot be opened ({error}); it may be damaged or protected by a password.",
                code="slide_pdf",
            ) from None


def slide_storage_name(deck, filename: str) -> str:
    """`slides/<term>/<week>/<name>.<kind>`: a safe name, and the extension the content shows."""
    stem = slugify(PurePosixPath(filename.replace("\\", "/")).stem)[:80].strip("-") or "slides"
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    if deck.file and not getattr(deck.file, "_committed", True):
        with contextlib.suppress(ValidationError):  # imports keep files as they were
            extension = slide_kind(deck.file.file)
    week = deck.week
    return f"slides/{week.term.slug}/{week.slug}/{stem}.{extension or 'bin'}"


def thumbnail_storage_name(deck, filename: str) -> str:
    return f"slides/{deck.week.term.slug}/{deck.week.slug}/thumbnails/{filename}"


def preview_pdf(file, *, with_thumbnail: bool = True) -> Preview:
    """Page count and a first-page thumbnail (about 480 px wide, WebP); PdfiumError when unreadable."""
    file.seek(0)
    data = file.read()
    file.seek(0)
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(data)
        try:
            page_count = len(document)
            if not with_thumbnail or page_count == 0:
                return Preview(None, page_count)
            page = document[0]
            width, height = page.get_size()
            # Fit 480 px wide, and never taller than the limit: an odd page size cannot make a huge bitmap.
            scale = min(THUMBNAIL_WIDTH / max(width, 1), THUMBNAIL_MAX_HEIGHT / max(height, 1))
            image = page.render(scale=scale).to_pil()
            page.close()
        finally:
            document.close()
    return Preview(_webp(image), page_count)


def preview_pptx(file) -> Preview:
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
            with Image.open(io.BytesIO(archive.read(picture))) as image:
                if image.width * image.height > 25_000_000:
                    return Preview(None, count)
                image.load()
                return Preview(_webp(image), count)
    except (zipfile.BadZipFile, OSError, ValueError, Image.DecompressionBombError):
        return Preview(None, None)
    finally:
        file.seek(0)


def preview(file) -> Preview:
    """The preview of any deck file; Preview(None, None) when there is none to make."""
    try:
        kind = slide_kind(file)
    except ValidationError:
        return Preview(None, None)
    if kind == "pdf":
        try:
            return preview_pdf(file)
        except pdfium.PdfiumError:
            return Preview(None, None)
    return preview_pptx(file) if kind == "pptx" else Preview(None, None)


def _webp(image: Image.Image) -> ContentFile:
    image = image.convert("RGB")
    image.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_MAX_HEIGHT), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=80, method=4)
    return ContentFile(buffer.getvalue())


class _Sink(io.RawIOBase):
    """A write-only stream that hands out what was written: zipfile writes, the response reads."""

    def __init__(self):
        super().__init__()
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def drain(self) -> list[bytes]:
        chunks, self.chunks = self.chunks, []
        return chunks


def zip_entries(decks) -> list[tuple[str, object]]:
    """(name in the zip, deck) in table order: "02-jack-memory-networks.pdf", "session-lecture.pdf"."""
    entries, taken = [], set()
    for deck in decks:
        row = deck.presentation
        prefix = f"{row.order:02d}" if row else "session"
        who = f"-{slugify(deck.presenter.name)}" if deck.presenter else ""
        base = PurePosixPath(deck.file.name)
        name, number = f"{prefix}{who}-{base.stem}{base.suffix}", 2
        while name in taken:
            name, number = f"{prefix}{who}-{base.stem}-{number}{base.suffix}", number + 1
        taken.add(name)
        entries.append((name, deck))
    return entries


def zip_stream(entries) -> Iterator[bytes]:
    """The entries' files as one zip, produced piece by piece: memory stays flat whatever the sizes."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, deck in entries:
            info = zipfile.ZipInfo(name, date_time=deck.updated.timetuple()[:6])
            try:
                source = deck.file.open("rb")
            except OSError:
                continue  # a file gone from storage leaves the others downloadable
            with source, archive.open(info, "w") as target:
                for chunk in source.chunks():
                    target.write(chunk)
                    yield from sink.drain()
            yield from sink.drain()
    yield from sink.drain()
