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

from syllabus.importers.bullets import LAST, OWN, Group, Item, placement, url_title
from syllabus.importers.footnotes import footnote_split
from syllabus.importers.kramdown import kramdown_normalise, with_table_of_contents
from syllabus.importers.links import (
    BARE_URL,
    LINK,
    bare_label,
    bare_urls,
    link_kind,
    link_text,
    only_link_words,
    without_link_texts,
)

FILE_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.*)\.(md|markdown)$")
EXCERPT = "<!--excerpt.start-->"
LIQUID_ASSIGN = re.compile(r"\{%\s*assign\s+(\w+)\s*=\s*(.*?)\s*%\}")
LIQUID_VALUE = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
FOOTNOTE_REF = re.compile(r"\[\^([^\]]+)\](?!:)")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]]+)\]:\s*(.*)$")
TAGS = re.compile(r"</?[a-zA-Z][^>]*>")
# "Title, ICML17" / "Title, NIPS 2016" / "Title (ICLR 2018)": a venue and a year at the end.
VENUE_SUFFIX = re.compile(r"[,(/]\s*([A-Za-z][A-Za-z&@\- ]{1,30}?)\s*'?(\d{4}|\d{2})\s*\)?\s*$")
# "NetGAN ... Random Walks ICML18": a well-known venue needs no comma before it.
KNOWN_VENUES = (
    "ICML|NIPS|NeurIPS|ICLR|CVPR|ECCV|ICCV|AAAI|IJCAI|KDD|ACL|EMNLP|NAACL|AISTATS|UAI|COLT|WWW"
    "|SIGIR|WSDM|ISMB|RECOMB|Nature|Science|JMLR"
)
# "... Random Walks ICML18", "... Knowledge WNLP@ACL2019": a well-known venue needs no comma before it.
KNOWN_VENUE_SUFFIX = re.compile(rf"\s((?:[A-Za-z]+@)?(?:{KNOWN_VENUES}))\s*'?(\d{{4}}|\d{{2}})\s*$")
KNOWN_VENUE_PREFIX = re.compile(rf"^({KNOWN_VENUES})'?(\d{{4}}|\d{{2}})\b[\w ]{{0,20}}?\s*[:\-]\s+")
YEAR_SUFFIX = re.compile(r"[,(]\s*((?:19|20)\d{2})\s*\)?\s*$")  # "Title, 2018", "Title?(2006)"
NAME_PARTICLES = {"van", "von", "den", "der", "de", "da", "di", "del", "la", "le", "bin", "al"}
NOT_IN_NAMES = {"and", "the", "of", "for", "with", "via", "on", "in", "to", "learning", "networks", "deep"}
ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?", re.I)
# doi.org/10.1145/..., and publishers' pages named by it: dl.acm.org/doi/10.1145/..., .../doi/abs/10.1021/...
DOI_URL = re.compile(
    r"(?:doi\.org|/doi(?:/abs|/full|/pdf|/epdf)?)/(10\.\d{4,9}/[^\s?#]+?)(?:\.pdf)?(?=$|[?#])", re.I
)
NOT_A_NAME = {
    "pdf",
    "slides",
    "slide",
    "ourslide",
    "ourslides",
    "our",
    "survey",
    "url",
    "link",
    "notes",
    "video",
}
NOT_A_NAME |= {
    "ppt",
    "pptx",
    "blog",
    "talk",
    "code",
    "paper",
    "deck",
    "lecture",
    "html",
    "here",
    "more",
    "note",
    "related",
}
# libyaml's loader when PyYAML was built with it: ten times faster than the pure-Python one.
BASE_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
LOCAL_SLIDES = re.compile(r"^/[^?#]*\.(pdf|pptx?|key)$", re.I)
# "Survey … / PDF", "Nuts and Bolts …: video": the name of a link, not of the paper.
GENERIC_SUFFIX = re.compile(r"\s*[/:|\-]\s*(pdf|video|slides?|url|link)\s*$", re.I)
PART = re.compile(r"[ivx]+|\d+|part")  # words that number the parts of one work
# Headers of a column that numbers the rows: "Index", "No.", "#", "Nr", "Number".
ORDINAL_HEADER = re.compile(r"index|idx|no\.?|nr\.?|num(ber)?\.?|#|n[°º]", re.I)
HONORIFIC = re.compile(r"^(dr|prof|professor)\.?\s+", re.I)


