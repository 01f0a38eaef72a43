"""Where a Jekyll site put its posts: their permalinks, from the site's style or their own front matter."""

import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import yaml

# libyaml's loader when PyYAML was built with it; values stay text.
BASE_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
# Jekyll's named permalink styles.
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
POST_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.*)\.(?:md|markdown|html)$")
PLACEHOLDER = re.compile(r":(categories|year|short_year|month|i_month|day|i_day|y_day|title|slug|output_ext)")


def front_matter(path: Path) -> dict:
    """A post's front matter as text values ({} when it has none or cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    try:
        meta = yaml.load(text[3:end] if end > 0 else "", Loader=BASE_LOADER)
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


def post_permalink(source: str, meta: dict, style: str) -> str:
    """The site path Jekyll gave a post: its own `permalink:`, else the site's style filled in.

    `source` is the post's path in the site ("_posts/2017-09-12-x.md", "2017/_posts/…").
    """
    name = PurePosixPath(source).name
    dated = POST_NAME.match(name)
    pattern = str(meta.get("permalink") or PERMALINK_STYLES.get(style, style) or PERMALINK_STYLES["date"])
    categories = meta.get("categories", meta.get("category")) or []
    categories = categories if isinstance(categories, list) else str(categories).split()
    folders = [part for part in PurePosixPath(source).parent.parts if part != "_posts"]
    year, month, day = (dated.group(1), dated.group(2), dated.group(3)) if dated else ("", "", "")
    if date := re.match(r"(\d{4})-(\d{2})-(\d{2})", str(meta.get("date") or "")):
        year, month, day = date.groups()
    slug = str(meta.get("slug") or (dated.group(4) if dated else PurePosixPath(name).stem))
    values = {
        "categories": "/".join(str(c).lower() for c in [*folders, *categories] if str(c).strip()),
        "year": year,
        "short_year": year[2:],
        "month": month,
        "i_month": month.lstrip("0"),
        "day": day,
        "i_day": day.lstrip("0"),
        "y_day": "",
        "title": re.sub(r"[^\w.~!$&'()+,;=@\-]+", "-", slug).strip("-"),
        "slug": re.sub(r"[^\w.\-]+", "-", slug.lower()).strip("-"),
        "output_ext": ".html",
    }
    path = PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)
    return "/" + re.sub(r"/{2,}", "/", path).lstrip("/")


def path_key(path: str) -> str:
    """A site path compared as the old server did: "/a/b/", "/a/b", "/a/b/index.html", "/a/b.html" alike."""
    path = unquote(path).lower()
    path = re.sub(r"(/index)?\.html?$", "", path)
    return path.rstrip("/") or "/"
