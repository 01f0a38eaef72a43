"""The Jekyll importer, on small posts written here in the formats of a real seminar site."""

import datetime
import io
import textwrap
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from papers.models import Paper, PaperLink, SlideDeck
from presenters.models import Presenter
from syllabus.importers.jekyll import Link, Reading, split_citation
from syllabus.models import Category, Tag, Term, Week
from tests.factories import make_pdf, shape

pytestmark = pytest.mark.django_db

FRONT = """---
title: {title}
desc: {code}
term: {term}
categories:
- 1Theoretical
tags: {tags}
{extra}---
"""

PRESENTER_TABLE = """
| Presenter | Papers | Paper URL| Our Slides |
| -----: | ---------------------------: | :----- | :----- |
|  Ceyer | A Closer Look at Memorization in Deep Networks, ICML17 [^2] | [PDF](https://arxiv.org/pdf/1706.05394.pdf) | [PDF]({{site.baseurl}}/talks2017/20170912-Ceyer.pdf) |
|  | On the Expressive Efficiency of Overlapping Architectures [^1]| [DLSSpdf](https://drive.example.org/x) + [video](http://videolectures.net/sharir/) |
| Mutual Information | Opening the Black Box of Deep Neural Networks via Information | [URL](https://arxiv.org/abs/1703.00810) + [PDF]() [^3] | Jack [Pdf]({{site.baseurl}}/talks2017/jack.pdf) |

<!--excerpt.start-->

Some notes after the table, with ![a chart]({{site.baseurl}}/images/chart.png).

[^1]: <sub><sup> On the Expressive Efficiency of Overlapping Architectures / ICLR 2018/ Expressive efficiency refers to ... </sup></sub>
[^2]: <sub><sup> A Closer Look at Memorization in Deep Networks, ICML17/ Aaron Courville / We examine the role of memorization. </sup></sub>
[^3]: <sub><sup> Jack Note: the information plane view of training. </sup></sub>
"""

TALKS_TABLE = """
| Presenter | Papers | Paper URL| Our Slides |
| --- | --- | --- | --- |
| DLSS17 | [video](http://videolectures.net/ganguli/) + [slide](http://videolectures.net/ganguli.pdf) | | |
| Memory | End-To-End Memory Networks [^1] | [PDF](https://arxiv.org/abs/1503.08895) | [Bill's Notes]({{site.baseurl}}/notes/bill.pdf) |

[^1]: <sub><sup> Temporal-Difference Learning basics / a wiki page / a paper this table does not list </sup></sub>
"""

INDEX_TABLE = """
| Index | Papers |  Our Slides |
| :---- | ---: | :--- |
|1 | Graph Markov Neural Nets |  [Arsh Survey]({{site.baseurl}}/talkArsh/markov.pdf) |
| | A Closer Look at Memorization in Deep Networks | [Jack Survey](https://slides.example.org/jack.pdf) |
"""

TEAM_TABLE = """
{% assign filedir =  site.baseurl  | append: '/deep2reproduce/2019Fall/' %}

|Team INDEX     |Title  & Link  |  Tags |  Our Slide |
|------|----------------------------|----------|----------|
|T33  | [The High-Dimensional Geometry of Binary Neural Networks](https://arxiv.org/abs/1705.07199) | Quantization, binarization | [OurSlide]({{ site.baseurl }}{{filedir}}/T33.pdf) |
|T12   | [Large Margin Deep Networks](https://arxiv.org/abs/1803.05598)|  [OurSlide]({{filedir}}/T12.pdf) | large-margin |
|T5 | [Deep Structured Prediction](https://arxiv.org/abs/1811.00539)| | structured | [OurSlide](https://slides.example.org/t5.pdf)
"""

PEOPLE_AND_TOPICS = """
| Presenter | Papers | Paper URL| Our Slides |
| --- | --- | --- | --- |
| Memory | Neural Turing Machines | [PDF](https://arxiv.org/abs/1410.5401) |  |
| Jack | Meta-Learning with Memory-Augmented Neural Networks https://example.org/mann | [PDF](https://example.org/mann.pdf) | [PDF]({{site.baseurl}}/talks2017/20170724_Memory_Augmented.pdf) |
| Jennifer | Adversarial Attacks Against Medical Deep Learning Systems | [PDF](https://arxiv.org/abs/1804.05296) | [PDF]({{site.baseurl}}/talks18/Jennifer18-MedicalAttacks.pdf) |
| ChaoJiang | The Power of Initialization | [PDF](https://arxiv.org/abs/1602.05897) | [PDF]({{site.baseurl}}/talks2017/20171024-Chao.pdf) |
| Dr Qi | A quick and rough survey of deep networks | | [PDF]({{site.baseurl}}/talks/201802-QI-Overview.pdf) |
"""

