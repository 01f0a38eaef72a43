"""HEAD is answered as GET is, on every address: link checkers and uptime monitors ask with it.

Every named URL pattern is walked (a new one fails `test_every_url_pattern_is_walked` until it is
listed here): the same status and Content-Type as GET, and no body. POST-only views refuse both
alike (405). The test client drops a HEAD body itself, as servers do, so the last test asks a real
server over a socket whether a body follows the headers.
"""

import contextlib
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.factories import SignupFactory, SlideDeckFactory, pdf_file
from tests.seminar import Seminar

pytestmark = pytest.mark.django_db


def _address(name: str, args_of: Callable, *more: str) -> Callable:
    return lambda s: reverse(name, args=[*args_of(s), *more])


def _api(name: str, detail=None):
    return lambda s: reverse(f"api:{name}", args=[detail(s)] if detail else [])


# URL name -> its address on a small seminar (`s`, with `s.file_deck` and `s.private_deck`).
ADDRESSES = {
    "healthz": lambda s: reverse("healthz"),
    "syllabus:home": lambda s: reverse("syllabus:home"),
    "syllabus:terms": lambda s: reverse("syllabus:terms"),
    "syllabus:term": lambda s: s.term.get_absolute_url(),
    "syllabus:term_calendar": lambda s: reverse("syllabus:term_calendar", args=[s.term.slug]),
    "syllabus:embed": lambda s: reverse("syllabus:embed", args=[s.term.slug]),
    "syllabus:embed_json": lambda s: reverse("syllabus:embed_json", args=[s.term.slug]),
    "syllabus:embed_js": lambda s: reverse("syllabus:embed_js"),
    "syllabus:favicon": lambda s: reverse("syllabus:favicon"),
    "syllabus:week": lambda s: s.week.get_absolute_url(),
    "syllabus:week_slides_zip": lambda s: reverse(
        "syllabus:week_slides_zip", args=[s.term.slug, s.week.slug]
    ),
    "syllabus:categories": lambda s: reverse("syllabus:categories"),
    "syllabus:category": lambda s: s.category.get_absolute_url(),
    "syllabus:tags": lambda s: reverse("syllabus:tags"),
    "syllabus:tag": lambda s: s.tag.get_absolute_url(),
    "syllabus:year": lambda s: reverse("syllabus:year", args=[s.week.date.year]),
    "syllabus:search": lambda s: reverse("syllabus:search") + "?q=study",
    "syllabus:search_reading_list": lambda s: (
        reverse("syllabus:search_reading_list", args=["bib"]) + "?q=study"
    ),
    "syllabus:feed": lambda s: reverse("syllabus:feed"),
    "syllabus:robots": lambda s: reverse("syllabus:robots"),
    "syllabus:sitemap": lambda s: reverse("syllabus:sitemap"),
    "syllabus:sitemap_section": lambda s: reverse("syllabus:sitemap_section", args=["weeks"]),
    "syllabus:private_file": lambda s: s.private_deck.file.url,
    "media": lambda s: s.file_deck.file.url,
    "papers:list": lambda s: reverse("papers:list"),
    "papers:detail": lambda s: s.paper.get_absolute_url(),
    "presenters:list": lambda s: reverse("presenters:list"),
    "presenters:detail": lambda s: s.presenter.get_absolute_url(),
    "presenters:calendar": lambda s: reverse("presenters:calendar", args=[s.presenter.slug]),
    "signup:term": lambda s: reverse("signup:term", args=[s.term.slug]),
    # Forms: POST only, so GET and HEAD are both refused.
    **{
        f"signup:{name}": _address(f"signup:{name}", lambda s: [s.term.slug])
        for name in ("vote", "claim", "cancel", "preferences", "suggest")
    },
    # Account pages: anonymous visitors are sent to sign in (or see the sign-in form).
    "account:sign_in": lambda s: reverse("account:sign_in"),
    "account:sign_in_link": lambda s: reverse("account:sign_in_link") + "?token=not-a-token",
    "account:sign_out": lambda s: reverse("account:sign_out"),
    "account:my_sessions": lambda s: reverse("account:my_sessions"),
    "account:row": lambda s: reverse("account:row", args=[s.presentation.pk]),
    "account:profile": lambda s: reverse("account:profile"),
    "account:personal_calendar": lambda s: reverse("account:personal_calendar", args=["x" * 43]),
    "account:personal_calendar_reset": lambda s: reverse("account:personal_calendar_reset"),
    "admin": lambda s: reverse("admin:index"),
    # The API: lists, details, actions, its schema and docs.
    "api:schema": lambda s: reverse("api:schema"),
    "api:docs": lambda s: reverse("api:docs"),
    "api:api-root": lambda s: reverse("api:api-root"),
    "api:term-list": _api("term-list"),
    "api:term-detail": _api("term-detail", lambda s: s.term.pk),
    "api:week-list": _api("week-list"),
    "api:week-detail": _api("week-detail", lambda s: s.week.pk),
    "api:presentation-list": _api("presentation-list"),
    "api:presentation-detail": _api("presentation-detail", lambda s: s.presentation.pk),
    "api:paper-list": _api("paper-list"),
    "api:paper-detail": _api("paper-detail", lambda s: s.paper.pk),
    "api:paper-lookup": _api("paper-lookup"),
    "api:presenter-list": _api("presenter-list"),
    "api:presenter-detail": _api("presenter-detail", lambda s: s.presenter.pk),
    "api:slidedeck-list": _api("slidedeck-list"),
    "api:slidedeck-detail": _api("slidedeck-detail", lambda s: s.deck.pk),
    "api:slidedeck-file": _api("slidedeck-file", lambda s: s.deck.pk),
    "api:presenter-photo": _api("presenter-photo", lambda s: s.presenter.pk),
    "api:category-list": _api("category-list"),
    "api:category-detail": _api("category-detail", lambda s: s.category.pk),
    "api:tag-list": _api("tag-list"),
    "api:tag-detail": _api("tag-detail", lambda s: s.tag.pk),
    "api:signup-list": _api("signup-list"),
    "api:signup-detail": _api("signup-detail", lambda s: s.signup.pk),
    "api:signup-assignment-apply": _api("signup-assignment-apply", lambda s: s.signup.pk),
    "api:signup-assignment-propose": _api("signup-assignment-propose", lambda s: s.signup.pk),
    "api:signup-claims": _api("signup-claims", lambda s: s.signup.pk),
    "api:signup-preferences": _api("signup-preferences", lambda s: s.signup.pk),
    "api:signup-votes": _api("signup-votes", lambda s: s.signup.pk),
    "api:signup-claim-cancel": lambda s: reverse("api:signup-claim-cancel", args=[s.signup.pk, 1]),
    "api:term-copy": _api("term-copy", lambda s: s.term.pk),
    "api:term-generate-weeks": _api("term-generate-weeks", lambda s: s.term.pk),
    "api:week-order": _api("week-order", lambda s: s.week.pk),
    "api:term-reading-list": _api("term-reading-list", lambda s: s.term.pk),
    "api:week-reading-list": _api("week-reading-list", lambda s: s.week.pk),
    "api:tag-reading-list": _api("tag-reading-list", lambda s: s.tag.pk),
    "api:category-reading-list": _api("category-reading-list", lambda s: s.category.pk),
    "api:presenter-reading-list": _api("presenter-reading-list", lambda s: s.presenter.pk),
    "api:paper-reading-list": lambda s: reverse("api:paper-reading-list") + "?q=study",
    "api:week-list.json": lambda s: reverse("api:week-list", kwargs={"format": "json"}),
}
# Addresses agreed with the other parts of issue 15, walked once they exist.
LATER = {
    "syllabus:term_feed": lambda s: reverse("syllabus:term_feed", args=[s.term.slug]),
    "syllabus:tag_feed": lambda s: reverse("syllabus:tag_feed", args=[s.tag.slug]),
    "syllabus:week_calendar": lambda s: reverse("syllabus:week_calendar", args=[s.term.slug, s.week.slug]),
    "syllabus:tag_calendar": lambda s: reverse("syllabus:tag_calendar", args=[s.tag.slug]),
    "syllabus:category_calendar": lambda s: reverse("syllabus:category_calendar", args=[s.category.slug]),
    **{
        f"{name} {fmt}": _address(name, args, fmt)
        for name, args in {
            "syllabus:week_reading_list": lambda s: [s.term.slug, s.week.slug],
            "syllabus:term_reading_list": lambda s: [s.term.slug],
            "syllabus:tag_reading_list": lambda s: [s.tag.slug],
            "syllabus:category_reading_list": lambda s: [s.category.slug],
            "presenters:reading_list": lambda s: [s.presenter.slug],
        }.items()
        for fmt in ("bib", "csv", "ris")
    },
}


