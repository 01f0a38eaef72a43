"""Read a Jekyll seminar post into plain data: no database here (see loader.py for the writes).

The posts are markdown tables (`Presenter | Papers | Paper URL | Our Slides` and variants) or
readings under headings, with abstracts in footnotes. Both are read into `Reading` rows.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

FILE_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.*)\.(md|markdown)$")
EXCERPT = "<!--excerpt.start-->"
LIQUID_ASSIGN = re.compile(r"\{%\s*assign\s+(\w+)\s*=\s*(.*?)\s*%\}")
LIQUID_VALUE = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
LINK = re.compile(r"\[([^\]]*)\]\(\s*([^)\s]*)\s*\)")
BARE_URL = re.compile(r"(?<![(\[])\bhttps?://[^\s)|>\]]+")
FOOTNOTE_REF = re.compile(r"\[\^([^\]]+)\](?!:)")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]]+)\]:\s*(.*)$")
TAGS = re.compile(r"</?[a-zA-Z][^>]*>")
# "Title, ICML17" / "Title, NIPS 2016" / "Title (ICLR 2018)": a venue and a year at the end.
VENUE_SUFFIX = re.compile(r"[,(]\s*([A-Za-z][A-Za-z&@\- ]{1,30}?)\s*'?(\d{4}|\d{2})\s*\)?\s*$")
ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?", re.I)
DOI_URL = re.compile(r"doi\.org/(10\.\d{4,9}/[^\s?#]+)", re.I)
NOT_A_NAME = {"pdf", "slides", "slide", "ourslide", "our", "survey", "url", "link", "notes", "video", "ppt"}


@dataclass
class Link:
    url: str
    label: str = ""

    @property
    def kind(self) -> str:
        """pdf, abstract, code, video, blog or other: from the address, then the label."""
        url, label = self.url.lower(), self.label.lower()
        if "github.com" in url or "gitlab" in url or "code" in label:
            return "code"
        if (
            any(host in url for host in ("youtube.", "youtu.be", "videolectures", "vimeo."))
            or "video" in label
        ):
            return "video"
        if "arxiv.org/abs" in url or "openreview.net/forum" in url:
            return "abstract"
        if url.endswith(".pdf") or "/pdf/" in url or "pdf" in label:
            return "pdf"
        if "blog" in url or "blog" in label:
            return "blog"
        return "other"


@dataclass
class Reading:
    """One row of a week: a paper (or a topic) with who presents it, its links and slides."""

    line: int
    section: str = ""
    label: str = ""
    presenters: list[str] = field(default_factory=list)
    title: str = ""
    venue: str = ""
    year: int | None = None
    authors: str = ""
    abstract: str = ""
    links: list[Link] = field(default_factory=list)
    slides: list[tuple[Link, str]] = field(default_factory=list)  # (link, presenter named with it)
    tags: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)

    @property
    def arxiv_id(self) -> str:
        for link in self.links:
            if match := ARXIV.search(link.url):
                return match.group(1)
        return ""

    @property
    def doi(self) -> str:
        for link in self.links:
            if match := DOI_URL.search(link.url):
                return match.group(1)
        return ""


@dataclass
class Post:
    path: Path
    date: object
    title: str
    code: str
    term: str
    categories: list[str]
    tags: list[str]
    readings: list[Reading]
    body: str
    extras: dict[str, str]
    problems: list[str] = field(default_factory=list)  # "line N: what is ambiguous"
    unusable_links: list[str] = field(default_factory=list)  # kept in the body, never dropped


class PostError(Exception):
    """A post that cannot be read at all; `line` is where, when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def normalise_title(title: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split())


