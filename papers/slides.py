"""Slide deck files: what they are, judged by their bytes and never by their names, and where they go.

A PDF holds `%PDF-` in its first kilobyte; a PowerPoint `.pptx` is an OOXML zip holding
`ppt/presentation.xml`; an old `.ppt` is an OLE2 compound file with a "PowerPoint Document" stream.
"""

import contextlib
import struct
import zipfile
from pathlib import PurePosixPath

import pypdfium2 as pdfium
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from syllabus.storage import new_key, stored_name

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
POWERPOINT_STREAM = "PowerPoint Document".encode("utf-16-le")  # a name in the OLE2 directory
ZIP_SIGNATURE = b"PK\x03\x04"
ZIP_END = b"PK\x05\x06"
PPTX_PARTS = {"[Content_Types].xml", "ppt/presentation.xml"}
MAX_ZIP_PARTS = 10_000  # a real deck has hundreds; millions of entries cost seconds to list
NOT_SLIDES = "This file is not a PDF or PowerPoint (.pptx, .ppt) file."


def slide_kind(file) -> str:
    """ "pdf", "pptx" or "ppt", from the file's content; ValidationError for anything else."""
    file.seek(0)
    head = file.read(1024)
    file.seek(0)
    if head.startswith(ZIP_SIGNATURE):
        if _zip_part_names(file) >= PPTX_PARTS:
            return "pptx"
    elif head.startswith(OLE2_SIGNATURE):
        if _contains(file, POWERPOINT_STREAM):
            return "ppt"
    elif b"%PDF-" in head:  # the header may follow a few bytes of junk, as readers allow
        return "pdf"
    raise ValidationError(NOT_SLIDES, code="slide_kind")


def validate_slide_file(file) -> None:
    """Model-field validator: a new upload must be a small enough, readable PDF or PowerPoint file."""
    if getattr(file, "_committed", True):
        return  # already stored: it was checked on its way in (or imported as it was)
    name = getattr(file, "name", "") or ""
    if "/" in name or "\\" in name or ".." in PurePosixPath(name).parts:
        raise ValidationError("A file name cannot contain folders or '..'.", code="slide_name")
    limit = settings.SLIDE_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            f"This file is {file.size / 1_000_000:.1f} MB; slide decks may be at most "
            f"{limit / 1_000_000:.0f} MB.",
            code="slide_size",
        )
    if slide_kind(file) == "pdf":
        from papers.previews import pdf_page_count  # previews depend on this module

        try:
            pdf_page_count(file)
        except pdfium.PdfiumError as error:
            raise ValidationError(
                f"This PDF cannot be opened ({error}); it may be damaged or protected by a password.",
                code="slide_pdf",
            ) from None


def slide_storage_name(deck, filename: str) -> str:
    """`slides/<term>/<week>/<random>/<name>.<kind>`: a safe name with the extension its content shows.

    The random folder keeps the name readable for downloads while nobody can guess the address of a
    file. A deck that is not shown publicly (private, or in a draft week) goes to the private store.
    """
    stem = slugify(PurePosixPath(filename.replace("\\", "/")).stem)[:80].strip("-") or "slides"
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    if deck.file and not getattr(deck.file, "_committed", True):
        with contextlib.suppress(ValidationError):  # an import keeps a file as it was
            extension = slide_kind(deck.file.file)
    name = f"{stem}.{extension or 'bin'}"
    return stored_name(deck.files_folder(new_key()), name, private=not deck.shown_publicly)


def thumbnail_storage_name(deck, filename: str) -> str:
    """Beside the deck's file, which is stored first."""
    return f"{PurePosixPath(deck.file.name).parent}/{filename}"


def _zip_part_names(file) -> set[str]:
    """The names in a zip, read only when its directory says it is of a reasonable size."""
    count = _zip_part_count(file)
    if count is None:
        return set()
    if count > MAX_ZIP_PARTS:
        raise ValidationError(
            f"This file holds {count} parts; a PowerPoint file may hold at most {MAX_ZIP_PARTS}.",
            code="slide_parts",
        )
    try:
        with zipfile.ZipFile(file) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return set()
    finally:
        file.seek(0)


def _zip_part_count(file) -> int | None:
    """How many entries the zip's end record announces; None without one (not a zip)."""
    file.seek(0, 2)
    size = file.tell()
    file.seek(max(0, size - 65_557))  # the end record (22 bytes) and the longest comment
    tail = file.read()
    file.seek(0)
    end = tail.rfind(ZIP_END)
    if end < 0 or len(tail) < end + 22:
        return None
    (count,) = struct.unpack("<H", tail[end + 10 : end + 12])
    return MAX_ZIP_PARTS + 1 if count == 0xFFFF else count  # 0xFFFF: a zip64 of huge size


def _contains(file, needle: bytes, chunk: int = 1 << 20) -> bool:
    """Whether the file holds these bytes, read a megabyte at a time."""
    file.seek(0)
    previous = b""
    try:
        while block := file.read(chunk):
            if needle in previous + block:
                return True
            previous = block[-len(needle) :]
        return False
    finally:
        file.seek(0)