def url_names(patterns=None, namespace: str = "") -> set[str]:
    """Every URL name of the project, with its namespace; the admin's (Django's own) as "admin"."""
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            names |= {"admin"} if pattern.namespace == "admin" else url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


@pytest.fixture
def seminar(settings):
    seminar = Seminar.create()
    seminar.file_deck = SlideDeckFactory(week=seminar.week, file=pdf_file(), url="")
    seminar.private_deck = SlideDeckFactory(week=seminar.week, file=pdf_file(), url="", is_public=False)
    seminar.signup = SignupFactory(term=seminar.term)
    return seminar


def addresses(seminar) -> dict[str, str]:
    found = {name: address(seminar) for name, address in ADDRESSES.items()}
    for name, address in LATER.items():
        with contextlib.suppress(NoReverseMatch):  # not merged yet
            found[name] = address(seminar)
    return found


def test_every_url_pattern_is_walked():
    walked = {name.split(" ")[0].removesuffix(".json") for name in [*ADDRESSES, *LATER]}

    assert url_names() - walked == set()


def test_head_answers_like_get_on_every_address(client, seminar):
    answers = {}
    for name, url in addresses(seminar).items():
        get, head = client.get(url), client.head(url)
        body = b"".join(head.streaming_content) if head.streaming else head.content
        answers[name] = (head.status_code, head.get("Content-Type"), body)
        if get.streaming:  # read to the end, so that the test client closes the file it streams
            b"".join(get.streaming_content)
        assert answers[name] == (get.status_code, get.get("Content-Type"), b""), (name, url)

    # The pages the issue found refusing HEAD (405), and a few more, answer it in full.
    assert {name: answers[name][0] for name in ("syllabus:home", "syllabus:term", "papers:detail")} == {
        "syllabus:home": 200,
        "syllabus:term": 200,
        "papers:detail": 200,
    }
    assert answers["syllabus:term_calendar"][:2] == (200, "text/calendar; charset=utf-8")
    assert answers["syllabus:favicon"][:2] == (200, "image/vnd.microsoft.icon")