TYPE_TABLE = """
| Type | Papers | Paper URL| Our Slides |
| --- | --- | --- | --- |
| Dr Qi | [Survey of Recent Deep Learning / PDF]({{site.baseurl}}/talks2019/deepReview.pdf) | | |
| Youtube | Computation Graph for DL (pytorch vs. tensorflow| [Youtube URL](https://www.youtube.com/watch?v=FJQl) | NA |
| Course | Deep EHR: A Survey (I) | [PDF](https://arxiv.org/abs/1706.03446) + [PDF](https://arxiv.org/abs/1706.03446) | |
| Course | Deep EHR: A Survey (II) | [PDF](https://arxiv.org/abs/1706.03446) | | |
"""

ABSTRACT_TABLE = """
| Papers | Paper URL| Abstract |
|---|---|---|
| A Generalist Agent | [ URL](https://arxiv.org/pdf/2205.06175.pdf) | Gato works as a generalist policy. |
"""

HEADINGS = """
In this session, our readings cover:

## Required Readings:

### Unleashing the potential of prompt engineering
  + https://arxiv.org/abs/2310.14735
  + Banghao Chen, Zhaofeng Zhang / This paper delves into the pivotal role of prompt engineering in unleashing the capabilities of large language models, and it reviews foundational principles and advanced methods.

## More Readings:

### Skeleton-of-Thought: Large Language Models Can Do Parallel Decoding
+ [Paper](https://arxiv.org/abs/2307.15337)

<!--excerpt.start-->

# A write-up by the team

Free-form notes stay in the week.
"""


LOOSE_HEADINGS = """
## Required Readings:

### Rethinking interpretability in the era of large language models
+ Chandan Singh, Jeevana Priya Inala
Interpretable machine learning has exploded as an area of interest
over the last decade.
- Related: [blogpost FlashAttention
  — Techniques for Efficient Inference](https://medium.example.org/flash)
+

### Must know tools for serving LLMs -
1. Torchtune - training and finetuning. Github - https://github.com/pytorch/torchtune
2. Langchain

### - Tracing Model Outputs to the Training Data
+ Paper: https://www.anthropic.example/influence
+ As models become more powerful, it matters which data made them.
Mechanistic interpretability takes a bottom-up approach.
"""


def write_site(root: Path, posts: dict[str, str]) -> Path:
    (root / "_posts").mkdir(parents=True)
    (root / "_pages").mkdir()
    (root / "_pages" / "1Theoretical.md").write_text(
        '---\nlayout: category\ntaxonomy: 1Theoretical\ndesc: "Theory of deep networks"\norder: "1"\n---\nIndex\n'
    )
    for folder, name in [
        ("talks2017", "20170912-Ceyer.pdf"),
        ("talks2017", "jack.pdf"),
        ("deep2reproduce/2019Fall", "T33.pdf"),
    ]:
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_bytes(b"%PDF-1.4 slides of " + name.encode())
    for name, text in posts.items():
        (root / "_posts" / name).write_text(text)
    return root


def post(
    body: str, *, title="Theoretical17 V", code="2017-W4", term="2017Course", tags="[ InfoMax ]", extra=""
):
    return FRONT.format(title=title, code=code, term=term, tags=tags, extra=extra) + textwrap.dedent(body)


@pytest.fixture
def site(tmp_path):
    return write_site(
        tmp_path / "site",
        {
            "2017-09-12-.md": post(PRESENTER_TABLE, tags="[ understanding, Memorization, InfoMax ]"),
            "2020-01-05-DL0.md": post(
                INDEX_TABLE, title="Graphs", code="2020-W0", term="2020team", tags="[ Graph ]"
            ),
            "2019-12-11-team.md": post(
                TEAM_TABLE, title="Theoretical17 V", code="2018-team", term="2019fCourse"
            ),
            "2022-06-03-RL.md": post(
                ABSTRACT_TABLE, title="Agents", term="2022-selfRead", tags="[ infomax ]"
            ),
            "2017-08-24-.md": post(TALKS_TABLE, title="Talks", term="2017Course", tags="[ talks ]"),
            "2017-01-18-memory.md": post(PEOPLE_AND_TOPICS, title="Memory", term="2017Course"),
            "2024-04-04-L20.md": post(
                HEADINGS,
                title="Prompting",
                term="2024-seminarRead",
                tags="",
                extra="lecture: W11-team-2\nvideo: team-2\n",
            ),
        },
    )


