"""A week's slide files as one zip, made piece by piece as the response is sent."""

import io
import logging
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from django.utils.text import slugify

logger = logging.getLogger(__name__)


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
                logger.warning("Slide file %s is missing from storage; left out of the zip", deck.file.name)
                continue
            with source, archive.open(info, "w") as target:
                for chunk in source.chunks():
                    target.write(chunk)
                    yield from sink.drain()
            yield from sink.drain()
    yield from sink.drain()