def read_post(path: Path) -> Post:
    """Parse one `_posts/YYYY-MM-DD-slug.md` file."""
    match = FILE_NAME.match(path.name)
    if not match:
        raise PostError("the file name does not start with a date (YYYY-MM-DD-...)", 1)
    try:
        date = datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as error:
        raise PostError(f"the date in the file name is impossible: {error}", 1) from None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PostError(f"cannot read the file: {error}") from None
    try:
        meta, content = frontmatter.parse(text)
    except yaml.YAMLError as error:
        # The line where the bad value starts (context), else where the parser noticed (problem);
        # YAML counts from 0, starting with the rest of the opening "---" line.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        raise PostError(
            f"broken front matter: {getattr(error, 'problem', error)}", mark.line + 1 if mark else 1
        ) from None
    title = str(meta.get("title") or "").strip()
    if not title:
        raise PostError("the front matter has no title", 1)
    offset = text.count("\n", 0, text.find(content[:40])) if content.strip() else 0
    post = Post(
        path=path,
        date=date,
        title=title,
        code=str(meta.get("desc") or "").strip(),
        term=str(meta.get("term") or "").strip(),
        categories=_as_list(meta.get("categories")),
        tags=_as_list(meta.get("tags")),
        readings=[],
        body="",
        extras={key: str(meta[key]) for key in ("lecture", "notes", "video") if meta.get(key)},
    )
    _read_body(post, content, offset)
    return post


def _as_list(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).replace(",", " ").split()
    return [str(item).strip() for item in items if str(item).strip()]


def resolve_liquid(text: str) -> str:
    """`{{site.baseurl}}` and `{{filedir}}`-style values become site-root paths."""
    values = {"site.baseurl": ""}
    for name, expression in LIQUID_ASSIGN.findall(text):
        parts = [part.strip().strip("'\"") for part in expression.split("| append:")]
        values[name] = "".join("" if part == "site.baseurl" else part for part in parts)
    text = LIQUID_ASSIGN.sub("", text)
    resolved = LIQUID_VALUE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    return re.sub(r"(?<!:)/{2,}", "/", resolved)


def _read_body(post: Post, content: str, offset: int) -> None:
    content = resolve_liquid(content)
    lines = content.split("\n")
    footnotes: dict[str, str] = {}
    kept: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=offset + 1):
        if found := FOOTNOTE_DEF.match(line.strip()):
            footnotes[found.group(1)] = " ".join(TAGS.sub(" ", found.group(2)).split())
        else:
            kept.append((number, line))
    text_lines = [line for _, line in kept]
    cut = next((i for i, line in enumerate(text_lines) if EXCERPT in line), len(text_lines))
    readings_part, notes_part = kept[:cut], kept[cut + 1 :]

    tables = _tables(readings_part)
    if tables:
        leftover = [line for number, line in readings_part if not any(t[0] <= number <= t[1] for t in tables)]
        for _start, _end, rows in tables:
            post.readings.extend(_table_readings(rows, post))
    else:
        leftover = _heading_readings(readings_part, post)
    unmatched = _attach_footnotes(post, footnotes)
    body = "\n".join(leftover).strip()
    notes = "\n".join(line for _, line in notes_part).strip()
    extras = "\n".join(f"- {key.title()}: {value}" for key, value in post.extras.items())
    unusable = "\n".join(f"- `{url}`" for url in post.unusable_links)
    post.body = "\n\n".join(
        part
        for part in (
            body,
            notes,
            extras and f"Session materials:\n\n{extras}",
            unusable and f"Links in the old post that are not addresses:\n\n{unusable}",
            "\n\n".join(f"[^{key}]: {text}" for key, text in unmatched),
        )
        if part
    )


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [cell.strip() for cell in inner.split("|")]