def run_import(site: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_jekyll", str(site), *args, stdout=out)
    return out.getvalue()


def rows(source: str) -> list[tuple]:
    week = Week.objects.get(source_path=f"_posts/{source}")
    return [
        (
            row.order,
            row.section,
            row.label,
            [p.name for p in row.ordered_presenters],
            row.paper.title if row.paper else "",
        )
        for row in week.presentations.select_related("paper")
    ]


def test_front_matter_becomes_terms_weeks_categories_and_tags(site):
    run_import(site, "--site-url", "https://old.example.edu/seminar")

    week = Week.objects.get(source_path="_posts/2017-09-12-.md")
    assert (week.title, week.code, str(week.date), week.term.code) == (
        "Theoretical17 V",
        "2017-W4",
        "2017-09-12",
        "2017Course",
    )
    assert [c.name for c in week.categories.all()] == ["1Theoretical"]
    assert Category.objects.get().description == "Theory of deep networks"
    assert sorted(t.name for t in week.tags.all()) == ["InfoMax", "Memorization", "understanding"]
    # "InfoMax" and "infomax" are one tag; a post without tags has none.
    assert Tag.objects.filter(name__iexact="infomax").count() == 1
    assert list(Week.objects.get(source_path="_posts/2024-04-04-L20.md").tags.all()) == []
    assert Term.objects.count() == 5
    assert Week.objects.count() == 7
    # Duplicate titles in one term would get distinct slugs; here they are in two terms.
    assert Week.objects.filter(title="Theoretical17 V").count() == 2


def test_presenter_table_rows_people_topics_links_and_continuations(site):
    run_import(site, "--site-url", "https://old.example.edu/seminar")

    assert rows("2017-09-12-.md") == [
        (1, "", "", ["Ceyer"], "A Closer Look at Memorization in Deep Networks"),
        (2, "", "", ["Ceyer"], "On the Expressive Efficiency of Overlapping Architectures"),
        (
            3,
            "",
            "Mutual Information",
            ["Jack"],
            "Opening the Black Box of Deep Neural Networks via Information",
        ),
    ]
    memorization = Paper.objects.get(title="A Closer Look at Memorization in Deep Networks")
    assert (memorization.venue, memorization.year, memorization.arxiv_id) == ("ICML", 2017, "1706.05394")
    expressive = Paper.objects.get(title__startswith="On the Expressive")
    assert [(link.kind, link.label, link.url) for link in expressive.links.all()] == [
        ("pdf", "DLSSpdf", "https://drive.example.org/x"),
        ("video", "video", "http://videolectures.net/sharir/"),
    ]
    black_box = Paper.objects.get(title__startswith="Opening the Black Box")
    assert [link.url for link in black_box.links.all()] == [
        "https://arxiv.org/abs/1703.00810"
    ]  # empty target left out


def test_footnote_abstracts_go_to_the_paper_they_name_not_their_number(site):
    run_import(site)

    closer = Paper.objects.get(title__startswith="A Closer Look")
    assert (closer.abstract, closer.venue, closer.year, closer.authors) == (
        "We examine the role of memorization.",
        "ICML",
        2017,
        "Aaron Courville",
    )
    assert (
        Paper.objects.get(title__startswith="On the Expressive").abstract
        == "Expressive efficiency refers to ..."
    )
    # A footnote that names no paper goes to the row citing it, from whichever cell; a review to its notes.
    black_box = Paper.objects.get(title__startswith="Opening the Black Box")
    assert black_box.abstract == ""
    assert black_box.presentations.get().notes == "Jack Note: the information plane view of training."


def test_local_slides_are_copied_and_missing_ones_linked_to_the_old_site(site, settings):
    run_import(site, "--site-url", "https://old.example.edu/seminar")

    week = Week.objects.get(source_path="_posts/2017-09-12-.md")
    decks = {
        (deck.presenter.name, shape(deck.file.name), deck.source_path) for deck in week.slide_decks.all()
    }
    # Stored under the term and week, with a safe name; the old path is remembered for re-imports.
    assert decks == {
        (
            "Ceyer",
            "slides/2017-course/theoretical17-v/<random>/20170912-ceyer.pdf",
            "talks2017/20170912-Ceyer.pdf",
        ),
        ("Jack", "slides/2017-course/theoretical17-v/<random>/jack.pdf", "talks2017/jack.pdf"),
    }
    copied = week.slide_decks.get(presenter__name="Ceyer").file
    assert (Path(settings.MEDIA_ROOT) / copied.name).read_bytes() == b"%PDF-1.4 slides of 20170912-Ceyer.pdf"
    team = Week.objects.get(source_path="_posts/2019-12-11-team.md")
    assert sorted(deck.url or Path(deck.file.name).name for deck in team.slide_decks.all()) == [
        "https://old.example.edu/seminar/deep2reproduce/2019Fall/T12.pdf",  # not in the site folder
        "https://slides.example.org/t5.pdf",
        "t33.pdf",
    ]


def test_missing_slides_without_a_site_url_are_reported(site):
    output = run_import(site)

    assert "slide decks missing: 7" in output
    assert "_posts/2019-12-11-team.md: slides /deep2reproduce/2019Fall/T12.pdf are not in the site" in output
    assert "_posts/2020-01-05-DL0.md: slides /talkArsh/markov.pdf are not in the site" in output


def test_index_and_team_tables_find_presenters_in_slide_labels_and_tags_in_cells(site):
    run_import(site, "--site-url", "https://old.example.edu/seminar")

    assert rows("2020-01-05-DL0.md") == [
        (1, "", "", ["Arsh"], "Graph Markov Neural Nets"),
        (2, "", "", ["Jack"], "A Closer Look at Memorization in Deep Networks"),
    ]
    assert rows("2019-12-11-team.md") == [
        (1, "", "T33", [], "The High-Dimensional Geometry of Binary Neural Networks"),
        (2, "", "T12", [], "Large Margin Deep Networks"),
        (3, "", "T5", [], "Deep Structured Prediction"),
    ]
    binary = Paper.objects.get(title__startswith="The High-Dimensional")
    assert sorted(tag.name for tag in binary.tags.all()) == ["Quantization", "binarization"]
    assert [tag.name for tag in Paper.objects.get(title="Large Margin Deep Networks").tags.all()] == [
        "large-margin"
    ]
    # A stray empty cell (T5) does not push the tag into the slides column.
    assert [tag.name for tag in Paper.objects.get(title="Deep Structured Prediction").tags.all()] == [
        "structured"
    ]
    assert SlideDeck.objects.filter(url="https://slides.example.org/t5.pdf").exists()


ORDINAL_TABLES = """
| No. | Papers | Paper URL | Our Slides |
| --- | --- | --- | --- |
| 1. | Learnt Prior VAE | | [Arsh Survey]({{site.baseurl}}/talks2017/jack.pdf) |
| | Graph Markov Neural Networks | [PDF](https://arxiv.org/abs/1905.06214) | [Jack Survey](https://slides.example.org/gmnn.pdf) |
| 3. | Normalizing Flows | [URL](https://arxiv.org/abs/1505.05770) | |

Surveys:

| | Papers | Our Slides |
| --- | --- | --- |
| 1 | Invariant Risk Minimization | [Zhe Survey](https://slides.example.org/irm.pdf) |
| 2 | Nonlinear ICA | [PDF](https://slides.example.org/ica.pptx) |
| 2 | Gaussian Processes | |

Sets:

| Topic | Papers |
| --- | --- |
| 2 | Deep Sets |
| 7 | Set Transformer |
"""


def test_index_columns_are_row_order_not_topics_and_slides_cells_are_decks(tmp_path):
    site = write_site(tmp_path / "site", {"2020-02-05-DL2.md": post(ORDINAL_TABLES, term="2020team")})

    run_import(site, "--site-url", "https://old.example.edu/seminar", "--no-thumbnails")

    # "No." (any case, any numbers) and an unnamed 1, 2, 2 column number the rows; the row order stays.
    assert rows("2020-02-05-DL2.md")[:6] == [
        (1, "", "", ["Arsh"], "Learnt Prior VAE"),
        (2, "", "", ["Jack"], "Graph Markov Neural Networks"),
        (3, "", "", [], "Normalizing Flows"),
        (4, "", "", ["Zhe"], "Invariant Risk Minimization"),
        (5, "", "", [], "Nonlinear ICA"),
        (6, "", "", [], "Gaussian Processes"),
    ]
    # Numbers that do not count the rows (2, 7) under a header that is not an index stay what they were.
    assert [row[2] for row in rows("2020-02-05-DL2.md")[6:]] == ["2", "7"]
    assert list(
        PaperLink.objects.filter(paper__title="Graph Markov Neural Networks").values_list("url", flat=True)
    ) == ["https://arxiv.org/abs/1905.06214"]
    assert list(PaperLink.objects.filter(paper__title="Normalizing Flows").values_list("url", flat=True)) == [
        "https://arxiv.org/abs/1505.05770"
    ]
    decks = {
        deck.presentation.paper.title: deck
        for deck in SlideDeck.objects.select_related("presentation__paper")
    }
    assert decks["Learnt Prior VAE"].file and decks["Learnt Prior VAE"].title == "Arsh Survey"
    assert decks["Graph Markov Neural Networks"].url == "https://slides.example.org/gmnn.pdf"
    assert decks["Nonlinear ICA"].url == "https://slides.example.org/ica.pptx"
    assert set(decks) == {
        "Learnt Prior VAE",
        "Graph Markov Neural Networks",
        "Invariant Risk Minimization",
        "Nonlinear ICA",
    }
    assert not PaperLink.objects.filter(url__startswith="https://slides.example.org").exists()
    assert not Paper.objects.filter(title__in=["1", "2", "3", "1.", "3."]).exists()

    before = counts()
    output = run_import(site, "--site-url", "https://old.example.edu/seminar", "--no-thumbnails")
    assert counts() == before and "papers: 0" in output


def test_the_same_paper_in_two_weeks_is_one_paper(site):
    run_import(site)

    assert Paper.objects.filter(title="A Closer Look at Memorization in Deep Networks").count() == 1
    assert (
        Paper.objects.get(title="A Closer Look at Memorization in Deep Networks").presentations.count() == 2
    )


def test_abstract_tables_and_heading_readings(site):
    run_import(site)

    assert Paper.objects.get(title="A Generalist Agent").abstract == "Gato works as a generalist policy."
    assert rows("2024-04-04-L20.md") == [
        (1, "Required Readings", "", [], "Unleashing the potential of prompt engineering"),
        (2, "More Readings", "", [], "Skeleton-of-Thought: Large Language Models Can Do Parallel Decoding"),
    ]
    prompt = Paper.objects.get(title="Unleashing the potential of prompt engineering")
    assert prompt.authors == "Banghao Chen, Zhaofeng Zhang"
    assert prompt.abstract.startswith("This paper delves into the pivotal role")
    assert prompt.arxiv_id == "2310.14735"
    body = Week.objects.get(source_path="_posts/2024-04-04-L20.md").body
    assert "# A write-up by the team" in body and "Free-form notes stay in the week." in body
    assert "- Lecture: W11-team-2" in body and "- Video: team-2" in body


def test_free_form_notes_keep_their_images_with_resolved_paths(site):
    run_import(site)

    body = Week.objects.get(source_path="_posts/2017-09-12-.md").body
    assert "![a chart](/images/chart.png)" in body


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for a in ("syllabus", "papers", "presenters")
        for m in apps.get_app_config(a).get_models()
    }


