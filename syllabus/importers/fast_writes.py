"""Shortcuts that spare the import a query or a savepoint per row, with the models' own results.

A paper's citation key is chosen here from the keys KnownRows read once, so that Paper.save takes
its plain path (no query of the keys taken, no savepoint). Should another writer take the same key
meanwhile, the unique constraint refuses the post's save; the importer then reads the database
afresh and imports the post once more (SiteImporter._import), so nothing is lost.
"""

from collections.abc import Iterable

from django.db import IntegrityError

from papers.citation_keys import citation_key_base, citation_key_free
from papers.models import Paper
from syllabus import services
from syllabus.models import Tag
from syllabus.text import single_line


def citation_key_assign(paper: Paper, taken: set[str]) -> None:
    """Give a paper without a key the one Paper.save would: the first free one for its base key."""
    if paper.citation_key:
        return
    base = citation_key_base(title=paper.title, authors=paper.authors, year=paper.year)
    paper.citation_key = citation_key_free(base, taken)
    taken.add(paper.citation_key)


def worth_retrying(error: Exception) -> bool:
    """A clash on a unique value (a citation key another writer took meanwhile): a fresh try may pass."""
    return isinstance(error, IntegrityError)


def tags_known(*, names: Iterable[str], known: dict[str, Tag]) -> list[Tag]:
    """services.tags_get_or_create, asking the database only for names not met before in the import."""
    longest = Tag._meta.get_field("name").max_length
    wanted: dict[str, str] = {}  # lower-case name -> the first spelling, as the service reads them
    for name in names:
        if cleaned := single_line(name)[:longest].strip():
            wanted.setdefault(cleaned.lower(), cleaned)
    missing = [key for key in wanted if key not in known]
    if missing:
        # The service answers in the order it was asked, one tag per distinct name.
        known.update(
            zip(missing, services.tags_get_or_create(names=[wanted[key] for key in missing]), strict=True)
        )
    return [known[key] for key in wanted]
