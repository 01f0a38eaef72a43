"""Names for the terms an import makes, which the old site knows only by raw keys ("2017Course").

In order of preference: a `--term-names` file (YAML or CSV: key → name, optional description),
the site's own pages and data files (a page or a navigation entry whose address, id or term is the
key), else a name made from the key ("2024-seminarRead" → "2024 Seminar Read").

A term already here is renamed only while its name is one an import could have given it (its key,
the name made from its key, or the site's name for it): a name an instructor typed stays.
"""

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import frontmatter
import yaml

from syllabus.importers.jekyll import TextYAMLHandler
from syllabus.models import Term
from syllabus.text import single_line

WORD = re.compile(r"\d+|[A-Z]{2,}s?(?![a-z])|[A-Z]?[a-z]+|[A-Z]")
# "2019fCourse", "2019sp": a letter or two after a year that names the season.
SEASONS = {"f": "Fall", "fa": "Fall", "s": "Spring", "sp": "Spring", "w": "Winter", "wi": "Winter"}
SEASONS |= {"u": "Summer", "su": "Summer"}
NAME_KEYS = ("title", "name", "label")
DESCRIPTION_KEYS = ("description", "desc", "excerpt", "summary", "subtitle")
LINK_KEYS = ("url", "permalink", "link", "href")
ID_KEYS = ("key", "id", "term", "code", "slug")


@dataclass(frozen=True)
class TermName:
    name: str
    description: str = ""


def normalise_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def readable_name(key: str) -> str:
    """`2017Course` → "2017 Course", `2024-seminarRead` → "2024 Seminar Read", `talks-mb2019` → "Talks MB 2019"."""
    words, previous = [], ""
    for word in WORD.findall(key):
        if previous.isdigit() and len(previous) == 4 and word.lower() in SEASONS:
            words.append(SEASONS[word.lower()])
        elif word.islower() and len(word) <= 4 and not re.search(r"[aeiouy]", word):
            words.append(word.upper())  # "mb", "dl", "nlp": initials
        else:
            words.append(word[0].upper() + word[1:])
        previous = word
    return " ".join(words) or key