def test_a_second_import_creates_nothing(site):
    run_import(site, "--site-url", "https://old.example.edu/seminar")
    before = counts()

    output = run_import(site, "--site-url", "https://old.example.edu/seminar")

    assert counts() == before
    assert "papers: 0" in output and "slide decks copied: 0" in output


def test_dry_run_writes_nothing(site, settings):
    output = run_import(site, "--dry-run")

    assert output.startswith("Dry run, nothing written.")
    assert all(number == 0 for number in counts().values())
    assert not Path(settings.MEDIA_ROOT, "slides").exists()


def test_a_dry_run_reports_what_the_real_run_does(site):
    url = ("--site-url", "https://old.example.edu/seminar")
    dry = run_import(site, "--dry-run", *url)

    real = run_import(site, *url)

    summary = slice(dry.index("posts:"), dry.index("things to check"))
    assert dry[summary] == real[real.index("posts:") : real.index("things to check")]
    # The paper read in two weeks is counted once, dry or not.
    assert f"papers: {Paper.objects.count()}" in dry


def test_a_changed_post_updates_its_week_in_place(site):
    run_import(site, "--site-url", "https://old.example.edu/seminar")
    path = site / "_posts" / "2017-09-12-.md"
    text = path.read_text()
    text = text.replace("|  Ceyer | A Closer", "|  Jack | A Closer").replace("[DLSSpdf]", "[Lecture PDF]")
    path.write_text("\n".join(line for line in text.split("\n") if not line.startswith("| Mutual")))

    run_import(site, "--site-url", "https://old.example.edu/seminar")

    assert rows("2017-09-12-.md") == [
        (1, "", "", ["Jack"], "A Closer Look at Memorization in Deep Networks"),
        (2, "", "", ["Jack"], "On the Expressive Efficiency of Overlapping Architectures"),
    ]
    assert PaperLink.objects.get(url="https://drive.example.org/x").label == "Lecture PDF"
    assert Week.objects.count() == 7


