"""Footnotes `title, venue / authors / abstract` and reviewers' notes, read into their fields (issue 16)."""

import pytest

from papers.models import Paper
from syllabus.importers.report import abstract_prefix, reviewer_note
from syllabus.models import Presentation
from tests.syllabus.test_import_jekyll import post, run_import, write_site

pytestmark = pytest.mark.django_db

TABLE = """
| Presenter | Papers | Paper URL| Our Slides |
| -----: | ---: | :--- | :--- |
| Ceyer | A Closer Look at Memorization in Deep Networks [^1] | [PDF](https://arxiv.org/abs/1706.05394) | |
| Ceyer | On the Expressive Efficiency of Overlapping Architectures [^2] | [PDF](https://arxiv.org/abs/1703.02065) | |
| Jack | Delving into Transferable Adversarial Examples [^3] | [PDF](https://arxiv.org/abs/1611.02770) | |
| Jack | Energy-Based Generative Adversarial Network, Junbo Zhao, Yann LeCun [^4] | [PDF](https://arxiv.org/abs/1609.03126) | |
| Bill | Proximal Deep Structured Models, NIPS 2015 [^5] | [PDF](https://example.org/proximal) | |
| Bill | Scalable Nearest Neighbor Algorithms [^6] | [PDF](https://example.org/flann) | |
| Arsh | KDEEP: Binding Affinity Prediction [^7] | [PDF](https://example.org/kdeep) | |

[^1]: <sub><sup> A Closer Look at Memorization in Deep Networks, ICML17/ from etc Aaron Courville, Yoshua Bengio, Simon Lacoste-Julien / We examine the role of memorization in deep learning, drawing connections to capacity. </sup></sub>
[^2]: <sub><sup> On the Expressive Efficiency of Overlapping Architectures / ICLR 2018/ Expressive efficiency refers to the relation between two architectures A and B, in the A/B sense. </sup></sub>
[^3]: <sub><sup> Delving into Transferable Adversarial Examples,ICLR17 / Dawn Song et al, high cite / An intriguing property of deep neural networks is the existence of adversarial examples. </sup></sub>
[^4]: <sub><sup> Energy-Based Generative Adversarial Network, Max Mustermann (Submitted on 11 Sep 2016 (v1), last revised 6 Mar 2017 (this version, v4))/ We introduce the EBGAN model which views the discriminator as an energy function. </sup></sub>
[^5]: <sub><sup> Proximal Deep Structured Models / CVPR16 / Raquel Urtasun et al. Many problems in real-world applications involve predicting continuous-valued random variables. </sup></sub>
[^6]: <sub><sup> Scalable Nearest Neighbor Algorithms (PAMI14) / https://www.ncbi.nlm.nih.gov/pubmed/26353063 / For many computer vision problems, large training sets are key. </sup></sub>
[^7]: <sub><sup> Jane Note:  This paper represents protein and ligand as 3D voxels. I feel the docking step limits it. </sup></sub>
"""


@pytest.fixture
def site(tmp_path):
    return write_site(tmp_path / "site", {"2017-09-12-.md": post(TABLE)})


def paper(start: str) -> tuple:
    found = Paper.objects.get(title__startswith=start)
    return found.venue, found.year, found.authors, found.abstract


def test_footnote_heads_fill_venue_year_and_authors_and_leave_only_the_abstract(site):
    run_import(site)

    assert paper("A Closer Look") == (
        "ICML",
        2017,
        "Aaron Courville, Yoshua Bengio, Simon Lacoste-Julien",
        "We examine the role of memorization in deep learning, drawing connections to capacity.",
    )
    # A slash inside a word ("A/B") is the abstract's own.
    assert paper("On the Expressive") == (
        "ICLR",
        2018,
        "",
        "Expressive efficiency refers to the relation between two architectures A and B, in the A/B sense.",
    )
    # The title left in the first head still gives its venue; a remark after the authors goes.
    assert paper("Delving")[:3] == ("ICLR", 2017, "Dawn Song et al.")
    assert paper("Delving")[3].startswith("An intriguing property")
    # Authors without a slash before the abstract: "… et al. Many problems …".
    assert paper("Proximal")[2:] == (
        "Raquel Urtasun et al.",
        "Many problems in real-world applications involve predicting continuous-valued random variables.",
    )
    # An address among the heads becomes a link of the paper, labelled by its host.
    scalable = Paper.objects.get(title__startswith="Scalable")
    assert (scalable.venue, scalable.year) == ("PAMI", 2014)
    assert scalable.abstract == "For many computer vision problems, large training sets are key."
    assert ("https://www.ncbi.nlm.nih.gov/pubmed/26353063", "ncbi.nlm.nih.gov") in {
        (link.url, link.label) for link in scalable.links.all()
    }
    for found in Paper.objects.all():
        assert abstract_prefix(found.abstract) == [] and reviewer_note(found.abstract) == ""


def test_known_values_are_never_overwritten_by_a_footnote(site):
    run_import(site)

    # The table named the authors and the venue: the footnote's others are not taken.
    assert paper("Energy-Based")[:3] == ("", 2016, "Junbo Zhao, Yann LeCun")
    assert paper("Energy-Based")[3].startswith("We introduce the EBGAN model")
    assert paper("Proximal")[:2] == ("NIPS", 2015)


def test_a_reviewers_note_goes_to_the_rows_notes_not_the_abstract(site):
    run_import(site)

    row = Presentation.objects.get(paper__title__startswith="KDEEP")
    assert row.paper.abstract == ""
    assert row.notes.startswith("Jane Note: This paper represents protein and ligand as 3D voxels.")
    assert "docking step" in row.notes_html


def test_a_note_edited_after_the_import_stays_and_a_reimport_changes_nothing(site):
    run_import(site)
    row = Presentation.objects.get(paper__title__startswith="KDEEP")
    row.notes = "Discussed in class."
    row.save()
    papers = list(Paper.objects.values_list("venue", "year", "authors", "abstract").order_by("pk"))

    output = run_import(site)

    row.refresh_from_db()
    assert row.notes == "Discussed in class."
    assert list(Paper.objects.values_list("venue", "year", "authors", "abstract").order_by("pk")) == papers
    assert "papers: 0" in output
