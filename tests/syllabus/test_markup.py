import pytest

from syllabus.markup import render_markdown
from tests.factories import PaperFactory, WeekFactory


def test_markdown_tables_footnotes_and_headings_render():
    html = render_markdown("# Intro\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nSee[^1].\n\n[^1]: A note.")

    prefix = html.split('id="')[1].split("intro")[0]
    assert prefix.startswith("md-")
    assert html.startswith(f'<h2 id="{prefix}intro">Intro</h2>')
    assert "<td>1</td>" in html
    assert f'<a class="footnote-ref" href="#{prefix}fn:1" rel="noopener noreferrer">1</a>' in html
    assert f'<li id="{prefix}fn:1">' in html


def test_two_blocks_on_one_page_never_share_ids():
    first, second = render_markdown("A[^1]\n\n[^1]: one"), render_markdown("B[^1]\n\n[^1]: two")

    def ids(html):
        return {part.split('"')[0] for part in html.split(' id="')[1:]}

    assert ids(first) and not ids(first) & ids(second)
    assert 'id="content"' not in render_markdown('<h2 id="content">Spoof</h2>\n\n## Content')


def test_math_in_a_link_target_stays_plain_text():
    html = render_markdown("![chart]($x$) and [link](https://example.org/$y$)")

    assert '<img alt="chart" src="$x$">' in html
    assert '<a href="https://example.org/$y$" rel="noopener noreferrer">link</a>' in html


def test_private_use_placeholders_in_the_text_are_harmless():
    assert render_markdown("odd \ue0007\ue001 text") == "<p>odd 7 text</p>"


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ('<p style="position:fixed">x</p>', "style="),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
    ],
)
def test_markdown_is_sanitised(source, forbidden):
    assert forbidden not in render_markdown(source)


def test_html_from_old_sites_is_made_valid_html5():
    """Old posts size images in percent, align them and mark headings with `<a name>` anchors."""
    html = render_markdown(
        '## Results<a name="results"></a>\n\n'
        '<img src="/a.png" width="80%" height="120" align="left" alt="Plot">\n\n'
        '<table align="center" summary="s"><tr><td align="left" char=".">1</td></tr></table>\n\n'
        '<a name="end">The end</a> and [a link](https://example.org/)\n\n'
        "<center>Centered</center> ![A chart](/files/my chart.png)"
    )

    assert ">Results</h3>" in html
    assert '<img src="/a.png" alt="Plot" height="120">' in html
    assert "<table><tbody><tr><td>1</td></tr></tbody></table>" in html
    assert '<p>The end and <a href="https://example.org/"' in html
    assert "Centered" in html and '<img alt="A chart" src="/files/my%20chart.png">' in html
    for obsolete in (
        "align=",
        "summary=",
        "char=",
        'width="80%"',
        "<a>",
        '<a rel="noopener noreferrer">',
        "<center>",
    ):
        assert obsolete not in html


def test_inline_and_display_math_become_mathml():
    html = render_markdown("Loss $x^2$ and\n\n$$\\frac{a}{b}$$")

    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><msup><mi>x</mi>' in html
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><mrow><mfrac>' in html


def test_prices_and_code_are_not_math():
    html = render_markdown("It costs $5 and $6.\n\n`$x$` stays code.")

    assert "<p>It costs $5 and $6.</p>" in html
    assert "<code>$x$</code>" in html


def test_broken_latex_is_shown_as_its_source():
    assert render_markdown("Bad $x^$ here") == "<p>Bad <code>x^</code> here</p>"


@pytest.mark.django_db
def test_markdown_is_rendered_once_when_a_row_is_saved():
    week = WeekFactory(body="**Bold** plan")
    paper = PaperFactory(abstract="<script>x</script>An *abstract*")

    assert week.body_html == "<p><strong>Bold</strong> plan</p>"
    assert paper.abstract_html == "<p>An <em>abstract</em></p>"