def test_a_new_import_of_a_changed_post_shows_only_its_session_as_changed_in_feeds(site):
    url = ("--site-url", "https://old.example.edu/seminar")
    run_import(site, *url)
    long_ago = timezone.now() - datetime.timedelta(days=2)
    Week.objects.update(updated=long_ago)
    run_import(site, *url)
    assert set(Week.objects.values_list("updated", flat=True)) == {long_ago}  # nothing changed
    path = site / "_posts" / "2017-09-12-.md"
    path.write_text(path.read_text().replace("|  Ceyer | A Closer", "|  Jack | A Closer"))

    with CaptureQueriesContext(connection) as queries:
        run_import(site, *url)

    changed = Week.objects.exclude(updated=long_ago).values_list("source_path", flat=True)
    assert list(changed) == ["_posts/2017-09-12-.md"]
    touches = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "syllabus_week" SET "updated"')]
    assert len(touches) == 1  # one per post, however many of its rows changed


def test_a_broken_post_is_reported_and_the_rest_import(site):
    (site / "_posts" / "2018-01-01-broken.md").write_text("---\ntitle: [unclosed\ntags: x\n---\nBody\n")

    output = run_import(site)

    assert "failed posts: 1" in output
    assert "_posts/2018-01-01-broken.md:2: broken front matter" in output  # the line with "[unclosed"
    assert Week.objects.count() == 7


