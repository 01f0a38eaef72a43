"""The schedule embedded in another site's page, in Chromium: embed.js, the iframe, and JSON-LD."""

import datetime
import http.server
import json
import threading

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_security_headers import RECORD_VIOLATIONS
from tests.factories import (
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.e2e

TITLE = 'Adversarial <img src=x onerror="window.injected=1"> titles'


@pytest.fixture
def term(site):
    today = timezone.localdate()
    term = TermFactory(
        slug="embedded", name="Reading group", start_date=today, end_date=today + datetime.timedelta(days=90)
    )
    WeekFactory(term=term, date=today - datetime.timedelta(days=7), title="Already past")
    week = WeekFactory(term=term, date=today + datetime.timedelta(days=7), title=TITLE, place="Room 2.14")
    PresentationPresenterFactory(
        presentation=PresentationFactory(week=week), presenter=PresenterFactory(name="Ada Lovelace")
    )
    WeekFactory(term=term, date=today + datetime.timedelta(days=14), title="Second session")
    return term


@pytest.fixture
def lab_page(browser):
    """A page that records CSP violations and every console error or failed request."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("requestfailed", lambda request: page.errors.append(f"failed: {request.url}"))
    yield page
    context.close()


@pytest.fixture
def lab():
    """Another site, on another origin than the live server's (127.0.0.1 and its own port, where the
    live server is localhost): it serves one page, `lab.body`. Both are loopback addresses, as
    Chromium requires of a page that asks a loopback server (Private Network Access)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            page = f"<!doctype html><html lang=en><title>Lab</title><h1>Our lab</h1>{server.body}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.body = ""
    server.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_embed_script_lists_upcoming_sessions_on_another_site(site, term, lab, lab_page):
    lab.body = (
        '<div id="talks"></div>'
        f'<script src="{site}/embed.js" data-term="embedded" data-target="#talks" async></script>'
    )

    lab_page.goto(f"{lab.url}/people.html")

    sessions = lab_page.locator("#talks .syllabus-embed-session")
    expect(sessions).to_have_count(2)
    expect(lab_page.locator("#talks .syllabus-embed-term")).to_have_text("Reading group")
    expect(sessions.first.locator(".syllabus-embed-title")).to_have_text(TITLE)  # as text: no <img> made
    expect(sessions.first.locator(".syllabus-embed-presenters")).to_have_text("Ada Lovelace")
    expect(sessions.first.locator(".syllabus-embed-place")).to_have_text("Room 2.14")
    assert (
        sessions.first.locator(".syllabus-embed-title")
        .get_attribute("href")
        .startswith(site + "/terms/embedded/")
    )
    assert lab_page.locator("#talks img, #talks [style]").count() == 0
    assert lab_page.evaluate("window.injected") is None
    assert lab_page.evaluate("document.cookie") == ""
    lab_page.wait_for_load_state("networkidle")
    assert lab_page.errors == []


def test_embed_script_says_so_when_the_term_is_unknown(site, lab, lab_page):
    lab.body = f'<script src="{site}/embed.js" data-term="no-such-term" async></script>'

    lab_page.goto(f"{lab.url}/")

    expect(lab_page.locator(".syllabus-embed-error")).to_have_text(
        "The seminar's schedule could not be loaded."
    )
    assert [error for error in lab_page.errors if "404" not in error] == []  # the browser logs the 404 itself


def test_embed_page_shows_in_another_sites_frame_under_its_own_policy(site, term, lab, lab_page):
    lab.body = f'<iframe src="{site}/embed/embedded/" title="Talks" width="600" height="400"></iframe>'

    lab_page.goto(f"{lab.url}/")

    frame = lab_page.frame_locator("iframe")
    expect(frame.locator(".syllabus-embed-session")).to_have_count(2)
    expect(frame.locator(".syllabus-embed-title").first).to_have_text(TITLE)
    inner = lab_page.frames[1]
    inner.wait_for_load_state("networkidle")
    assert inner.evaluate("window.__cspViolations") == []
    assert lab_page.errors == []


def test_week_page_json_ld_is_read_by_the_browser_without_policy_violations(site, lab_page):
    lab_page.goto(site + "/terms/fall-2026/attention-and-pre-training/")

    blocks = lab_page.locator('script[type="application/ld+json"]').all_text_contents()
    lab_page.wait_for_load_state("networkidle")

    (event,) = [json.loads(block) for block in blocks]
    assert (event["@type"], event["name"]) == ("Event", "Attention and pre-training")
    assert "Attention Is All You Need" in [paper["name"] for paper in event["workFeatured"]]
    assert lab_page.evaluate("window.__cspViolations") == []
    assert lab_page.errors == []
