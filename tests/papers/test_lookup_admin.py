"""The paper form's "arXiv id or DOI" field: fills the form in for review, never saves, never a 500."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from papers.models import Paper, PaperLink
from tests.conftest import count_queries
from tests.factories import PaperFactory, PaperLinkFactory
from tests.papers.conftest import answer_arxiv, answer_doi

pytestmark = pytest.mark.django_db

ADD = reverse("admin:papers_paper_add")
ATTENTION_ABSTRACT = (
    "A recorded abstract for the tests: sequence models are usually built from recurrent or "
    "convolutional layers, and this paper replaces them with attention alone.\n\n"
    "A second paragraph, so that paragraph breaks are seen to survive the line joining."
)


def shown(response) -> dict:
    """The values the page's paper form shows, by field name."""
    form = response.context["adminform"].form
    # "save anyway" is the known-paper check's box (tests/papers/test_admin_duplicates.py), not a paper field.
    return {name: form[name].value() for name in form.fields if name != "save_anyway"}


def shown_links(response) -> list[tuple]:
    formset = response.context["inline_admin_formsets"][0].formset
    return [(form["kind"].value(), form["label"].value(), form["url"].value()) for form in formset.forms]


def as_posted(response) -> dict:
    """What the browser would send on "Save" from the page as shown."""
    data = {}
    for name, value in shown(response).items():
        data[name] = "" if value is None else value
    formset = response.context["inline_admin_formsets"][0].formset
    for name in formset.management_form.fields:
        data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
    for form in formset.forms:
        for name in ("order", "kind", "label", "url", "id", "paper"):
            value = form[name].value()
            data[form.add_prefix(name)] = "" if value is None else value
    data.pop("tags", None)
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_paper_form_has_the_lookup_field_and_button(staff_client):
    page = staff_client.get(ADD).content.decode()

    assert '<label for="id_lookup">arXiv id or DOI:</label>' in page
    assert (
        '<button type="submit" name="_lookup" value="1" class="button" formnovalidate>Look up</button>'
        in page
    )


def test_add_form_with_lookup_shows_the_paper_filled_in_and_saves_nothing(network, staff_client):
    answer_arxiv(network, "arxiv_1706.03762v5.xml", query_id="1706.03762")

    response = staff_client.get(ADD, {"lookup": "https://arxiv.org/abs/1706.03762"})

    assert response.status_code == 200
    assert shown(response) | {"tags": None, "slug": None} == {
        "lookup": "https://arxiv.org/abs/1706.03762",
        "title": "Attention Is All You Need",
        "slug": None,
        "authors": "Ashish Vaswani, Noam Shazeer, Niki Parmar",
        "venue": "NeurIPS 2017",
        "year": 2017,
        "arxiv_id": "1706.03762",
        "doi": "10.48550/arXiv.1706.03762",
        "tags": None,
        "abstract": ATTENTION_ABSTRACT,
    }
    assert shown_links(response) == [
        ("abstract", "arXiv", "https://arxiv.org/abs/1706.03762"),
        ("pdf", "", "https://arxiv.org/pdf/1706.03762"),
    ]
    assert messages_of(response) == [
        "Filled in from arXiv: title, authors, year, venue, abstract, arXiv id, DOI, abstract page link "
        "and PDF link. Check them, then save."
    ]
    assert Paper.objects.count() == 0


def test_saving_the_filled_in_form_keeps_the_paper_and_its_links(network, staff_client):
    answer_arxiv(network, "arxiv_1706.03762v5.xml")
    page = staff_client.get(ADD, {"lookup": "1706.03762"})

    saved = staff_client.post(ADD, as_posted(page))

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    paper = Paper.objects.get()
    assert (paper.title, paper.year, paper.arxiv_id) == ("Attention Is All You Need", 2017, "1706.03762")
    assert [(link.kind, link.url) for link in paper.links.all()] == [
        ("abstract", "https://arxiv.org/abs/1706.03762"),
        ("pdf", "https://arxiv.org/pdf/1706.03762"),
    ]