def _tables(lines: list[tuple[int, str]]) -> list[tuple[int, int, list[tuple[int, dict[str, str]]]]]:
    """Markdown tables as (first line, last line, [(line, {role: cell})])."""
    tables, index = [], 0
    while index < len(lines):
        number, line = lines[index]
        is_separator = index + 1 < len(lines) and re.fullmatch(
            r"\s*\|?[\s:\-|]+\|?\s*", lines[index + 1][1] or "x"
        )
        if line.strip().startswith("|") and is_separator and "-" in lines[index + 1][1]:
            roles = [_role(header) for header in _cells(line)]
            rows, index = [], index + 2
            while index < len(lines) and lines[index][1].strip().startswith("|"):
                cells = _cells(lines[index][1])
                if len(cells) > len(roles):  # a stray "|" inside a cell: join the overflow into the last one
                    cells = [*cells[: len(roles) - 1], " | ".join(cells[len(roles) - 1 :])]
                rows.append((lines[index][0], dict(zip(roles, cells, strict=False))))
                index += 1
            tables.append((number, lines[index - 1][0], rows))
        else:
            index += 1
    return tables


def _role(header: str) -> str:
    name = header.lower()
    if "slide" in name or "notes" in name:
        return "slides"
    if "url" in name:
        return "links"
    if "abstract" in name:
        return "abstract"
    if "tag" in name:
        return "tags"
    if "paper" in name or "title" in name:
        return "paper"
    if "presenter" in name:
        return "presenter"
    return "label"  # Index, Type, Team INDEX: a number, a topic or a team


def _links(text: str) -> list[Link]:
    links = [Link(url=url, label=label.strip()) for label, url in LINK.findall(text) if url]
    links += [Link(url=url) for url in BARE_URL.findall(LINK.sub("", text))]
    return links


def _plain(text: str) -> str:
    text = FOOTNOTE_REF.sub("", text)
    text = LINK.sub(lambda m: m.group(1), text)
    return " ".join(TAGS.sub(" ", text).split()).strip(" +")


def _split_venue(title: str) -> tuple[str, str, int | None]:
    if match := VENUE_SUFFIX.search(title):
        venue, year = match.group(1).strip(), int(match.group(2))
        return title[: match.start()].strip(" ,"), venue, year + 2000 if year < 100 else year
    return title, "", None


def looks_like_a_person(text: str) -> bool:
    """ "Ceyer", "ChaoJiang", "Jack": one word of letters. Two words ("Mutual Information") stay a topic."""
    return bool(re.fullmatch(r"[A-Z][a-zA-Z\-']{1,30}", text))


def _table_readings(rows: list[tuple[int, dict[str, str]]], post: Post) -> list[Reading]:
    readings, previous_presenter = [], ""
    for line, cells in rows:
        if not any(cells.values()):
            continue
        cells = _unshift(cells, line, post)
        reading = Reading(line=line)
        paper_cell = cells.get("paper", "")
        reading.footnotes = FOOTNOTE_REF.findall(" ".join(cells.values()))  # cited from any cell
        reading.title, reading.venue, reading.year = _split_venue(_plain(paper_cell))
        reading.links = _links(paper_cell) + _links(cells.get("links", ""))
        reading.abstract = _plain(cells.get("abstract", ""))
        reading.tags = [tag.strip() for tag in cells.get("tags", "").split(",") if tag.strip()]
        who = _plain(cells.get("presenter", ""))
        if who and looks_like_a_person(who):
            reading.presenters.append(who)
            previous_presenter = who
        elif who:
            reading.label = who
            post.problems.append(f"line {line}: '{who}' read as a topic, not a presenter")
        elif "presenter" in cells and previous_presenter and reading.title:
            reading.presenters.append(previous_presenter)  # an empty cell continues the row above
        reading.label = reading.label or _plain(cells.get("label", ""))
        _read_slides(reading, cells.get("slides", ""), post)
        for link in list(reading.links):
            if not link.url.startswith(("http://", "https://", "/")):
                reading.links.remove(link)
                post.unusable_links.append(link.url)
                post.problems.append(f"line {line}: link '{link.url}' is not an address; kept in the notes")
        if reading.title or reading.links or reading.slides or reading.label:
            readings.append(reading)
    return readings