def test_only_imports_matching_posts(site):
    run_import(site, "--only", "2024-*")

    assert list(Week.objects.values_list("source_path", flat=True)) == ["_posts/2024-04-04-L20.md"]


def test_a_folder_without_posts_is_refused(tmp_path):
    with pytest.raises(CommandError, match="has no _posts/ folder"):
        call_command("import_jekyll", str(tmp_path))


def test_presenters_merge_through_case_and_aliases(site):
    Presenter.objects.create(name="Ceyer Wakilpoor").aliases.create(name="ceyer")

    run_import(site)

    assert Presenter.objects.filter(name__icontains="ceyer").count() == 1
    assert PaperLink.objects.filter(url="https://arxiv.org/pdf/1706.05394.pdf").exists()
    assert SlideDeck.objects.filter(presenter__name="Ceyer Wakilpoor").count() == 1


def test_talks_without_a_paper_keep_their_links_and_topics_are_not_people(site):
    run_import(site)

    assert rows("2017-08-24-.md") == [
        (1, "", "DLSS17", [], ""),
        (2, "", "Memory", ["Bill"], "End-To-End Memory Networks"),
    ]
    body = Week.objects.get(source_path="_posts/2017-08-24-.md").body
    assert (
        "- DLSS17: [video](http://videolectures.net/ganguli/) + [slide](http://videolectures.net/ganguli.pdf)"
        in body
    )
    assert not Presenter.objects.filter(name__in=["Memory", "DLSS17", "Bill's"]).exists()
    # Its footnote names another paper: it stays in the notes instead of going to row 2 by number.
    assert Paper.objects.get(title="End-To-End Memory Networks").abstract == ""
    assert "[^1]: Temporal-Difference Learning basics / a wiki page" in body


def test_one_word_first_cells_are_people_only_with_evidence_from_the_site(site):
    run_import(site)

    assert [(label, names) for _, _, label, names, _ in rows("2017-01-18-memory.md")] == [
        ("Memory", []),  # "Memory" in a slide file name is also a word of paper titles: a topic
        ("", ["Jack"]),
        ("", ["Jennifer"]),  # named by the row's own slides, "Jennifer18-MedicalAttacks.pdf"
        ("", ["ChaoJiang"]),  # "20171024-Chao.pdf"
        ("", ["Dr. Qi"]),  # a title makes a person
    ]
    assert not Presenter.objects.filter(name__in=["Memory", "Augmented"]).exists()
    # An address written after the title is a link of the paper.
    mann = Paper.objects.get(title="Meta-Learning with Memory-Augmented Neural Networks")
    assert [link.url for link in mann.links.all()] == [
        "https://example.org/mann",
        "https://example.org/mann.pdf",
    ]