def test_look_up_button_keeps_what_was_typed_and_fills_the_rest(network, staff_client):
    answer_doi(network, "10.1145/3065386", "doi_10.1145_3065386.json")
    typed = {
        "lookup": "https://doi.org/10.1145/3065386",
        "_lookup": "1",
        "title": "",
        "venue": "CACM",
        "abstract": "",
        "links-TOTAL_FORMS": "1",
        "links-INITIAL_FORMS": "0",
        "links-0-order": "1",
        "links-0-kind": "code",
        "links-0-label": "",
        "links-0-url": "https://github.com/example/alexnet",
    }

    response = staff_client.post(ADD, typed)

    assert response.status_code == 200
    values = shown(response)
    assert (values["title"], values["venue"], values["year"], values["doi"]) == (
        "ImageNet classification with deep convolutional neural networks",
        "CACM",
        2017,
        "10.1145/3065386",
    )
    assert shown_links(response) == [
        ("code", "", "https://github.com/example/alexnet"),
        ("abstract", "DOI", "https://doi.org/10.1145/3065386"),
        ("pdf", "", "https://dl.acm.org/doi/pdf/10.1145/3065386"),
    ]
    assert Paper.objects.count() == 0


@pytest.mark.parametrize(
    ("identifier", "register", "message"),
    [
        (
            "not a paper",
            lambda network: None,
            "'not a paper' is not an arXiv id or a DOI (e.g. 1706.03762, arXiv:hep-th/9901001, an arxiv.org "
            "link, 10.1145/3065386 or a doi.org link). The form is as you left it.",
        ),
        (
            "2901.99999",
            lambda network: answer_arxiv(network, "arxiv_empty.xml"),
            "arXiv knows no paper 2901.99999. The form is as you left it.",
        ),
        (
            "2901.99999",
            lambda network: None,
            "arXiv could not be reached (is the server offline?); try again later or fill in the paper by "
            "hand. The form is as you left it.",
        ),
        (
            "10.1145/3065386",
            lambda network: network.get("https://doi.org/10.1145/3065386", body="{not json"),
            "doi.org sent an answer that is not a readable CSL JSON record; try again later. "
            "The form is as you left it.",
        ),
    ],
)
def test_failed_lookup_says_why_and_keeps_the_typed_form(
    network, staff_client, identifier, register, message
):
    register(network)

    response = staff_client.post(
        ADD, {"lookup": identifier, "_lookup": "1", "title": "Typed by hand", "year": "2019"}
    )

    assert response.status_code == 200
    assert messages_of(response) == [message]
    values = shown(response)
    assert (values["lookup"], values["title"], values["year"]) == (identifier, "Typed by hand", "2019")
    assert Paper.objects.count() == 0


def test_change_form_lookup_fills_only_empty_fields_and_adds_only_new_links(network, staff_client):
    paper = PaperFactory(title="Attention (imported)", authors="", venue="", year=None, abstract="")
    PaperLinkFactory(paper=paper, kind=PaperLink.Kind.ABSTRACT, url="https://arxiv.org/abs/1706.03762")
    answer_arxiv(network, "arxiv_1706.03762v5.xml")
    url = reverse("admin:papers_paper_change", args=[paper.pk])
    page = staff_client.get(url)
    data = as_posted(page) | {"lookup": "1706.03762", "_lookup": "1"}

    response = staff_client.post(url, data)

    values = shown(response)
    assert (values["title"], values["authors"], values["year"]) == (
        "Attention (imported)",
        "Ashish Vaswani, Noam Shazeer, Niki Parmar",
        2017,
    )
    assert shown_links(response) == [
        ("abstract", "", "https://arxiv.org/abs/1706.03762"),
        ("pdf", "", "https://arxiv.org/pdf/1706.03762"),
    ]
    paper.refresh_from_db()
    assert (paper.authors, paper.links.count()) == ("", 1)  # nothing saved yet


def test_popup_add_form_from_a_weeks_row_fills_in_and_hands_the_paper_back(network, staff_client):
    answer_arxiv(network, "arxiv_1706.03762v5.xml")
    page = staff_client.get(ADD, {"_popup": "1", "_to_field": "id", "lookup": "1706.03762"})
    assert page.context["is_popup"] is True

    saved = staff_client.post(f"{ADD}?_to_field=id&_popup=1", as_posted(page) | {"_popup": "1"})

    paper = Paper.objects.get()
    assert saved.status_code == 200
    assert saved.context["popup_response_data"] == (
        f'{{"value": "{paper.pk}", "obj": "Attention Is All You Need"}}'
    )


def test_week_page_loads_the_rows_lookup_script_and_style(staff_client):
    from tests.factories import WeekFactory

    week = WeekFactory()

    page = staff_client.get(reverse("admin:syllabus_week_change", args=[week.pk])).content.decode()

    assert '<script src="/static/js/admin_paper_lookup.js"></script>' in page
    assert 'href="/static/css/admin_paper_lookup.css"' in page


