"""Which reading a bullet or link of an old post belongs to, and what its links are called (issue 16)."""

import pytest

from papers.models import Paper
from syllabus.importers.jekyll import resolve_liquid
from syllabus.importers.links import bare_urls, link_text, without_link_texts
from syllabus.models import Week
from tests.syllabus.test_import_jekyll import post, run_import, write_site

pytestmark = pytest.mark.django_db

LABELLED_TABLE = """
| Type | Papers | Paper URL |
|---|---|---|
| DLSS17 | On the Expressive Efficiency of Overlapping Architectures | [DLSSpdf](https://drive.example.com/file/d/0B6N/view?usp=drive_web) + [video](http://videolectures.example/sharir/) |
| Risk | AI Risk Management Framework | [NIST](https://www.nist.gov/itl/ai-risk-management-framework) |
| DLSS17 | Doina Precup - Bayesian Views (56:50m to 1:04:45 slides) [video](http://videolectures.example/precup/) + [slide](http://videolectures.example/precup_01.pdf)|
| Talk | [Nuts and Bolts](https://example.org/talks/(2016)/nuts%20bolts/?a=1&b=2#t=30s) + [video](https://youtu.be/F1ka) + [slide](https://example.org/nuts.pdf) |
| Talk | [slideRaw](https://example.org/raw.pdf) + [video](https://vimeo.com/1)+ [slide](https://example.org/s.pdf) |
"""

HEADINGS = """
## Required Readings:

### Scaling Laws for Neural Language Models
+ Jared Kaplan, Sam McCandlish, Tom Henighan
+ We study empirical scaling laws for language model performance on the cross-entropy loss.
- code: [github](https://github.com/openai/scaling-laws)
- [PDF](https://arxiv.org/pdf/2001.08361.pdf)

+ https://github.com/RUCAIBox/LLMSurvey

### Harnessing the Power of LLMs in Practice: A Survey on ChatGPT and Beyond
+ https://arxiv.org/abs/2304.13712

+ https://github.com/Mooler0410/LLMsPracticalGuide

## More Readings:

### Generative AI and ChatGPT: Applications, challenges, and AI-human collaboration
  + https://www.tandfonline.com/doi/full/10.1080/15228053.2023.2233814

+ https://huggingface.co/blog?tag=ethics
  + https://huggingface.co/blog/ethics-diffusers
  + https://huggingface.co/blog/model-cards

### NIST AI Risk Management Framework
  + https://www.nist.gov/itl/ai-risk-management-framework
  + https://airc.nist.gov/AI_RMF_Knowledge_Base/Playbook

### KV Caching in LLM
+ grouped query attention: https://arxiv.org/pdf/2305.13245.pdf
+ Paged attention https://arxiv.org/pdf/2309.06180.pdf
"""


def week_rows(week: Week) -> list[tuple]:
    return [
        (row.section, row.label, row.paper.title if row.paper else "") for row in week.presentations.all()
    ]


def paper_links(title: str) -> list[tuple[str, str, str]]:
    return [(link.kind, link.label, link.url) for link in Paper.objects.get(title=title).links.all()]


def test_import_keeps_link_texts_as_labels_and_addresses_byte_for_byte(tmp_path, client):
    site = write_site(tmp_path / "site", {"2017-09-12-.md": post(LABELLED_TABLE)})

    run_import(site)

    assert paper_links("On the Expressive Efficiency of Overlapping Architectures") == [
        ("pdf", "DLSSpdf", "https://drive.example.com/file/d/0B6N/view?usp=drive_web"),
        ("video", "video", "http://videolectures.example/sharir/"),
    ]
    assert paper_links("AI Risk Management Framework") == [
        ("other", "NIST", "https://www.nist.gov/itl/ai-risk-management-framework")
    ]
    assert paper_links("Nuts and Bolts") == [
        ("other", "Nuts and Bolts", "https://example.org/talks/(2016)/nuts%20bolts/?a=1&b=2#t=30s"),
        ("video", "video", "https://youtu.be/F1ka"),
        ("pdf", "slide", "https://example.org/nuts.pdf"),
    ]
    page = client.get(Week.objects.get().get_absolute_url()).content.decode()
    assert '<a href="https://www.nist.gov/itl/ai-risk-management-framework" rel="noopener">NIST</a>' in page
    assert '<a href="http://videolectures.example/sharir/" rel="noopener">video</a>' in page


def test_import_cuts_link_words_out_of_titles(tmp_path):
    site = write_site(tmp_path / "site", {"2017-09-12-.md": post(LABELLED_TABLE)})

    run_import(site)

    assert week_rows(Week.objects.get()) == [
        ("", "DLSS17", "On the Expressive Efficiency of Overlapping Architectures"),
        ("", "Risk", "AI Risk Management Framework"),
        ("", "DLSS17", "Doina Precup - Bayesian Views (56:50m to 1:04:45 slides)"),
        ("", "Talk", "Nuts and Bolts"),
        ("", "Talk", ""),  # only links: the week's notes keep them
    ]
    assert paper_links("Doina Precup - Bayesian Views (56:50m to 1:04:45 slides)") == [
        ("video", "video", "http://videolectures.example/precup/"),
        ("video", "slide", "http://videolectures.example/precup_01.pdf"),  # by its host
    ]
    assert "[slideRaw](https://example.org/raw.pdf)" in Week.objects.get().body


