"""Imported markdown shows the lists, order and table of contents the old site (kramdown) showed."""

import io
import re

import pytest
from django.core.management import call_command

from syllabus.importers.kramdown import kramdown_item_count, kramdown_normalise
from syllabus.markup import render_markdown
from syllabus.models import Week


def structure(html: str) -> str:
    """Only the list tags of rendered HTML, in order: "<ul><li><ol><li></li></ol></li></ul>"."""
    return "".join(re.findall(r"</?(?:ul|ol|li)\b", html)).replace("<", "").replace("/", "-")


def lists_of(markdown: str) -> str:
    return structure(render_markdown(kramdown_normalise(markdown)))


@pytest.mark.parametrize(
    ("markdown", "lists"),
    [
        # A list right after a paragraph line.
        ("In this session, our readings cover:\n- one\n- two", "ul li -li li -li -ul"),
        # `+` bullets, their sub-items indented two spaces.
        ("+ one\n  + one.a\n  + one.b\n+ two", "ul li ul li -li li -li -ul -li li -li -ul"),
        # A numbered list nested under a `+` item.
        ("+ steps\n  1. first\n  2. second\n+ next", "ul li ol li -li li -li -ol -li li -li -ul"),
        # The other kind right under an item, not indented: kramdown nests it in that item.
        ("- Three aspects:\n1. subject\n2. relation\n- next", "ul li ol li -li li -li -ol -li li -li -ul"),
        # After a blank line it is a list of its own.
        ("- bullet\n\n1. number", "ul li -li -ul ol li -li -ol"),
        # A paragraph of an item, then the next item.
        ("- one\n\n  more of one\n- two", "ul li -li li -li -ul"),
        # A marker alone on its line: the next line is the item's text.
        ("- one\n- \n**two**", "ul li -li li -li -ul"),
        # Not lists: code, `1)`, a rule, a no-break space before the marker.
        ("text\n\n    - code\n\n```\n- fenced\n```\n\n1) one\n\n* * *\n\n\u00a0- nbsp", ""),
    ],
)
def test_lists_render_as_kramdown_showed_them(markdown, lists):
    assert lists_of(markdown) == lists.replace(" ", "")
    assert kramdown_item_count(markdown) == lists.count("li") - lists.count("-li")


def test_text_without_lists_is_left_as_written():
    text = "| a | b |\n| - | - |\n| 1 | 2 |\n\n[^1]: a note\n\n<div>\n- html\n</div>\n\n## Heading"
    assert kramdown_normalise(text) == text


def test_normalising_twice_changes_nothing():
    text = "Intro:\n+ one\n  + one.a\n  1. first\n- Three:\n1. a\n2. b"
    once = kramdown_normalise(text)
    assert kramdown_normalise(once) == once


POST = """---
title: Model editing
desc: 2024-S17
term: 2024-seminarRead
toc: true
---
In this session, our readings cover:
+ editing
+ unlearning
  + machine unlearning
  1. first survey

| Presenter | Papers | Paper URL | Our Slides |
| --- | --- | --- | --- |
| Jack | Editing Large Language Models | [PDF](https://arxiv.org/abs/2305.13172) | |

## Outline
The presenters discussed three topics:
1. Editing
2. Tuning
- A bullet after the numbers
   1. nested under it

## Results
Plain text.
"""


@pytest.mark.django_db
def test_an_imported_week_shows_its_intro_above_the_readings_lists_and_table_of_contents(tmp_path, client):
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_posts" / "2024-03-26-L17.md").write_text(POST)
    call_command("import_jekyll", str(site), stdout=io.StringIO())
    week = Week.objects.get()

    page = client.get(week.get_absolute_url()).content.decode()

    intro = page.index('class="prose week-intro"')
    assert intro < page.index('class="readings"') < page.index('class="prose week-body"')
    assert week.intro.startswith("In this session, our readings cover:\n\n+ editing")
    # "1." right under "+ machine unlearning" is a list inside that item, as kramdown reads it.
    assert structure(week.intro_html) == "ul li -li li ul li ol li -li -ol -li -ul -li -ul".replace(" ", "")
    assert week.intro_html.startswith("<p>In this session, our readings cover:</p>\n<ul>\n<li>editing</li>")
    toc = re.search(r'<div class="toc">.*?</div>', week.body_html, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", toc) == ["Outline", "Results"]
    # The bullet right under "2. Tuning" is a list in that item, and "1." under the bullet one in it.
    assert structure(
        week.body_html.replace(toc, "")
    ) == "ol li -li li ul li ol li -li -ol -li -ul -li -ol".replace(" ", "")
    assert "Plain text." in week.body_html
    # Unchanged on a second import.
    call_command("import_jekyll", str(site), stdout=io.StringIO())
    assert Week.objects.get().history.count() == week.history.count()