@dataclass
class Link:
    url: str
    label: str = ""

    @property
    def kind(self) -> str:
        """pdf, abstract, code, video, blog or other: from the address, then the label."""
        return link_kind(self.url, self.label)


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
    notes: str = ""  # a person's review of the paper, for the row

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
    intro: str = ""  # the post's text before its first reading, shown above the readings
    unusable_links: list[str] = field(default_factory=list)  # kept in the body, never dropped
    known_people: set[str] | None = None  # lower-case names the site shows to be people (see read_post)
    slide_names: set[str] = field(default_factory=set)  # names written beside slide links
    file_name_words: set[str] = field(default_factory=set)  # name-like words of slide file names

    @property
    def title_words(self) -> set[str]:
        return {word for reading in self.readings for word in normalise_title(reading.title).split()}


class TextYAMLHandler(frontmatter.YAMLHandler):
    """Front matter values stay text: `title: 3.10` is "3.10", `desc: 010` is "010", a tag `yes` is "yes"."""

    def load(self, fm: str, **kwargs):
        return yaml.load(fm, Loader=BASE_LOADER)  # builds only str, list and dict


class PostError(Exception):
    """A post that cannot be read at all; `line` is where, when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def normalise_title(title: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split())


def read_post(path: Path, known_people: set[str] | None = None, *, date: datetime.date | None = None) -> Post:
    """Parse one `_posts/YYYY-MM-DD-slug.md` file (or a collection's document, dated by `date`).

    `known_people` (lower case) are the names the whole site shows to be people: a one-word first
    cell is a presenter only if it is one of them ("Jack"), else a topic ("Memory"). Without it,
    any one-word name is taken for a person.
    """
    if date is None:
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
        meta, content = frontmatter.parse(text, handler=TextYAMLHandler())
    except yaml.YAMLError as error:
        # The line where the bad value starts (context), else where the parser noticed (problem);
        # YAML counts from 0, starting with the rest of the opening "---" line.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        raise PostError(
            f"broken front matter: {getattr(error, 'problem', error)}", mark.line + 1 if mark else 1
        ) from None
    if not isinstance(meta, dict):
        raise PostError("the front matter is not a set of keys and values", 1)
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
        known_people=known_people,
    )
    _read_body(post, content, offset)
    if str(meta.get("toc") or "").lower() == "true":  # the old theme's table of contents
        post.body = with_table_of_contents(post.body)
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
    # Only the slashes met where a value was put in merge ("{{filedir}}/a.pdf" with "/f/"): an
    # address written with "//" in it ("//cdn…", ".../a//b") stays as written.
    resolved = LIQUID_VALUE.sub(lambda m: "\x00" + values.get(m.group(1), m.group(0)) + "\x00", text)
    return re.sub(r"/*\x00[\x00/]*", lambda m: "/" if "/" in m.group(0) else "", resolved)


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
        leftover = [(n, line) for n, line in readings_part if not any(t[0] <= n <= t[1] for t in tables)]
        for _start, _end, rows in tables:
            post.readings.extend(_table_readings(rows, post))
    else:
        leftover = _heading_readings(readings_part, post)
    unmatched = _attach_footnotes(post, footnotes)
    # Rows without a paper (a talk, a video) keep their links in the week's notes.
    loose = [
        f"- {reading.label or 'Link'}: "
        + " + ".join(f"[{link.label or link.kind}]({link.url})" for link in reading.links)
        for reading in post.readings
        if not reading.title and reading.links
    ]
    # Text before the first reading (a table's header line, a paper's heading) stays above them.
    first = tables[0][0] if tables else min((reading.line for reading in post.readings), default=0)
    post.intro = kramdown_normalise("\n".join(line for n, line in leftover if n < first).strip())
    body = "\n".join(line for n, line in leftover if n >= first).strip()
    for reading in post.readings:
        reading.notes, reading.abstract = (
            kramdown_normalise(reading.notes),
            kramdown_normalise(reading.abstract),
        )
    notes = "\n".join(line for _, line in notes_part).strip()
    extras = "\n".join(f"- {key.title()}: {value}" for key, value in post.extras.items())
    unusable = "\n".join(f"- `{url}`" for url in post.unusable_links)
    post.body = "\n\n".join(
        kramdown_normalise(part)
        for part in (
            body,
            notes,
            extras and f"Session materials:\n\n{extras}",
            unusable and f"Links in the old post that are not addresses:\n\n{unusable}",
            loose and "Other links:\n\n" + "\n".join(loose),
            "\n\n".join(f"[^{key}]: {text}" for key, text in unmatched),
        )
        if part
    )


def _cells(line: str) -> list[str]:
    """Cells of a table row; a "|" inside a link's [text] or (address) does not split."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    links = [match.span() for match in LINK.finditer(inner)]
    cells, start = [], 0
    for index, char in enumerate(inner):
        if char == "|" and not any(begin < index < end for begin, end in links):
            cells.append(inner[start:index].strip())
            start = index + 1
    cells.append(inner[start:].strip())
    return cells


def _tables(lines: list[tuple[int, str]]) -> list[tuple[int, int, list[tuple[int, dict[str, str]]]]]:
    """Markdown tables as (first line, last line, [(line, {role: cell})])."""
    tables, index = [], 0
    separator = re.compile(r"\s*\|?[\s:|-]*-[\s:|-]*\|?\s*")
    while index < len(lines):
        number, line = lines[index]
        if not line.strip().startswith("|"):
            index += 1
            continue
        headers = _cells(line)
        roles = [_role(header) for header in headers]
        following = next((text for _, text in lines[index + 1 :] if text.strip()), "")
        has_separator = index + 1 < len(lines) and separator.fullmatch(lines[index + 1][1])
        # Some posts leave out the separator row; a header naming a papers column still makes a table.
        if not has_separator and not ("paper" in roles and following.strip().startswith("|")):
            index += 1
            continue
        raw_rows, index = [], index + (2 if has_separator else 1)
        while index < len(lines):
            text = lines[index][1].strip()
            if not text:  # blank lines between rows do not end the table
                ahead = next((t for _, t in lines[index:] if t.strip()), "")
                if not ahead.strip().startswith("|"):
                    break
                index += 1
                continue
            if not text.startswith("|"):
                break
            cells = _cells(text)
            while len(cells) > len(roles) and "" in cells[1:]:  # a stray empty cell shifts the rest
                cells.pop(cells.index("", 1))
            if len(cells) > len(roles):  # more cells than headers: the overflow joins the last one
                cells = [*cells[: len(roles) - 1], " | ".join(cells[len(roles) - 1 :])]
            raw_rows.append((lines[index][0], cells))
            index += 1
        roles = _without_ordinals(roles, headers, [cells for _, cells in raw_rows])
        rows = []
        for line_number, cells in raw_rows:
            row: dict[str, str] = {}
            for role, cell in zip(roles, cells, strict=False):
                if role:
                    row[role] = (
                        f"{row[role]} + {cell}" if row.get(role) else cell
                    )  # two URL columns: keep both
            rows.append((line_number, row))
        tables.append((number, lines[index - 1][0], rows))
    return tables


def _without_ordinals(roles: list[str], headers: list[str], rows: list[list[str]]) -> list[str]:
    """Roles with "" for the columns that only number the rows ("Index", "No.", "#", or 1, 2, 3 …).

    Row order is already the table's order, so the numbers are dropped rather than shown as topics.
    """
    roles = list(roles)
    for column, header in enumerate(headers):
        if column >= len(roles) or roles[column] != "label":
            continue
        values = [row[column].strip() for row in rows if column < len(row) and row[column].strip()]
        numbers = [int(value.rstrip(".")) for value in values if re.fullmatch(r"\d{1,3}\.?", value)]
        if not values or len(numbers) < len(values):
            continue
        counted = numbers[0] <= 1 and numbers == sorted(numbers) and numbers[-1] <= len(rows)
        if ORDINAL_HEADER.fullmatch(header.strip()) or (len(numbers) > 1 and counted):
            roles[column] = ""
    return roles


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
    links += [Link(url=url, label=bare_label(url)) for url in bare_urls(LINK.sub("", text))]
    return links


def _plain(text: str) -> str:
    text = FOOTNOTE_REF.sub("", text)
    text = LINK.sub(lambda m: m.group(1), text)
    return " ".join(TAGS.sub(" ", text).split()).strip(" +")


def split_citation(text: str) -> tuple[str, str, str, int | None]:
    """A title cell as (title, authors, venue, year).

    "HyperNetworks, David Ha, Andrew Dai ICLR 2017" -> ("HyperNetworks", "David Ha, Andrew Dai", "ICLR", 2017);
    also "Title, ICML17", "Title / CVPR 2016", "Title (2006)".
    """
    title, venue, year = GENERIC_SUFFIX.sub("", text).strip(" ,/;"), "", None
    if match := KNOWN_VENUE_PREFIX.match(title):  # "NIPS09: Title", "ICML07 Best Paper - Title"
        venue, year, title = match.group(1), int(match.group(2)), title[match.end() :]
    if venue:
        pass
    elif match := VENUE_SUFFIX.search(title) or KNOWN_VENUE_SUFFIX.search(title):
        venue, year = match.group(1).strip(), int(match.group(2))
        title = title[: match.start()].strip(" ,/;")
    elif match := YEAR_SUFFIX.search(title):
        year = int(match.group(1))
        title = title[: match.start()].strip(" ,/;")
    authors = ""
    head, _, tail = title.partition(", ")
    if tail and all(_is_a_name(part) for part in re.split(r"\s*[,;]\s*", tail.strip(" ,;"))):
        title, authors = head.strip(), ", ".join(re.split(r"\s*[,;]\s*", tail.strip(" ,;")))
    if year is not None and year < 100:
        year += 2000
    return title, authors, venue, year


def _is_a_name(text: str) -> bool:
    """ "Ari S. Morcos", "Aaron van den Oord", "Aman Sinha*": two to five words, the first and last capitalised."""
    words = text.replace("*", "").split()
    return (
        2 <= len(words) <= 5
        and all(word[0].isupper() or word in NAME_PARTICLES for word in words)
        and words[0][0].isupper()
        and words[-1][0].isupper()
        and not any(word.lower() in NOT_IN_NAMES for word in words)
        and not any(len(word) > 1 and word.isupper() and "." not in word for word in words)  # "VAE"
    )


def people(text: str) -> list[str]:
    """The names in a cell such as "Ceyer", "Beilun+Arshdeep", "Dr. Qi" or "Bill's"; [] if any part is not a name."""
    names = []
    for part in re.split(r"\s*(?:\+|,|&|\band\b)\s*", text.strip()):
        part = re.sub(r"'s?$", "", part.strip())
        honorific = HONORIFIC.match(part)
        bare = part[honorific.end() :] if honorific else part
        if not looks_like_a_person(bare):
            return []
        names.append(f"{honorific.group(1).title()}. {bare}" if honorific else bare)
    return names


def similar_titles(first: str, second: str) -> bool:
    """The same paper written twice: one title starts the other, or most of their words are shared."""
    a, b = normalise_title(first), normalise_title(second)
    if not a or not b:
        return False
    words_a, words_b = set(a.split()), set(b.split())
    if words_a ^ words_b and all(PART.fullmatch(word) for word in words_a ^ words_b):
        return False  # "Deep EHR (I)" and "Deep EHR (II)": parts read in different weeks
    if a.startswith(b) or b.startswith(a):
        return True
    return len(words_a & words_b) / len(words_a | words_b) >= 0.6


def looks_like_a_person(text: str) -> bool:
    """ "Ceyer", "ChaoJiang", "Jack": one capitalised word of letters. "Mutual Information", "NLP" are not."""
    return bool(re.fullmatch(r"[A-Z][a-zA-Z\-]{1,30}", text)) and not text.isupper()


def _table_readings(rows: list[tuple[int, dict[str, str]]], post: Post) -> list[Reading]:
    readings, previous_presenter = [], ""
    for line, cells in rows:
        if not any(cells.values()):
            continue
        cells = _unshift(cells, line, post)
        reading = Reading(line=line)
        paper_cell = cells.get("paper", "")
        reading.footnotes = FOOTNOTE_REF.findall(" ".join(cells.values()))  # cited from any cell
        # A bare address in the title cell is one of its links (below), not part of the title.
        citation = split_citation(_plain(without_link_texts(BARE_URL.sub("", paper_cell))))
        reading.title, reading.authors, reading.venue, reading.year = citation
        if _only_generic_links(paper_cell):  # "[video](…) + [slide](…)": links, not a title
            reading.title = ""
        reading.links = _links(paper_cell) + _links(cells.get("links", ""))
        for link in [link for link in reading.links if LOCAL_SLIDES.match(link.url)]:
            reading.links.remove(link)  # the site's own deck, linked from the title
            reading.slides.append((link, ""))
        reading.abstract = _plain(cells.get("abstract", ""))
        reading.tags = [tag.strip() for tag in cells.get("tags", "").split(",") if tag.strip()]
        _read_slides(reading, cells.get("slides", ""), post)
        post.file_name_words |= _file_name_words(reading)
        named_in_slides = {name.lower() for name in reading.presenters}
        who = _plain(cells.get("presenter", ""))
        if not who and _titled(_plain(cells.get("label", ""))):  # "| Dr Qi |" under "Type"
            who = _plain(cells.pop("label"))
        names = people(who)
        # "| Ji | ... | [PDF](.../20171201-Ji.pdf) |": the row's own slide file names its presenter.
        post.slide_names |= {n.lower() for n in names if _name_parts(n) & _file_name_words(reading)}
        # A name in the first column is a presenter, unless the slides name someone else: then it is
        # the row's topic ("SPEN | ... | Jack [Pdf](...)").
        known = post.known_people
        if known is not None and not all(n.lower() in known or HONORIFIC.match(n) for n in names):
            names = []
        if names and (not named_in_slides or named_in_slides & {n.lower() for n in names}):
            reading.presenters = list(dict.fromkeys([*names, *reading.presenters]))
            previous_presenter = names[0]
        elif who:
            reading.label = who
            post.problems.append(f"line {line}: '{who}' read as a topic, not a presenter")
        elif "presenter" in cells and previous_presenter and reading.title and not reading.presenters:
            reading.presenters.append(previous_presenter)  # an empty cell continues the row above
            post.problems.append(f"line {line}: presenter {previous_presenter} taken from the row above")
        reading.label = reading.label or _plain(cells.get("label", ""))
        for link in list(reading.links):
            if not link.url.startswith(("http://", "https://", "/")):
                reading.links.remove(link)
                post.unusable_links.append(link.url)
                post.problems.append(f"line {line}: link '{link.url}' is not an address; kept in the notes")
        if reading.title or reading.links or reading.slides or reading.label:
            readings.append(reading)
    return readings


def _titled(text: str) -> bool:
    """ "Dr Qi", "Prof. Smith": a title makes a person, whatever the column."""
    return bool(HONORIFIC.match(text)) and bool(people(text))


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


def _only_generic_links(cell: str) -> bool:
    labels = [label for label, _ in LINK.findall(cell)]
    words = [w.lower() for label in labels for w in re.split(r"[\s_\-+]+", label) if w]
    return bool(labels) and not _plain(LINK.sub("", cell)) and all(w in NOT_A_NAME for w in words)


def _file_name_words(reading: Reading) -> set[str]:
    """Name-like words of the row's slide file names, lower case: "20170912-Ceyer.pdf" gives {"ceyer"}."""
    stems = [link.url.rsplit("/", 1)[-1].rsplit(".", 1)[0] for link, _ in reading.slides]
    words = (word for stem in stems for word in re.split(r"[-_.\s\d]+", stem))
    return {word.lower() for word in words if looks_like_a_person(word)}


def _name_parts(name: str) -> set[str]:
    """A name and its capitalised parts, lower case: "ChaoJiang" gives {"chaojiang", "chao", "jiang"}."""
    return {name.lower()} | {part.lower() for part in re.findall(r"[A-Z][a-z]{2,}", name)}


def _read_slides(reading: Reading, cell: str, post: Post) -> None:
    """Slides, and the presenters named beside them: `Jack [Pdf](...)`, `[Arsh Survey](...)`."""
    for match in LINK.finditer(cell):
        label, url = match.group(1).strip(), match.group(2)
        before = _plain(cell[: match.start()].split(")")[-1]).strip(" +")
        words = [w for w in re.split(r"[\s_\-]+", label) if w and w.lower() not in NOT_A_NAME]
        first_is_name = (
            bool(words) and re.split(r"[\s_\-]+", label)[0] == words[0]
        )  # "Arsh Survey", not "PDF-Bandit"
        named = (people(before) or [""])[0] or ((people(words[0]) or [""])[0] if first_is_name else "")
        if not url:
            post.problems.append(f"line {reading.line}: slides '{label}' have no address")
            continue
        reading.slides.append((Link(url=url, label=label), named))
        if named:
            post.slide_names.add(named.lower())
        if named and named not in reading.presenters:
            reading.presenters.append(named)


def _heading_readings(lines: list[tuple[int, str]], post: Post) -> list[tuple[int, str]]:
    """Readings under headings: `## Required Readings` sections, paper titles as headings, bullets below.

    Under a paper, every line is one of its items (authors, links, abstract), bulleted or not; a
    line that continues the one above (a link or sentence broken over lines) joins it.
    """
    leftover, section, current, group = [], "", None, None
    item: list[str] = []  # the item being read, line by line
    start = Item(0, 0, False, True)  # where it starts
    previous_blank = True
    for number, line in [*lines, (0, "")]:
        stripped = line.strip()
        heading = re.match(r"^(#{2,6})\s+(.*?)\s*:?\s*$", stripped)
        bullet = re.match(r"^(?:[+\-*]|\d{1,2}[.)])(?:\s+|$)(.*)$", stripped)
        continues = item and stripped and not heading and not bullet
        continues = continues and (
            _unclosed_link(" ".join(item)) or (not previous_blank and not stripped[0].isupper())
        )
        if current is not None and item and not continues:
            start.text = " ".join(item)
            _place_item(post, group, start)
            item = []
        if group is not None and (heading or not number):
            _topic_heading(post, group)
            group = None
        blank_before, previous_blank = previous_blank, not stripped
        if heading:
            text = _plain(without_link_texts(heading.group(2)))
            lowered = text.lower().rstrip(": ")
            if "reading" in lowered or text.endswith(":") or re.match(r"^(even )?more\b", lowered):
                section, current = text.rstrip(": "), None
                continue
            title, authors, venue, year = split_citation(text.strip(" -+*\u2013"))
            current = Reading(
                line=number, section=section, title=title, authors=authors, venue=venue, year=year
            )
            current.links = _links(heading.group(2))
            post.readings.append(current)
            group = Group(paper=current)
        elif current is not None and stripped:
            if not item:
                indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
                start = Item(number, indent, bool(bullet), blank_before)
            item.append(bullet.group(1) if bullet else stripped)
        elif current is None and number:
            leftover.append((number, line))
    return leftover


def _place_item(post: Post, group: Group, item: Item) -> None:
    """An item goes to the paper above, to the bullet it is indented under, or is a reading of its own."""
    labels = [label.strip() for label, url in LINK.findall(item.text) if url]
    bare = bare_urls(LINK.sub("", item.text))
    rest = _plain(BARE_URL.sub("", LINK.sub("", item.text))).strip(" :+-\u2013")
    where = placement(group, item, rest, labels, bare)
    if where == LAST:
        _read_item(group.readings[-1], item.text)
    elif where == OWN:
        own = Reading(line=item.line, section=group.paper.section, links=_links(item.text))
        named = (
            rest
            if rest and not only_link_words(rest)
            else next((label for label in labels if not link_text(label)), "")
        )
        if named:
            own.title, own.authors, own.venue, own.year = split_citation(named)
        else:
            own.title = url_title(bare[0] if bare else own.links[0].url)
        post.readings.append(own)
        group.add(own, item.indent, links_only=not named)
    else:
        group.items += 1
        _read_item(group.paper, item.text)


def _topic_heading(post: Post, group: Group) -> None:
    """A heading whose bullets all became readings of their own names their topic, not a paper."""
    paper = group.paper
    if group.readings and not (paper.links or paper.abstract or paper.authors or paper.slides):
        post.readings.remove(paper)
        for reading in group.readings:
            reading.label = reading.label or paper.title


def _unclosed_link(text: str) -> bool:
    return text.count("[") > text.count("]") or text.count("](") > text.count(")")


def _read_item(reading: Reading, item: str) -> None:
    """One item under a paper heading: its links, then authors or abstract from the text."""
    links = _links(item)
    rest = _plain(BARE_URL.sub("", LINK.sub("", item))).strip(" :+")
    if rest and only_link_words(rest) and len(links) == 1 and not LINK.search(item):
        links[0].label = rest  # "Paper: https://…", "code: https://…": the text shown with it
    reading.links.extend(links)
    if not rest or rest.lower() in NOT_A_NAME:  # "Paper: https://…" is only a link
        return
    authors, _, abstract = rest.partition(" / ") if " / " in rest[:400] else ("", "", rest)
    if not authors and _looks_like_authors(rest) and not reading.authors:
        reading.authors = rest
        return
    reading.authors = reading.authors or (authors if _looks_like_authors(authors) else "")
    if authors and not _looks_like_authors(authors):
        abstract = rest
    reading.abstract = (reading.abstract + "\n\n" + abstract).strip()


def _looks_like_authors(text: str) -> bool:
    """ "Lili Chen, Kevin Lu, Aravind Rajeswaran": short, comma-separated, mostly capitalised words."""
    words = text.replace(",", " ").split()
    if not words or len(text) > 400 or text.rstrip().endswith(".") or "," not in text:
        return False
    return sum(word[0].isupper() for word in words) / len(words) >= 0.6


def _title_score(title: str, note: str) -> float:
    """The share of the title's words found at the start of a footnote."""
    words = {w for w in normalise_title(title).split() if len(w) > 2}
    start = set(normalise_title(note).split()[:60])
    return len(words & start) / len(words) if words else 0.0


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
        if match is None and by_title:  # the title reworded a little ("NIPS16" vs "NeurIPS 2016")
            score, best = max(
                ((_title_score(r.title, text), r) for _, r in by_title), key=lambda pair: pair[0]
            )
            match = best if score >= 0.7 else None
        if match is None:
            match = next((r for r in post.readings if key in r.footnotes), None)
            # A footnote that opens by naming a paper ("Title / authors / ...") goes by its number only
            # if that name fits the citing row: numbers in these posts are often off by one.
            head = re.split(r"\s*/\s+", text, maxsplit=1)[0]
            if match and len(head) < min(150, len(text)) and _title_score(match.title, head) < 0.5:
                match = None
            if match is None:
                unmatched.append((key, text))
                post.problems.append(f"footnote [^{key}] matches no paper; kept in the week's notes")
                continue
            post.problems.append(f"footnote [^{key}] matched by its number only")
        _read_footnote(match, _strip_title(text, match.title))
    return unmatched


def _read_footnote(reading: Reading, text: str) -> None:
    """A footnote's venue, year and authors fill the reading's empty ones; a review goes to its notes."""
    parts = footnote_split(text, reading.title)
    reading.venue = reading.venue or parts.venue
    reading.year = reading.year or parts.year
    reading.authors = reading.authors or parts.authors
    known = {link.url for link in reading.links}
    # An address among the heads has no link text: its host is its label.
    reading.links.extend(
        Link(url=url, label=url.split("/")[2].removeprefix("www."))
        for url in dict.fromkeys(parts.urls)
        if url not in known
    )
    reading.abstract = (reading.abstract + "\n\n" + parts.abstract).strip()
    reading.notes = (reading.notes + "\n\n" + parts.note).strip()


def _strip_title(text: str, title: str) -> str:
    """The footnote without the paper's title at its start."""
    words = len(title.split())
    head = " ".join(text.split()[:words])
    rest = text[len(head) :] if normalise_title(head) == normalise_title(title) else text
    return rest.strip(" ,:/")
