"""Links as the old post wrote them: each address byte for byte, the text shown beside it as its label.

A post writes a link as `[text](address)` or as a bare address. The text is kept as the link's label
whatever kind is guessed (`NIST`, `DLSSpdf`, `video`); a bare address shows only itself, so when its
kind says nothing ("Other") its host is the label. Words such as `video + slide` name links, not
papers: `link_text` tells them apart from titles, so that they never leak into a title.
"""

import re

# [text](url) and [text](url "title"); one level of brackets in the text, of parentheses in the url.
LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*((?:[^()\s]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\s*\)")
# A bare address ends at a space or at what closes the markup around it; its own balanced
# parentheses stay ("…/wiki/Graph_(mathematics)"), punctuation ending a sentence does not.
BARE_URL = re.compile(r"(?<![(\[\w/])https?://(?:[^\s()<>|\[\]]|\([^\s()<>|\[\]]*\))+")
TRAILING_PUNCTUATION = ".,;:!?*'\""
# Words that name a link rather than a work: `[PDF](…)`, `code: [github](…)`, `[slideRaw](…)`.
LINK_WORDS = {
    "pdf", "pdfs", "video", "videos", "slide", "slides", "ppt", "pptx", "deck", "url", "link", "links",
    "code", "github", "gitlab", "repo", "repository", "blog", "blogpost", "post", "talk", "html",
    "paper", "arxiv", "openreview", "abstract", "website", "web", "site", "homepage", "page", "project",
    "demo", "data", "dataset", "poster", "notes", "note", "lecture", "here", "more", "related",
    "youtube", "raw", "full", "official", "implementation", "source", "bibtex", "supplementary",
}  # fmt: skip
# Small words that may sit beside them: "the paper's code", "blog by the authors", "see also".
FILLER = {
    "the",
    "a",
    "an",
    "by",
    "of",
    "our",
    "its",
    "this",
    "and",
    "see",
    "also",
    "authors",
    "s",
    "on",
    "at",
}
# "DLSSpdf", "RLSS17.pdf", "ICML-video": an event's short name glued to a link word.
GLUED = re.compile(r"[A-Z0-9]{2,}[\-_.]?(?i:pdf|videos?|slides?|pptx?|code)")


def bare_urls(text: str) -> list[str]:
    """The bare addresses of a text, each exactly as written (less the punctuation ending a sentence)."""
    return [_trimmed(match.group(0)) for match in BARE_URL.finditer(text)]


def without_bare_urls(text: str) -> str:
    return BARE_URL.sub(lambda match: match.group(0)[len(_trimmed(match.group(0))) :], text)


def _trimmed(url: str) -> str:
    while url and (url[-1] in TRAILING_PUNCTUATION or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def link_kind(url: str, label: str) -> str:
    """pdf, abstract, code, video, blog or other: from the address, then the label's words."""
    if label == host_of(url):
        label = ""  # a bare address's host says nothing of its kind ("llm-vulnerability.github.io")
    url, words = url.lower(), set(words_of(label))
    if "github.com" in url or "gitlab" in url or words & {"code", "github", "gitlab", "repo"}:
        return "code"
    if any(host in url for host in ("youtube.", "youtu.be", "videolectures", "vimeo.")) or words & {
        "video",
        "videos",
    }:
        return "video"
    if "arxiv.org/abs" in url or "openreview.net/forum" in url:
        return "abstract"
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    if path.endswith(".pdf") or "/pdf/" in url or "/pdf?" in url or "pdf" in label.lower():
        return "pdf"
    if "blog" in url or "blog" in label.lower():
        return "blog"
    return "other"


def bare_label(url: str) -> str:
    """The label of a bare address: its host ("nist.gov") when its kind says nothing, else none."""
    if link_kind(url, "") != "other":
        return ""  # "PDF", "Code": the kind names it better than "arxiv.org" would
    return host_of(url)


def host_of(url: str) -> str:
    host = url.split("/")[2] if url.count("/") >= 2 else url
    return host.split("@")[-1].removeprefix("www.")


def without_link_texts(text: str) -> str:
    """The text less the links that only name links, and the "+" or "/" between them.

    "Title [video](…) + [slide](…)" -> "Title"; "[Title](…) + [code](…)" -> "[Title](…)".
    """
    marked = LINK.sub(lambda match: "\x00" if link_text(match.group(1)) else match.group(0), text)
    if "\x00" not in marked:
        return text
    joiner = r"(?:[\s+/|,&:\-]|\[\^[^\]]*\])*"  # "+", "/", ":" or a footnote mark around the links
    marked = re.sub(rf"{joiner}\x00(?:{joiner}\x00)*[\s+/|,&]*", " ", marked)
    return marked.strip()


def words_of(text: str) -> list[str]:
    """Lower-case words of a label: split at spaces, punctuation, digits and camelCase ("slideRaw")."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    return [word.lower() for word in re.split(r"[^A-Za-z]+", spaced) if word]


def link_text(label: str) -> bool:
    """The text of a link that names the link, not a work: "PDF", "video + slide", "slideRaw", "DLSSpdf"."""
    label = label.strip()
    words = words_of(label)
    if not words:
        return bool(label)  # "[1](…)", "[→](…)"
    if all(word in LINK_WORDS or word in FILLER for word in words) and any(w in LINK_WORDS for w in words):
        return True
    return " " not in label and bool(GLUED.fullmatch(label))


def only_link_words(text: str) -> bool:
    """ "code:", "Paper", "Related", "blog by the authors": text that only says what kind of link follows."""
    words = words_of(text)
    return all(word in LINK_WORDS or word in FILLER for word in words)