def term_names_file(path: Path) -> dict[str, TermName]:
    """key → name from a YAML mapping (`2017Course: Deep Learning 2017` or `{name:, description:}`), a
    YAML list of `{key, name, description}`, or a CSV of key,name[,description] (a header row is optional).
    Raises ValueError when the file cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    if path.suffix.lower() == ".csv":
        rows = [row for row in csv.reader(text.splitlines()) if row and row[0].strip()]
        if rows and rows[0][0].strip().lower() in ID_KEYS:
            rows = rows[1:]  # the header
        data = {
            row[0].strip(): {"name": row[1], "description": ",".join(row[2:])} for row in rows if len(row) > 1
        }
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ValueError(f"{path} is not YAML: {error}") from None
    if isinstance(data, list):
        data = {_first(item, ID_KEYS): item for item in data if isinstance(item, dict)}
    found = {}
    for key, value in data.items() if isinstance(data, dict) else ():
        name = (
            value if isinstance(value, str) else _first(value, NAME_KEYS) if isinstance(value, dict) else ""
        )
        if key and single_line(str(name)):
            description = _first(value, DESCRIPTION_KEYS) if isinstance(value, dict) else ""
            found[str(key)] = TermName(single_line(str(name)), description)
    if not found:
        raise ValueError(f"{path} maps no term keys to names")
    return found


def _first(entry: dict, keys: Iterable[str]) -> str:
    return next((str(entry[key]).strip() for key in keys if entry.get(key)), "")


def site_term_names(site_dir: Path) -> dict[str, list[TermName]]:
    """What the site calls things, by normalised key: its pages, then its data files."""
    found: dict[str, list[TermName]] = {}
    pages = [*(site_dir / "_pages").rglob("*"), *site_dir.glob("*")]
    for path in sorted(p for p in pages if p.suffix in (".md", ".markdown", ".html") and p.is_file()):
        try:
            meta = frontmatter.loads(path.read_text(encoding="utf-8"), handler=TextYAMLHandler()).metadata
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(meta, dict):
            _remember(found, meta, extra_keys=[path.stem])
    for path in sorted((site_dir / "_data").rglob("*")):
        _walk(found, _data_file(path))
    return found


def _data_file(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yml", ".yaml"):
            return yaml.safe_load(text)
        if path.suffix == ".json":
            return json.loads(text)
        if path.suffix == ".csv":
            return list(csv.DictReader(text.splitlines()))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError):
        pass
    return None


def _walk(found: dict[str, list[TermName]], data) -> None:
    if isinstance(data, list):
        for item in data:
            _walk(found, item)
    elif isinstance(data, dict):
        _remember(found, data)
        for key, value in data.items():
            if isinstance(value, str):  # `2017Course: Deep Learning Readings 2017`
                found.setdefault(normalise_key(str(key)), []).append(TermName(single_line(value)))
            elif isinstance(value, dict) and _first(value, NAME_KEYS):
                found.setdefault(normalise_key(str(key)), []).append(
                    TermName(single_line(_first(value, NAME_KEYS)), _first(value, DESCRIPTION_KEYS))
                )
            _walk(found, value)


def _remember(found: dict[str, list[TermName]], entry: dict, extra_keys: Iterable[str] = ()) -> None:
    """An entry with a name and an address or id: named under the address's last part and fragment."""
    name = single_line(_first(entry, NAME_KEYS))
    description = _first(entry, DESCRIPTION_KEYS)
    if not (name or description):
        return
    keys = [*extra_keys, *(str(entry[key]) for key in ID_KEYS if isinstance(entry.get(key), str))]
    for key in LINK_KEYS:
        if isinstance(entry.get(key), str):
            parts = urlsplit(entry[key])
            keys += [parts.fragment, next((p for p in reversed(parts.path.split("/")) if p), "")]
    for key in {normalise_key(key) for key in keys} - {""}:
        found.setdefault(key, []).append(TermName(name, description))


class TermNamer:
    """The name and description an import gives the term with a key, and where they came from."""

    def __init__(self, site_dir: Path, given: dict[str, TermName] | None = None):
        self.given = {normalise_key(key): name for key, name in (given or {}).items()}
        self.site = site_term_names(site_dir)
        self.origins: Counter = Counter()

    def site_name(self, key: str) -> TermName | None:
        """The site's first name for the key that is more than the key itself, with the first description."""
        candidates = self.site.get(normalise_key(key), [])
        names = [c.name for c in candidates if c.name and normalise_key(c.name) != normalise_key(key)]
        description = next((c.description for c in candidates if c.description), "")
        if not (names or description):
            return None
        return TermName(names[0] if names else readable_name(key), description)

    def name(self, key: str) -> tuple[TermName, str]:
        if given := self.given.get(normalise_key(key)):
            site = self.site_name(key)
            return TermName(
                given.name, given.description or (site.description if site else "")
            ), "from --term-names"
        if site := self.site_name(key):
            return site, "from the site's pages and data"
        return TermName(readable_name(key)), "made from the key"

    def term_apply(self, term: Term) -> bool:
        """Name a new term, or rename one whose name an import gave; True when the term changed."""
        named, origin = self.name(term.code)
        self.origins[origin] += 1
        site = self.site_name(term.code)
        imported_names = {term.code, readable_name(term.code), site.name if site else term.code}
        changed = False
        if term.name != named.name[:200] and (term.pk is None or term.name in imported_names):
            term.name, changed = named.name[:200], True
        if named.description and not term.description:
            term.description, changed = named.description, True
        return changed

    def report(self) -> list[str]:
        return [f"term names {origin}: {number}" for origin, number in sorted(self.origins.items())]


def terms_name(*, codes: Iterable[str], namer: TermNamer) -> int:
    """Rename the imported terms with these codes whose names an import gave; returns how many changed."""
    changed = [term for term in Term.objects.filter(code__in=set(codes)) if namer.term_apply(term)]
    for term in changed:
        term.save()
    return len(changed)