def test_head_answers_like_get_from_the_page_cache(client, seminar, settings):
    """A page kept whole for anonymous visitors is served to HEAD from the cache, without its body."""
    settings.PAGE_CACHE = True
    url = seminar.term.get_absolute_url()
    first = client.get(url)

    head = client.head(url)

    assert (head.status_code, head["Content-Type"], head["ETag"], head.content) == (
        200,
        first["Content-Type"],
        first["ETag"],
        b"",
    )


def raw_head(live_server_url: str, path: str) -> bytes:
    parts = urlsplit(live_server_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"HEAD {path} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.django_db(transaction=True)
def test_a_real_server_sends_no_body_after_the_headers_of_a_head_answer(live_server):
    seminar = Seminar.create()
    paths = [
        "/",
        seminar.term.get_absolute_url(),
        seminar.paper.get_absolute_url(),
        reverse("syllabus:term_calendar", args=[seminar.term.slug]),
        reverse("syllabus:favicon"),
        reverse("syllabus:embed_js"),
    ]

    answers = {path: raw_head(live_server.url, path).partition(b"\r\n\r\n") for path in paths}

    assert {path: (head.split(b"\r\n")[0], body) for path, (head, _, body) in answers.items()} == {
        path: (b"HTTP/1.1 200 OK", b"") for path in paths
    }