def test_readings_under_headings_keep_unbulleted_and_wrapped_lines(tmp_path):
    site = write_site(tmp_path / "site", {"2024-03-28-L18.md": post(LOOSE_HEADINGS, term="2024-seminarRead")})

    output = run_import(site)

    assert "posts: 1" in output
    interpretability, tools, tracing = (row.paper for row in Week.objects.get().presentations.all())
    assert interpretability.authors == "Chandan Singh, Jeevana Priya Inala"
    assert interpretability.abstract == (
        "Interpretable machine learning has exploded as an area of interest over the last decade."
    )
    assert [(link.url, link.label) for link in interpretability.links.all()] == [
        ("https://medium.example.org/flash", "blogpost FlashAttention — Techniques for Efficient Inference")
    ]
    assert tools.title == "Must know tools for serving LLMs"
    assert tools.abstract == "Torchtune - training and finetuning. Github -\n\nLangchain"
    assert [link.url for link in tools.links.all()] == ["https://github.com/pytorch/torchtune"]
    assert tracing.title == "Tracing Model Outputs to the Training Data"
    assert tracing.abstract == (
        "As models become more powerful, it matters which data made them.\n\n"
        "Mechanistic interpretability takes a bottom-up approach."
    )
    assert [link.url for link in tracing.links.all()] == ["https://www.anthropic.example/influence"]
    assert Week.objects.get().body == ""


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("Dynamic Filter Networks, ICML17", ("Dynamic Filter Networks", "", "ICML", 2017)),
        ("CNN-RNN: A Unified Framework/ CVPR 2016", ("CNN-RNN: A Unified Framework", "", "CVPR", 2016)),
        (
            "NetGAN: Generating Graphs via Random Walks ICML18",
            ("NetGAN: Generating Graphs via Random Walks", "", "ICML", 2018),
        ),
        ("Can Machine Learning be Secure?(2006)", ("Can Machine Learning be Secure?", "", "", 2006)),
        ("LIMA: Less Is More for Alignment /", ("LIMA: Less Is More for Alignment", "", "", None)),
        (
            "HyperNetworks, David Ha, Andrew Dai, Quoc V. Le ICLR 2017",
            ("HyperNetworks", "David Ha, Andrew Dai, Quoc V. Le", "ICLR", 2017),
        ),
        (
            "Learning Kernels, Aman Sinha*; John Duchi,",
            ("Learning Kernels", "Aman Sinha*, John Duchi", "", None),
        ),
        ("Pixel Networks, Aaron van den Oord", ("Pixel Networks", "Aaron van den Oord", "", None)),
        # Commas inside a title are not authors.
        ("Beta VAE, Ladder VAE, Causal VAE", ("Beta VAE, Ladder VAE, Causal VAE", "", "", None)),
        (
            "Examples are not Enough, Learn to Criticize! Model Criticism",
            ("Examples are not Enough, Learn to Criticize! Model Criticism", "", "", None),
        ),
        (
            "Neural Networks, Manifolds, and Topology",
            ("Neural Networks, Manifolds, and Topology", "", "", None),
        ),
    ],
)
def test_a_title_cell_gives_title_authors_venue_and_year(cell, expected):
    assert split_citation(cell) == expected


def test_type_tables_with_people_local_decks_parts_and_stray_cells(tmp_path):
    site = write_site(tmp_path / "site", {"2021-01-03-trends.md": post(TYPE_TABLE, title="Trends")})
    run_import(site, "--site-url", "https://old.example.edu/seminar")
    before = counts()

    output = run_import(site, "--site-url", "https://old.example.edu/seminar")

    assert counts() == before
    assert [(label, names, title) for _, _, label, names, title in rows("2021-01-03-trends.md")] == [
        ("", ["Dr. Qi"], "Survey of Recent Deep Learning"),
        ("Youtube", [], "Computation Graph for DL (pytorch vs. tensorflow"),
        ("Course", [], "Deep EHR: A Survey (I)"),
        ("Course", [], "Deep EHR: A Survey (II)"),  # a part of one work: another paper
    ]
    # A deck of the site linked from the title is a slide deck, not a paper link.
    deck = SlideDeck.objects.get(presentation__order=1)
    assert deck.url == "https://old.example.edu/seminar/talks2019/deepReview.pdf"
    assert not PaperLink.objects.filter(url__contains="deepReview").exists()
    youtube = Paper.objects.get(title__startswith="Computation Graph")
    assert [link.url for link in youtube.links.all()] == ["https://www.youtube.com/watch?v=FJQl"]
    # The same address twice in one row is one link, and a re-import leaves it as it was.
    assert list(
        PaperLink.objects.filter(url="https://arxiv.org/abs/1706.03446").values_list("order", "label")
    ) == [
        (0, "PDF"),
        (0, "PDF"),
    ]
    assert "papers: 0" in output


def test_names_that_may_be_one_person_are_reported(site):
    Presenter.objects.create(name="Jackson")

    output = run_import(site)

    assert "presenters 'Jack' and 'Jackson' may be one person (make one an alias of the other)" in output