def user(django_user_model, *codenames, is_staff=True):
    made = django_user_model.objects.create_user(username="u", password="x", is_staff=is_staff)
    made.user_permissions.set(
        Permission.objects.filter(content_type__app_label="papers", codename__in=codenames)
    )
    return made


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("signed in, not staff", 302),
        ("staff who may only view papers", 403),
        ("staff who may add papers", 200),
    ],
)
@pytest.mark.parametrize("how", ["add form ?lookup=", "add form Look up", "change form Look up"])
def test_lookup_in_the_admin_is_for_those_who_may_add_or_change_papers(
    network, client, django_user_model, who, expected, how
):
    answer_arxiv(network, "arxiv_1706.03762v5.xml")
    paper = PaperFactory()
    codenames = {
        "anonymous": None,
        "signed in, not staff": ["add_paper", "change_paper"],
        "staff who may only view papers": ["view_paper"],
        "staff who may add papers": ["add_paper", "change_paper", "view_paper"],
    }[who]
    if codenames is not None:
        client.force_login(user(django_user_model, *codenames, is_staff=who != "signed in, not staff"))
    change = reverse("admin:papers_paper_change", args=[paper.pk])

    if how == "add form ?lookup=":
        response = client.get(ADD, {"lookup": "1706.03762"})
    else:
        response = client.post(
            ADD if how == "add form Look up" else change, {"lookup": "1706.03762", "_lookup": "1"}
        )

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("admin:login"))
    if expected != 200:
        assert len(network.calls) == 0
    assert Paper.objects.count() == 1


def test_add_form_with_a_stored_lookup_costs_the_same_queries_with_more_papers(
    network, staff_client, django_assert_max_num_queries
):
    answer_arxiv(network, "arxiv_1706.03762v5.xml")
    staff_client.get(ADD, {"lookup": "1706.03762"})  # stores the answer; warms per-process caches
    network.reset()

    few = count_queries(lambda: staff_client.get(ADD, {"lookup": "1706.03762"}))
    for _ in range(3):
        PaperLinkFactory(paper=PaperFactory())
    with django_assert_max_num_queries(25):
        more = count_queries(lambda: staff_client.get(ADD, {"lookup": "1706.03762"}))

    assert few == more


def stored_lookups(count: int) -> None:
    from django.utils import timezone

    from papers.models import PaperLookup

    start = PaperLookup.objects.count()
    for number in range(start, start + count):
        PaperLookup.objects.create(
            identifier=f"doi:10.1000/{number}",
            source="doi",
            result={"source": "doi", "title": f"Paper {number}"},
            fetched_at=timezone.now(),
        )


@pytest.mark.parametrize("page", ["changelist", "change"])
def test_stored_lookups_pages_cost_the_same_queries_with_more_rows(
    staff_client, django_assert_max_num_queries, page
):
    from papers.models import PaperLookup

    stored_lookups(1)
    first = PaperLookup.objects.get()
    url = reverse(f"admin:papers_paperlookup_{page}", args=[first.pk] if page == "change" else [])
    staff_client.get(url)  # warm per-process caches

    few = count_queries(lambda: staff_client.get(url))
    stored_lookups(3)
    with django_assert_max_num_queries(25):
        more = count_queries(lambda: staff_client.get(url))

    assert few == more
    assert "doi:10.1000/0" in staff_client.get(url).content.decode()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("signed in, not staff", 302),
        ("staff who may not view them", 403),
        ("staff who may view them", 200),
    ],
)
def test_stored_lookups_are_read_only_for_staff_who_may_view_them(client, django_user_model, who, expected):
    from papers.models import PaperLookup

    stored_lookups(1)
    codenames = {
        "anonymous": None,
        "signed in, not staff": ["view_paperlookup"],
        "staff who may not view them": ["view_paper"],
        "staff who may view them": ["view_paperlookup", "change_paperlookup", "add_paperlookup"],
    }[who]
    if codenames is not None:
        client.force_login(user(django_user_model, *codenames, is_staff=who != "signed in, not staff"))
    stored = PaperLookup.objects.get()

    listing = client.get(reverse("admin:papers_paperlookup_changelist"))
    adding = client.get(reverse("admin:papers_paperlookup_add"))
    changing = client.post(
        reverse("admin:papers_paperlookup_change", args=[stored.pk]), {"identifier": "doi:10.1/changed"}
    )

    assert listing.status_code == expected
    assert adding.status_code == (expected if expected == 302 else 403)
    assert changing.status_code == (expected if expected == 302 else 403)
    assert PaperLookup.objects.get().identifier == "doi:10.1000/0"