def _unshift(cells: dict[str, str], line: int, post: Post) -> dict[str, str]:
    """Rows with shifted cells: links under Tags (or a label column) are slides, words under Slides are tags."""
    cells = dict(cells)
    for role in ("tags", "label"):
        if LINK.search(cells.get(role, "")) and not LINK.search(cells.get("slides", "")):
            moved = cells.pop(role)
            if role == "tags" and cells.get("slides"):
                cells["tags"] = cells["slides"]
            cells["slides"] = moved
            post.problems.append(f"line {line}: cells look shifted; read the links under '{role}' as slides")
    return cells


def _read_slides(reading: Reading, cell: str, post: Post) -> None:
    """Slides, and the presenters named beside them: `Jack [Pdf](...)`, `[Arsh Survey](...)`."""
    for match in LINK.finditer(cell):
        label, url = match.group(1).strip(), match.group(2)
        before = _plain(cell[: match.start()].split(")")[-1]).strip(" +")
        words = [w for w in re.split(r"[\s_]+", label) if w and w.lower() not in NOT_A_NAME]
        named = (
            before
            if looks_like_a_person(before)
            else (words[0] if words and looks_like_a_person(words[0]) else "")
        )
        if not url:
            post.problems.append(f"line {reading.line}: slides '{label}' have no address")
            continue
        reading.slides.append((Link(url=url, label=label), named))
        if named and named not in reading.presenters:
            reading.presenters.append(named)


def _heading_readings(lines: list[tuple[int, str]], post: Post) -> list[str]:
    """Readings under headings: `## Required Readings` sections, paper titles as headings, bullets below."""
    leftover, section, current = [], "", None
    for number, line in lines:
        stripped = line.strip()
        heading = re.match(r"^(#{2,6})\s+(.*?)\s*:?\s*$", stripped)
        if heading:
            text = _plain(heading.group(2))
            if "reading" in text.lower():
                section, current = text.rstrip(":"), None
                continue
            title, venue, year = _split_venue(text)
            current = Reading(line=number, section=section, title=title, venue=venue, year=year)
            current.links = _links(heading.group(2))
            post.readings.append(current)
            continue
        bullet = re.match(r"^[+\-*]\s+(.*)$", stripped)
        if current is not None and bullet:
            item = bullet.group(1)
            links = _links(item)
            rest = _plain(BARE_URL.sub("", LINK.sub("", item))).strip(" :+")
            current.links.extend(links)
            if len(rest) > 200 or (rest and not links and current.authors):
                authors, _, abstract = rest.partition(" / ") if " / " in rest[:400] else ("", "", rest)
                current.authors = current.authors or authors
                current.abstract = (current.abstract + "\n\n" + abstract).strip()
            elif rest and not links:
                current.authors = rest
            continue
        if current is None or stripped:
            leftover.append(line)
    return leftover


def _attach_footnotes(post: Post, footnotes: dict[str, str]) -> list[tuple[str, str]]:
    """Each footnote goes to the paper whose title it starts with; its number is only a hint.

    Returns the footnotes that match no paper, which stay in the week's notes.
    """
    unmatched = []
    by_title = [(normalise_title(r.title), r) for r in post.readings if r.title]
    for key, text in footnotes.items():
        note = normalise_title(text)
        match = next((r for title, r in by_title if title and note.startswith(title)), None)
        match = match or next((r for title, r in by_title if len(title) > 12 and title in note), None)
        if match is None:
            match = next((r for r in post.readings if key in r.footnotes), None)
            if match is None:
                unmatched.append((key, text))
                post.problems.append(f"footnote [^{key}] matches no paper; kept in the week's notes")
                continue
            post.problems.append(f"footnote [^{key}] matched by its number only")
        match.abstract = (match.abstract + "\n\n" + _strip_title(text, match.title)).strip()
    return unmatched


def _strip_title(text: str, title: str) -> str:
    """The footnote without the paper's title at its start."""
    words = len(title.split())
    head = " ".join(text.split()[:words])
    rest = text[len(head) :] if normalise_title(head) == normalise_title(title) else text
    return rest.strip(" ,:/")