def test_a_slide_file_that_is_not_slides_is_linked_and_reported(site):
    (site / "talks2017" / "jack.pdf").write_text("<html>Not found</html>")

    output = run_import(site, "--site-url", "https://old.example.edu/seminar")

    assert "slides /talks2017/jack.pdf: not a PDF or PowerPoint file; linked instead" in output
    deck = SlideDeck.objects.get(presenter__name="Jack", week__source_path="_posts/2017-09-12-.md")
    assert (deck.file.name, deck.url) == ("", "https://old.example.edu/seminar/talks2017/jack.pdf")


def test_copied_pdf_slides_get_thumbnails(site):
    (site / "talks2017" / "jack.pdf").write_bytes(make_pdf(pages=3, size=(720, 540)))

    run_import(site, "--only", "2017-09-12-*")

    deck = SlideDeck.objects.get(source_path="talks2017/jack.pdf")
    assert (shape(deck.thumbnail.name), deck.page_count) == (
        "slides/2017-course/theoretical17-v/<random>/jack.webp",
        3,
    )


def test_copied_pdf_slides_get_thumbnails_later_when_asked_not_to_now(site):
    (site / "talks2017" / "jack.pdf").write_bytes(make_pdf(pages=3, size=(720, 540)))

    run_import(site, "--no-thumbnails", "--only", "2017-09-12-*")
    deck = SlideDeck.objects.get(source_path="talks2017/jack.pdf")
    assert (deck.thumbnail.name, deck.page_count) == ("", None)

    call_command("rebuild_thumbnails", stdout=io.StringIO())

    deck.refresh_from_db()
    assert deck.page_count == 3
    with deck.thumbnail.open("rb") as handle, Image.open(handle) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("WEBP", (480, 360))


@pytest.mark.parametrize(
    "url, doi",
    [
        ("https://doi.org/10.1145/3442188.3445922", "10.1145/3442188.3445922"),
        ("https://dl.acm.org/doi/10.1145/3442188.3445922", "10.1145/3442188.3445922"),
        ("https://pubs.acs.org/doi/abs/10.1021/acs.jcim.7b00650", "10.1021/acs.jcim.7b00650"),
        (
            "https://www.tandfonline.com/doi/full/10.1080/15228053.2023.2233814",
            "10.1080/15228053.2023.2233814",
        ),
        ("https://arxiv.org/abs/1706.03762", ""),
    ],
)
def test_a_doi_is_read_from_doi_org_and_publishers_doi_pages(url, doi):
    assert Reading(line=1, links=[Link(url=url)]).doi == doi


def test_odd_whitespace_in_names_is_normalised_and_a_body_too_deep_to_render_is_kept_as_text(tmp_path):
    """Imports hold what old sites hold: names become one line, and a post is never lost for its body."""
    deep_list = "".join("    " * level + "- item\n" for level in range(260))
    site = write_site(
        tmp_path / "site",
        {
            "2017-09-12-odd.md": post(
                "\n| Presenter | Papers |\n| --- | --- |\n| Ceyer\u2028Lee | Deep\tNets\x0b Explained |\n\n"
                + deep_list,
                title='"Odd\\nLines\\r here"',
                code='"2017\\tW4"',
            )
        },
    )

    output = run_import(site)

    assert "failed posts: 0" in output
    week = Week.objects.get()
    assert (week.title, week.code) == ("Odd Lines here", "2017 W4")
    assert rows("2017-09-12-odd.md") == [(1, "", "Ceyer Lee", [], "Deep Nets Explained")]
    assert week.body == deep_list.strip()
    assert week.body_html.startswith("<pre>- item\n    - item\n")


def test_a_presenter_first_credited_by_an_import_has_a_public_photo(tmp_path, client):
    """Credits are inserted in bulk (no signals): the import itself moves the photo to the public store."""
    from tests.factories import PresenterFactory, png_file

    jack = PresenterFactory(name="Jack", photo=png_file())
    assert jack.photo.name.startswith("private/")  # no published week credits him yet

    # One post: no later save of its term or week moves the photo by the way.
    run_import(write_site(tmp_path / "one", {"2017-09-12-.md": post(PRESENTER_TABLE)}), "--no-thumbnails")

    jack.refresh_from_db()
    assert not jack.photo.name.startswith("private/") and not jack.photo_small.name.startswith("private/")
    response = client.get(jack.photo.url)
    assert (response.status_code, b"".join(response.streaming_content)[:4]) == (200, b"RIFF")  # WebP
    response.close()
