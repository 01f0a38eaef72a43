"""Markdown that instructors write, turned into safe HTML once, when a row is saved.

Math in `$...$` and `$$...$$` becomes MathML on the server, so pages need no JavaScript or CDN.
"""

import functools
import hashlib
import html
import re
import threading

import markdown
import nh3
from django.core.exceptions import ValidationError
from latex2mathml.converter import convert as latex_to_mathml

EXTENSIONS = ["tables", "footnotes", "fenced_code", "toc", "sane_lists"]
# Author headings start at h2: the page's own title is the only h1.
EXTENSION_CONFIGS = {"toc": {"baselevel": 2, "permalink": False}}

# Code is left alone; only the text between code spans and blocks may hold math.
CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]+`)", re.DOTALL)
# $$display$$, or $inline$ that hugs its content ("costs $5 and $6" is not math).
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])", re.DOTALL)
PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")  # private-use characters that markdown leaves alone
TAG = re.compile(r"(<[^>]*>)")
# An `<a name="…">` anchor loses its name to the sanitiser; an `<a>` with no href is not a link.
ANCHOR_WITHOUT_HREF = re.compile(r"<a(?![^>]*\shref=)[^>]*>(.*?)</a>", re.DOTALL)
PIXELS = re.compile(r"\d{1,5}")
LOCAL_LINK = re.compile(r'href="#')
# Python-Markdown parses nested lists and quotes recursively: a few hundred levels exhaust Python's
# stack. Nobody writes 30 levels; deeper text is refused on write and shown as plain text if stored.
MAX_NESTING = 30
LINE_PREFIX = re.compile(r"^[ \t>]*", re.MULTILINE)

MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac",
    "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
    "mphantom", "menclose", "semantics", "annotation",
}  # fmt: skip
MATHML_ATTRIBUTES = {"display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
                     "columnalign", "rowalign", "columnspacing", "rowspacing", "linethickness", "accent",
                     "accentunder", "movablelimits", "notation", "width", "height", "depth", "encoding"}  # fmt: skip

# Tags and presentational attributes that HTML5 made obsolete (`<center>`, `<img align>`) are dropped,
# their text kept, so that pages holding old sites' HTML still validate. Image maps need names we drop.
OBSOLETE_TAGS = {"acronym", "center", "strike", "tt", "rtc", "map", "area"}
ALLOWED_TAGS = (nh3.ALLOWED_TAGS - OBSOLETE_TAGS) | {"tfoot"} | MATHML_TAGS
OBSOLETE_ATTRIBUTES = {"align", "char", "charoff", "summary", "size"}
ALLOWED_ATTRIBUTES = {
    **{
        tag: allowed - OBSOLETE_ATTRIBUTES - ({"width"} if tag == "hr" else set())
        for tag, allowed in nh3.ALLOWED_ATTRIBUTES.items()
    },
    **{tag: MATHML_ATTRIBUTES for tag in MATHML_TAGS},
    # Footnote and table-of-contents anchors.
    "a": {"href", "hreflang", "title"},
    "sup": {"id"},
    "li": {"id"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}  # classes are allowed per tag below (ammonia refuses "class" in both lists)
ALLOWED_CLASSES = {
    "a": {"footnote-ref", "footnote-backref"},
    "div": {"footnote", "toc"},
    "code": {f"language-{name}" for name in ("python", "bash", "sh", "text", "json", "latex", "math")},
}


_local = threading.local()


def _markdown(text: str) -> str:
    """One converter per thread, reset between texts: building one costs more than most conversions."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(
            extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
        )
    return converter.reset().convert(text)


def _formula(latex: str, *, display: str) -> str:
    try:
        return latex_to_mathml(latex.strip(), display=display)
    except Exception:  # latex2mathml raises many kinds; any unparsable formula shows as source
        return f"<code>{html.escape(latex)}</code>"


def nesting_depth(text: str) -> int:
    """How deeply the text's lines nest lists, quotes and indented blocks (4 columns or a `>` a level)."""
    deepest = 0
    for match in LINE_PREFIX.finditer(text or ""):
        prefix = match.group(0)
        columns = len(prefix.replace(">", "").expandtabs(4))
        deepest = max(deepest, columns // 4 + prefix.count(">"))
    return deepest


def validate_markdown(text: str) -> None:
    """Refuse markdown that nests too deeply for the renderer (the admin and the API both use this)."""
    if (depth := nesting_depth(text)) > MAX_NESTING:
        raise ValidationError(
            f"Lists, quotes or indented blocks nest {depth} levels deep here; at most {MAX_NESTING} are allowed.",
            code="markdown_too_deep",
        )


def _plain(text: str) -> str:
    """Text the renderer cannot take (stored by an import), shown as it was written."""
    return f"<pre>{html.escape(text.strip())}</pre>"


@functools.lru_cache(maxsize=2048)  # a pure function of the text; imports save the same text often
def render_markdown(text: str) -> str:
    """Markdown (tables, footnotes, fenced code, headings, math) to sanitised HTML.

    Ids (headings, footnotes) get a prefix made from the text, so that several rendered blocks
    on one page (a week's abstracts) never share an id, nor take one of the page's own.
    """
    text = (text or "").replace("\ue000", "").replace("\ue001", "")
    if not text.strip():
        return ""
    if nesting_depth(text) > MAX_NESTING:
        return _plain(text)
    try:
        return _render(text)
    except RecursionError:  # no known text below MAX_NESTING gets here; a save must never fail for it
        _local.converter = None  # a converter stopped half way may hold that text's state
        return _plain(text)


def _render(text: str) -> str:
    formulas: list[tuple[str, str]] = []

    def stash(match: re.Match) -> str:
        block, inline = match.groups()
        source = block if block is not None else inline
        formulas.append((match.group(0), _formula(source, display="block" if block else "inline")))
        return f"\ue000{len(formulas) - 1}\ue001"

    pieces = CODE.split(text)
    text = "".join(piece if index % 2 else MATH.sub(stash, piece) for index, piece in enumerate(pieces))
    rendered = _markdown(text)
    rendered = "".join(_put_back(piece, formulas) for piece in TAG.split(rendered))
    prefix = "md-" + hashlib.blake2s(text.encode(), digest_size=3).hexdigest() + "-"
    rendered = LOCAL_LINK.sub(f'href="#{prefix}', rendered)
    cleaned = nh3.clean(
        rendered.strip(),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_valid_attribute,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        id_prefix=prefix,
    ).strip()
    return ANCHOR_WITHOUT_HREF.sub(r"\1", cleaned)


def _valid_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop values HTML does not allow: an image's width or height is a number of pixels ("80%" is not).

    A space in an address is written %20, as a browser would send it (the stored text keeps it).
    """
    if tag == "img" and attribute in ("width", "height") and not PIXELS.fullmatch(value.strip()):
        return None
    if attribute in ("href", "src"):
        return value.strip().replace(" ", "%20")
    return value


def _put_back(piece: str, formulas: list[tuple[str, str]]) -> str:
    """MathML where a formula stood in text; inside a tag (a link target) the escaped source."""
    in_tag = piece.startswith("<")
    return PLACEHOLDER.sub(
        lambda match: (
            html.escape(formulas[int(match.group(1))][0]) if in_tag else formulas[int(match.group(1))][1]
        ),
        piece,
    )
