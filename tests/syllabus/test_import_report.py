"""import_report: the issue-16 checks, on small posts that break each rule and one that breaks none."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from papers.models import Paper
from syllabus.importers.report import (
    abstract_prefix,
    address_problem,
    html_list_items,
    kramdown_list_items,
    numeric_topic,
    reviewer_note,
    source_markdown,
    title_link_words,
)
from syllabus.models import Week

MESSY = """\
---
title: Memorization
term: 2017Course
---
| Presenter | Papers | Paper URL | Our Slides |
| --- | --- | --- | --- |
| 1 | A Closer Look at Memorization in Deep Networks [^1] | [PDF](https://arxiv.org/pdf/1706.05394.pdf) + [](https://example.org/closer) | |
| Jack | Bayesian Views video + slide [^2] | [video](http://videolectures.net/precup/) | |

In this session, our readings cover:
+ memorization
+ capacity
  + nested capacity

![chart]({{site.baseurl}}/images/chart.png) and [a broken link](http:/example.org/x)

[^1]: A Closer Look at Memorization in Deep Networks, ICML17/ from etc Aaron Courville, Yoshua Bengio / We examine the role of memorization in deep learning, drawing connections to capacity.
[^2]: Jack Note: the Bayesian view of learning, seen from a reader of the lecture.
"""

CLEAN = """\
---
title: Generalization
term: 2017Course
---
| Presenter | Papers | Paper URL | Our Slides |
| --- | --- | --- | --- |
| Jack | Understanding Deep Learning Requires Rethinking Generalization [^1] | [PDF](https://arxiv.org/abs/1611.03530) | |

Readings:

- rethinking
- generalization

[^1]: Understanding Deep Learning Requires Rethinking Generalization / We show that deep networks fit random labels easily, which challenges usual explanations.
"""


@pytest.fixture
def imported(tmp_path) -> Path:
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_posts" / "2017-09-12-messy.md").write_text(MESSY)
    (site / "_posts" / "2017-09-14-clean.md").write_text(CLEAN)
    call_command("import_jekyll", str(site), stdout=io.StringIO())
    # The importer now reads these footnotes into their fields; papers imported before it still carry them.
    for start, abstract in [
        ("A Closer Look", "ICML17/ from etc Aaron Courville / We examine the role of memorization."),
        ("Bayesian", "Jack Note: the Bayesian view of learning, seen from a reader."),
    ]:
        Paper.objects.filter(title__startswith=start).update(abstract=abstract)
    # And its lists as written (the importer now rewrites them for the renderer).
    week = Week.objects.get(source_path="_posts/2017-09-12-messy.md")
    week.body = (
        "In this session, our readings cover:\n+ memorization\n+ capacity\n  + nested capacity\n\n"
        "![chart](/images/chart.png) and [a broken link](http:/example.org/x)"
    )
    week.save()
    return site


def run_report(*args: str) -> str:
    out = io.StringIO()
    call_command("import_report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_each_rule_lists_its_finding_under_the_post_and_a_clean_post_has_none(imported):
    data = json.loads(run_report(str(imported), "--json"))

    messy, clean = data["posts"]
    assert (messy["source"], clean["source"]) == ("_posts/2017-09-12-messy.md", "_posts/2017-09-14-clean.md")
    assert [(f["rule"], f["where"], f["detail"]) for f in messy["findings"]] == [
        ("broken image", "body", "/images/chart.png (no page or file at this path)"),
        ("broken link", "body", "http:/example.org/x (malformed web address)"),
        ("numeric topic", "row 1", "topic '1'"),
        ("abstract prefix", "row 1 abstract", "starts with 'ICML17'"),
        ("Other link without label", "row 1 link", "https://example.org/closer"),
        ("link words in title", "row 2 title", "'video + slide' in 'Bayesian Views video + slide'"),
        ("reviewer note as abstract", "row 2 abstract", "starts with 'Jack Note:'"),
        (
            "list items differ",
            "body",
            "3 list items as the old site read them, 0 on the page (3 in the whole post)",
        ),
    ]
    assert clean["findings"] == []
    assert data["totals"]["broken image"] == {"findings": 1, "posts": 1}


@pytest.mark.django_db
def test_the_command_prints_a_table_of_posts_with_findings_and_totals(imported):
    output = run_report()

    lines = output.splitlines()
    assert lines[0].startswith("2 imported posts checked. Rules: R1 abstract prefix, R2 reviewer note")
    assert lines[1].split() == ["post", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"]
    assert lines[2].split() == ["_posts/2017-09-12-messy.md", "1", "1", "1", "1", "1", "1", "1", "1"]
    assert "clean" not in output  # posts with nothing to see are left out of the table
    assert "  list items differ: 1 in 1 posts" in lines
    assert "    R4 body: /images/chart.png (no page or file at this path)" in run_report("-v", "2")
    assert "_posts/2017-09-14-clean.md" in run_report("--all")


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        (
            "ICML17/ from etc Aaron Courville, Yoshua Bengio / We examine the role of memorization here.",
            ["ICML17"],
        ),
        (
            "We study it.\n\nICLR 2018/ Expressive efficiency refers to a relation between two architectures.",
            ["ICLR 2018"],
        ),
        (
            "from etc Aaron Courville, Yoshua Bengio / We examine the role of memorization in deep learning.",
            ["from etc Aaron Courville, Yoshua Bengio"],
        ),
        (
            "Aaron Courville, Yoshua Bengio / We examine the role of memorization in deep learning today.",
            ["Aaron Courville, Yoshua Bengio"],
        ),
        ("We use input/output pairs to train. The model/Encoder learns a mapping of them all.", []),
        ("EU AI Act / GDPR", []),
        ("", []),
    ],
)
def test_abstract_prefixes_are_venue_and_author_heads_only(abstract, expected):
    assert abstract_prefix(abstract) == expected


def test_small_rules():
    assert [numeric_topic(label) for label in ("1", " 12. ", "T33", "Memory", "")] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert reviewer_note("Jack Note: the information plane view.") == "Jack Note:"
    assert reviewer_note("Note that we study notes.") == ""
    assert title_link_words("slideRaw + video+ slide") == ["slideRaw + video", "+ slide"]
    assert title_link_words("Survey of Graph Networks / PDF") == ["PDF"]
    assert title_link_words("Evaluating Large Language Models Trained on Code") == []
    assert title_link_words("DiffDock + ESMfold") == []


@pytest.mark.parametrize(
    ("markdown", "items"),
    [
        ("Our readings cover:\n+ one\n+ two\n  + nested\n1. numbered", 4),  # after a paragraph, nested
        ("- one\n\n  continued\n- two", 2),
        ("* * *\n---\ntext - not an item", 0),  # rules, and a dash inside a line
        ("```\n- code\n```\n\n    - indented code", 0),
        ("<ul>\n  <li> raw html</li>\n</ul>", 1),
        ("[^1]: - a footnote", 0),
        # kramdown reads no `1)` item, no item indented with no-break spaces, and after a blank line
        # takes a marker four spaces past an item's text for code.
        ("Aims:\n1) evaluate\n2) generate", 0),
        ("- a\n\n\u00a0 - \u00a0not an item", 1),
        ("- a\n\n      - code in the item", 1),
    ],
)
def test_list_items_are_counted_as_kramdown_reads_them(markdown, items):
    assert kramdown_list_items(markdown) == items


def test_rendered_list_items_leave_out_footnotes_and_the_table_of_contents():
    rendered = '<ul><li>a</li><li>b</li></ul><div class="footnote"><ol><li id="fn:1">x</li></ol></div>'
    toc = '<div class="toc"><ul><li><a href="#md-1-h">H</a></li></ul></div>'
    assert html_list_items(toc + rendered) == 2


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://arxiv.org/abs/1706.05394", ""),
        ("#md-abc-fn-1", ""),
        ("http:/example.org/x", "malformed web address"),
        ("{{ site.baseurl }}/x.png", "Liquid left in the address"),
        ("/Lectures/S0-L07/images/a.png", "no page or file at this path"),
        ("images/a.png", "no page or file at this path"),  # relative to the week's page
        ("/", ""),
        ("/media/imported/missing.png", "no such media file"),
        ("/static/css/nope.css", "no such static file"),
    ],
)
def test_addresses_resolve_to_pages_media_or_static_files_without_fetching(url, problem):
    assert address_problem(url, page_url="/terms/t/w/") == problem


def test_a_stored_media_file_resolves(settings):
    Path(settings.MEDIA_ROOT, "imported").mkdir(parents=True)
    Path(settings.MEDIA_ROOT, "imported", "chart.png").write_bytes(b"png")
    assert address_problem("/media/imported/chart.png", page_url="/") == ""


def test_source_files_are_read_without_their_front_matter_tables_or_footnotes(tmp_path):
    path = tmp_path / "2017-01-01-x.md"
    path.write_text(MESSY)
    assert kramdown_list_items(source_markdown(path)) == 3