def test_import_makes_bullets_with_their_own_title_or_address_readings_of_their_own(tmp_path):
    site = write_site(tmp_path / "site", {"2024-04-02-L19.md": post(HEADINGS, term="2024-seminarRead")})

    run_import(site)

    assert week_rows(Week.objects.get()) == [
        ("Required Readings", "", "Scaling Laws for Neural Language Models"),
        ("Required Readings", "", "github.com/RUCAIBox/LLMSurvey"),
        ("Required Readings", "", "Harnessing the Power of LLMs in Practice: A Survey on ChatGPT and Beyond"),
        (
            "More Readings",
            "",
            "Generative AI and ChatGPT: Applications, challenges, and AI-human collaboration",
        ),
        ("More Readings", "", "huggingface.co/blog?tag=ethics"),
        ("More Readings", "", "huggingface.co/blog/ethics-diffusers"),
        ("More Readings", "", "huggingface.co/blog/model-cards"),
        ("More Readings", "", "NIST AI Risk Management Framework"),
        ("More Readings", "KV Caching in LLM", "grouped query attention"),
        ("More Readings", "KV Caching in LLM", "Paged attention"),
    ]
    scaling = Paper.objects.get(title="Scaling Laws for Neural Language Models")
    assert scaling.authors == "Jared Kaplan, Sam McCandlish, Tom Henighan"
    assert (
        scaling.abstract
        == "We study empirical scaling laws for language model performance on the cross-entropy loss."
    )
    # `- code: [github](…)` and `- [PDF](…)` only add links to the paper above.
    assert paper_links("Scaling Laws for Neural Language Models") == [
        ("code", "github", "https://github.com/openai/scaling-laws"),
        ("pdf", "PDF", "https://arxiv.org/pdf/2001.08361.pdf"),
    ]
    assert paper_links("github.com/RUCAIBox/LLMSurvey") == [
        ("code", "", "https://github.com/RUCAIBox/LLMSurvey")
    ]
    # A repository named after the paper above is that paper's code, blank line or not.
    assert paper_links("Harnessing the Power of LLMs in Practice: A Survey on ChatGPT and Beyond") == [
        ("abstract", "", "https://arxiv.org/abs/2304.13712"),
        ("code", "", "https://github.com/Mooler0410/LLMsPracticalGuide"),
    ]
    assert paper_links("huggingface.co/blog/model-cards") == [
        ("blog", "", "https://huggingface.co/blog/model-cards")
    ]
    assert paper_links("NIST AI Risk Management Framework") == [
        ("other", "nist.gov", "https://www.nist.gov/itl/ai-risk-management-framework"),
        ("other", "airc.nist.gov", "https://airc.nist.gov/AI_RMF_Knowledge_Base/Playbook"),
    ]
    assert paper_links("grouped query attention") == [("pdf", "", "https://arxiv.org/pdf/2305.13245.pdf")]
    assert not Paper.objects.filter(title="KV Caching in LLM").exists()


def test_a_second_import_of_split_bullets_creates_nothing(tmp_path):
    site = write_site(tmp_path / "site", {"2024-04-02-L19.md": post(HEADINGS, term="2024-seminarRead")})
    run_import(site)

    output = run_import(site)

    assert "papers: 0" in output
    assert "links: 0" in output
    assert Week.objects.get().presentations.count() == 10


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "see https://en.wikipedia.org/wiki/Graph_(mathematics).",
            ["https://en.wikipedia.org/wiki/Graph_(mathematics)"],
        ),
        ("+ https://example.org/a%20b/?q=1&r=2#frag, then", ["https://example.org/a%20b/?q=1&r=2#frag"]),
        ("<https://example.org/dir/>", ["https://example.org/dir/"]),
        (
            "https://web.archive.org/web/2020/https://example.org//a",
            ["https://web.archive.org/web/2020/https://example.org//a"],
        ),
    ],
)
def test_bare_urls_are_kept_as_written(text, expected):
    assert bare_urls(text) == expected


def test_resolve_liquid_merges_slashes_only_where_a_value_was_put_in():
    text = '{% assign filedir = site.baseurl | append: "/talks/2019/" %}[a]({{filedir}}/x.pdf) [b](//cdn.example/a//b)'

    assert resolve_liquid(text) == "[a](/talks/2019/x.pdf) [b](//cdn.example/a//b)"


@pytest.mark.parametrize(
    "label, expected",
    [
        ("PDF", True),
        ("video", True),
        ("slideRaw", True),
        ("DLSSpdf", True),
        ("RLSS17.pdf", True),
        ("code", True),
        ("NIST", False),
        ("VideoBERT", False),
        ("Barcode", False),
        ("Video Pixel Networks", False),
        ("PDF-Bandit", False),
    ],
)
def test_link_text_tells_link_names_from_titles(label, expected):
    assert link_text(label) is expected


def test_without_link_texts_drops_link_names_and_their_joiners():
    assert (
        without_link_texts("Title: [^1] [video](https://v.example/) + [slide](https://s.example/)") == "Title"
    )
    assert (
        without_link_texts("[Title](https://t.example/) + [code](https://c.example/)")
        == "[Title](https://t.example/)"
    )
