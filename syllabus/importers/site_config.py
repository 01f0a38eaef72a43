"""What a Jekyll site's `_config.yml` says about where its posts are and where it was published.

Posts are `_posts/*.md`, and the documents of every collection the config declares
(`collections: [talks]` or `collections: {contents: {output: true, sort_by: order}}`, in
`collections_dir:` when given). A collection's documents often carry no date: they are ordered by
the collection's `order:` list, else its `sort_by` front-matter key, else their file names, and
dated by `sources_date`: from an earlier import, the term's meeting schedule here, or a start
date and weekday given on the command line.
"""

import datetime
import fnmatch
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

from syllabus.importers.jekyll import FILE_NAME, TextYAMLHandler
from syllabus.models import Term, Week

POST_SUFFIXES = (".md", ".markdown")
DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@dataclass
class Source:
    """One file to import: where it is, the key its week keeps, and what its front matter says."""

    path: Path
    where: str  # the path inside the site, e.g. "_posts/2017-09-12-x.md" or "_contents/intro.md"
    collection: str = ""  # "" for _posts
    term: str = ""  # the front matter's term, else the collection's name
    date: datetime.date | None = None  # from the file name or front matter; else set by sources_date


@dataclass
class Collection:
    name: str
    folder: Path
    sort_by: str = ""
    order: list[str] = field(default_factory=list)


@dataclass
class SiteConfig:
    site_url: str  # `url` + `baseurl`, "" when the config has no absolute `url`
    posts_dir: Path
    collections: list[Collection]
    baseurl: str = ""  # without slashes around it
    permalink: str = "date"  # the posts' address style

    @classmethod
    def read(cls, site_dir: Path) -> "SiteConfig":
        config = config_read(site_dir)
        folder = site_dir / str(config.get("collections_dir") or "").strip("/")
        posts_dir = folder / "_posts" if (folder / "_posts").is_dir() else site_dir / "_posts"
        return cls(
            config_site_url(config),
            posts_dir,
            config_collections(config, folder),
            baseurl=str(config.get("baseurl") or "").strip().strip("/"),
            permalink=str(config.get("permalink") or "date"),
        )

    def sources(self, site_dir: Path, only: str = "*") -> list[Source]:
        """Posts, then each collection's documents in the collection's order, matching `only`."""
        found = [path for suffix in POST_SUFFIXES for path in self.posts_dir.glob(f"*{suffix}")]
        sources = [Source(path, path.relative_to(site_dir).as_posix()) for path in sorted(found)]
        for collection in self.collections:
            sources += collection_sources(collection, site_dir)
        return [source for source in sources if fnmatch.fnmatch(source.path.name, only)]


def config_read(site_dir: Path) -> dict:
    """`_config.yml` as a dict; {} when it is missing or broken (the posts are still imported)."""
    try:
        config = yaml.safe_load((site_dir / "_config.yml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return config if isinstance(config, dict) else {}


def config_site_url(config: dict) -> str:
    """`url` and `baseurl` joined with one slash between them, no slash at the end."""
    url = str(config.get("url") or "").strip()
    if not url.startswith(("http://", "https://")):
        return ""  # a baseurl alone says nothing about the host
    base = str(config.get("baseurl") or "").strip().strip("/")
    return "/".join(part for part in (url.rstrip("/"), base) if part)


def config_collections(config: dict, folder: Path) -> list[Collection]:
    declared = config.get("collections") or {}
    if isinstance(declared, list):
        declared = {str(name): {} for name in declared}
    if not isinstance(declared, dict):
        return []
    collections = []
    for name, meta in declared.items():
        meta = meta if isinstance(meta, dict) else {}
        if str(name) == "posts" or not (folder / f"_{name}").is_dir():
            continue  # posts are read from _posts/ anyway
        order = meta.get("order") if isinstance(meta.get("order"), list) else []
        collections.append(
            Collection(
                str(name), folder / f"_{name}", str(meta.get("sort_by") or ""), [str(o) for o in order]
            )
        )
    return collections


def collection_sources(collection: Collection, site_dir: Path) -> list[Source]:
    """The collection's documents in Jekyll's order: its `order:` list, else `sort_by`, else file names.

    Documents without the `sort_by` key come after the others, by file name, as Jekyll lists them.
    """
    paths = sorted(
        path for suffix in POST_SUFFIXES for path in collection.folder.rglob(f"*{suffix}") if path.is_file()
    )
    sources, keys = [], {}
    for path in paths:
        where = path.relative_to(site_dir).as_posix()
        meta = _front_matter(path)
        source = Source(path, where, collection.name, str(meta.get("term") or "").strip() or collection.name)
        source.date = _own_date(path, meta)
        keys[where] = _sort_key(collection, path.relative_to(collection.folder).as_posix(), meta)
        sources.append(source)
    return sorted(sources, key=lambda source: keys[source.where])


def _sort_key(collection: Collection, name: str, meta: dict) -> tuple:
    if collection.order:
        listed = name in collection.order
        return (0 if listed else 1, collection.order.index(name) if listed else 0, "", name)
    value = str(meta.get(collection.sort_by) or "").strip() if collection.sort_by else ""
    if not value:
        return (2, 0, "", name)
    try:
        return (0, float(value), "", name)  # "10" after "9"
    except ValueError:
        return (1, 0, value.lower(), name)


def _front_matter(path: Path) -> dict:
    try:
        meta = frontmatter.loads(path.read_text(encoding="utf-8"), handler=TextYAMLHandler()).metadata
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}  # the import reports the broken file
    return meta if isinstance(meta, dict) else {}


def _own_date(path: Path, meta: dict) -> datetime.date | None:
    for text in (path.name, str(meta.get("date") or "")):
        match = FILE_NAME.match(text) if text == path.name else DATE.match(text)
        if match:
            try:
                return datetime.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                continue
    return None


def weekday_number(text: str) -> int:
    """0 (Monday) to 6 (Sunday) from "2", "tue", "Tuesday"; ValueError otherwise."""
    text = text.strip().lower()
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    found = [number for number, name in enumerate(WEEKDAYS) if len(text) >= 2 and name.startswith(text)]
    if len(found) != 1:
        raise ValueError(f"{text!r} is not a weekday (Monday … Sunday, or 0 … 6)")
    return found[0]


def _weekly(first: datetime.date, weekday: int, count: int) -> list[datetime.date]:
    """`count` dates a week apart, from the first `weekday` on or after `first`."""
    start = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
    return [start + datetime.timedelta(weeks=n) for n in range(count)]


def term_schedule_dates(term: Term, count: int) -> list[datetime.date]:
    """The term's next `count` meeting dates: its sessions not imported from a file (made by
    "generate sessions"), then weekly on from the last; [] when it has neither sessions nor a weekday."""
    sessions = sorted(Week.objects.filter(term=term, source_path="").values_list("date", flat=True))
    if sessions:
        later = _weekly(sessions[-1] + datetime.timedelta(days=7), sessions[-1].weekday(), count)
        return [*sessions, *later][:count]
    if term.weekday is None:
        return []
    return _weekly(term.start_date, term.weekday, count)


def session_to_fill(*, term: Term, date: datetime.date, source_path: str) -> Week | None:
    """The term's empty generated session on `date`, to become the imported post's week (not saved).

    Its slug is cleared so that the post's title names it: a generated session is a draft, so no
    public address changes.
    """
    week = Week.objects.filter(term=term, date=date, source_path="", presentations__isnull=True).first()
    if week is not None:
        week.source_path, week.slug = source_path, ""
    return week


@dataclass
class Dating:
    """How the undated documents got their dates, for the summary."""

    counts: Counter = field(default_factory=Counter)
    refused: list[Source] = field(default_factory=list)

    def report(self) -> list[str]:
        return [f"dates {origin}: {number}" for origin, number in sorted(self.counts.items())]


def sources_date(
    sources: list[Source], *, start: datetime.date | None = None, weekday: int | None = None
) -> Dating:
    """Give each undated source a date; the ones no date can be found for go to `refused`.

    The n-th undated document of a term (counted in collection order) gets, in this order of
    preference: the date its week has from an earlier import (an instructor may have moved it),
    the term's n-th meeting date here (`term_schedule_dates`), or `start` + n weeks on `weekday`.
    """
    dating = Dating()
    undated = [source for source in sources if source.date is None and source.collection]
    if not undated:
        return dating
    kept = dict(
        Week.objects.filter(source_path__in=[s.where for s in undated]).values_list("source_path", "date")
    )
    terms = {term.code: term for term in Term.objects.filter(code__in={s.term[:50] for s in undated})}
    by_term: dict[str, list[Source]] = {}
    for source in undated:
        by_term.setdefault(source.term, []).append(source)
    for code, group in by_term.items():
        term = terms.get(code[:50])
        scheduled = term_schedule_dates(term, len(group)) if term else []
        weekly = _weekly(start, start.weekday() if weekday is None else weekday, len(group)) if start else []
        for number, source in enumerate(group):
            if source.where in kept:
                source.date, origin = kept[source.where], "kept from an earlier import"
            elif scheduled:
                source.date, origin = scheduled[number], f"from the meeting schedule of term {code}"
            elif weekly:
                source.date, origin = (
                    weekly[number],
                    f"from --start-date {start} on {WEEKDAYS[weekly[0].weekday()].title()}s",
                )
            else:
                dating.refused.append(source)
                continue
            dating.counts[origin] += 1
    return dating
