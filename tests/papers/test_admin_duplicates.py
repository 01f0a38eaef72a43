"""The admin says which papers are already known, and merges duplicates once an instructor confirms."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from papers.models import Paper
from syllabus.models import Presentation
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TermFactory,
    WeekFactory,
)
from tests.syllabus.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db


def add_data(**fields) -> dict:
    """What the paper add page sends, with an empty links inline unless `links` are given."""
    links = fields.pop("links", [])
    data = {
        "title": "",
        "slug": "",
        "authors": "",
        "venue": "",
        "year": "",
        "arxiv_id": "",
        "doi": "",
        "abstract": "",
        "links-TOTAL_FORMS": str(len(links)),
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, url in enumerate(links):
        data.update({f"links-{index}-url": url, f"links-{index}-kind": "pdf", f"links-{index}-order": "0"})
    return data


def read_paper(title: str, **fields) -> Paper:
    """A paper read in Fall 2026, week 3 by Ada Lovelace, with slides."""
    paper = PaperFactory(title=title, **fields)
    week = WeekFactory(term=TermFactory(name="Fall 2026"), position=3, title="Transformers")
    row = PresentationFactory(week=week, paper=paper)
    PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name="Ada Lovelace"))
    SlideDeckFactory(week=week, presentation=row, url="https://slides.example.edu/attention.pdf")
    return paper


def duplicates_panel(response) -> str:
    page = response.content.decode()
    start = page.index('<div class="paper-duplicates"')
    return " ".join(page[start : page.index("</div>", start)].split())


# The paper form


def test_adding_a_known_title_stops_once_to_show_where_it_was_read(staff_client):
    known = read_paper("Attention Is All You Need")

    response = staff_client.post(admin_url(Paper, "add"), add_data(title="attention is all you need!"))

    assert response.status_code == 200
    panel = duplicates_panel(response)
    week = known.presentations.get().week
    assert (
        f"<strong>Attention Is All You Need</strong> (ICML 2020), same title: "
        f'read in <a href="{admin_url(week, "change", week.pk)}">Fall 2026, week 3 (Transformers)</a> '
        f'by Ada Lovelace; <a href="https://slides.example.edu/attention.pdf">slides</a>.'
    ) in panel
    assert f'<a class="paper-duplicates-use" href="{admin_url(known, "change", known.pk)}">Open</a>' in panel
    assert 'name="save_anyway"' in panel
    assert response.context["adminform"].form.non_field_errors() == [
        "A paper with this title is already known (see above). Use it, or tick "
        "“It is a different paper: save anyway”."
    ]
    assert Paper.objects.count() == 1


def test_a_known_title_can_still_be_saved(staff_client):
    read_paper("Attention Is All You Need")

    response = staff_client.post(
        admin_url(Paper, "add"),
        # The slug as the page fills it in from the title: the known paper's.
        add_data(title="Attention is all you need", slug="attention-is-all-you-need", save_anyway="on"),
    )

    assert response.status_code == 302
    assert sorted(Paper.objects.values_list("title", "slug")) == [
        ("Attention Is All You Need", "attention-is-all-you-need"),
        ("Attention is all you need", "attention-is-all-you-need-2"),
    ]


def test_a_slug_typed_on_purpose_is_still_refused_when_taken(staff_client):
    PaperFactory(title="Old", slug="taken")

    response = staff_client.post(admin_url(Paper, "add"), add_data(title="New", slug="taken"))

    assert response.context["adminform"].form.errors == {"slug": ["Paper with this Slug already exists."]}


def test_a_known_arxiv_id_in_a_link_is_an_error_naming_the_paper(staff_client):
    known = read_paper("Attention Is All You Need", arxiv_id="1706.03762")

    response = staff_client.post(
        admin_url(Paper, "add"),
        add_data(
            title="Transformer paper", links=["https://arxiv.org/pdf/1706.03762v5.pdf"], save_anyway="on"
        ),
    )

    form = response.context["adminform"].form
    assert form.errors == {
        "arxiv_id": [
            f"“Attention Is All You Need” (id {known.pk}) already has the arXiv id 1706.03762: use that paper."
        ]
    }
    assert "same arXiv id 1706.03762: read in" in duplicates_panel(response)
    assert Paper.objects.count() == 1


def test_a_known_doi_is_said_once(staff_client):
    known = PaperFactory(title="ImageNet Classification", doi="10.1145/3065386")

    response = staff_client.post(
        admin_url(Paper, "add"), add_data(title="AlexNet", doi="https://doi.org/10.1145/3065386")
    )

    assert response.context["adminform"].form.errors == {
        "doi": [
            f"“ImageNet Classification” (id {known.pk}) already has the DOI 10.1145/3065386: use that paper."
        ]
    }


def test_a_new_paper_saves_without_a_word(staff_client):
    PaperFactory(title="Something Else", arxiv_id="1234.56789")

    response = staff_client.post(
        admin_url(Paper, "add"), add_data(title="Fresh Ideas", arxiv_id="arXiv:2101.00001")
    )

    assert response.status_code == 302
    assert Paper.objects.get(title="Fresh Ideas").arxiv_id == "2101.00001"


def test_in_a_rows_popup_the_known_paper_can_be_used_instead(staff_client):
    known = read_paper("Attention Is All You Need")
    add = admin_url(Paper, "add") + "?_to_field=id&_popup=1"

    response = staff_client.post(add, {**add_data(title="Attention is all you need"), "_popup": "1"})

    use = reverse("admin:papers_paper_use", args=[known.pk]) + "?_popup=1&_to_field=id"
    shown = use.replace("&", "&amp;")
    assert f'<a class="paper-duplicates-use" href="{shown}">Use this paper</a>' in duplicates_panel(response)
    chosen = staff_client.get(use)
    assert chosen.templates[0].name == "admin/popup_response.html"
    assert json.loads(chosen.context["popup_response_data"]) == {
        "value": str(known.pk),
        "obj": "Attention Is All You Need",
    }


def test_using_a_paper_needs_the_view_permission(client, django_user_model):
    paper = PaperFactory()
    url = reverse("admin:papers_paper_use", args=[paper.pk]) + "?_popup=1"
    staff = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)
    client.force_login(staff)

    assert client.get(url).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_paper"))
    assert client.get(url).status_code == 200


def test_an_existing_papers_page_names_its_look_alikes(staff_client):
    paper = PaperFactory(title="Deep Residual Learning")
    PaperLinkFactory(paper=paper, url="https://arxiv.org/abs/1512.03385")
    twin = PaperFactory(title="ResNet", arxiv_id="1512.03385v1")

    response = staff_client.get(admin_url(paper, "change", paper.pk))

    panel = duplicates_panel(response)
    assert "<strong>ResNet</strong> (ICML 2020), same arXiv id 1512.03385: not read yet." in panel
    assert admin_url(twin, "change", twin.pk) in panel
    assert "save_anyway" not in panel


def test_saving_an_existing_paper_unchanged_is_not_stopped_by_its_look_alikes(staff_client):
    paper = PaperFactory(title="Same")
    PaperFactory(title="same")
    url = admin_url(paper, "change", paper.pk)
    page = staff_client.get(url)

    response = staff_client.post(url, {**form_data(page), "_edit_snapshot": page.context["edit_snapshot"]})

    assert response.status_code == 302


# A week's rows


def test_a_weeks_rows_say_where_else_their_paper_was_read(staff_client):
    paper = read_paper("Attention Is All You Need")
    week = WeekFactory(title="Again")
    PresentationFactory(week=week, paper=paper, order=1)
    PresentationFactory(week=week, paper=PaperFactory(title="New"), order=2)

    page = staff_client.get(admin_url(week, "change", week.pk)).content.decode()

    assert "read in Fall 2026, week 3 (Transformers) by Ada Lovelace; slides" in page
    assert page.count("not read yet") == 1


def test_choosing_a_paper_read_in_another_week_of_the_term_warns_after_saving(staff_client):
    term = TermFactory()
    earlier = WeekFactory(term=term, position=1, title="Intro")
    paper = PaperFactory(title="Repeated")
    PresentationFactory(week=earlier, paper=paper, order=1)
    week = WeekFactory(term=term, position=2)
    url = admin_url(week, "change", week.pk)
    page = staff_client.get(url)
    data = {**form_data(page), "_edit_snapshot": page.context["edit_snapshot"]}
    data["presentations-0-paper"] = str(paper.pk)

    response = staff_client.post(url, data, follow=True)

    assert "“Repeated” is also read in week 1 (Intro) of this term." in [
        str(m) for m in response.context["messages"]
    ]
    assert list(week.presentations.values_list("paper__title", flat=True)) == ["Repeated"]


def test_week_page_queries_with_readings_do_not_grow(staff_client, django_assert_max_num_queries):
    week = WeekFactory()

    def grow(count):
        for _ in range(count):
            paper = read_paper("Read before")
            row = PresentationFactory(week=week, paper=paper, order=week.presentations.count() + 1)
            PresentationPresenterFactory(presentation=row)

    def load():
        assert staff_client.get(admin_url(week, "change", week.pk)).status_code == 200

    grow(1)
    load()
    small = count_queries(load)
    grow(2)
    with django_assert_max_num_queries(small):
        load()


# Merging


def merge_post(client, papers, **extra):
    data = {"action": "merge_papers", "_selected_action": [str(p.pk) for p in papers], **extra}
    return client.post(admin_url(Paper, "changelist"), data, follow=True)


def test_merge_action_asks_which_to_keep_and_shows_what_moves(staff_client):
    keep = read_paper("Attention Is All You Need")
    other = PaperFactory(title="Attention is all you need.", authors="")

    page = merge_post(staff_client, [other, keep])

    text = " ".join(page.content.decode().split())
    assert page.templates[0].name == "admin/papers/paper/merge.html"
    assert f'<input type="radio" name="keep" value="{keep.pk}" id="keep-{keep.pk}" checked>' in text
    assert "1 link move" not in text
    assert f"<li>Then 1 paper is deleted: “Attention is all you need.” (id {other.pk}).</li>" in text
    assert "Fall 2026, week 3 (Transformers)</a> by Ada Lovelace" in text
    assert Paper.objects.count() == 2


def test_choosing_another_paper_shows_its_summary_before_merging(staff_client):
    first, second = PaperFactory(title="First"), PaperFactory(title="Second")

    page = merge_post(
        staff_client, [first, second], keep=str(second.pk), summarised=str(first.pk), confirm="1"
    )

    assert page.context["keep"] == second  # summarised for the first: shown again, not merged
    assert Paper.objects.count() == 2


def test_confirmed_merge_keeps_the_chosen_paper(staff_client):
    keep, other = PaperFactory(title="Keep me"), PaperFactory(title="Keep me.")
    row = PresentationFactory(paper=other)

    page = merge_post(staff_client, [keep, other], keep=str(keep.pk), summarised=str(keep.pk), confirm="1")

    assert [str(m) for m in page.context["messages"]] == ["Merged 2 papers into “Keep me”."]
    assert list(Paper.objects.values_list("title", flat=True)) == ["Keep me"]
    assert Presentation.objects.get(pk=row.pk).paper_id == keep.pk


def test_merging_one_paper_is_refused_with_a_message(staff_client):
    paper = PaperFactory()

    page = merge_post(staff_client, [paper])

    assert [str(m) for m in page.context["messages"]] == ["Select two or more papers to merge."]
    assert Paper.objects.count() == 1


def _user(django_user_model, *, staff: bool, perms: tuple[str, ...]):
    user = django_user_model.objects.create_user(username="someone", password="x", is_staff=staff)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="papers", codename__in=perms)
    )
    return user


@pytest.mark.parametrize(
    ("who", "perms", "expected"),
    [
        ("anonymous", (), "sent to log in"),
        ("signed-in", ("view_paper", "change_paper", "delete_paper"), "sent to log in"),
        ("staff", (), "forbidden"),
        ("staff", ("view_paper", "change_paper"), "no such action"),
        ("staff", ("view_paper", "delete_paper"), "no such action"),
        ("staff", ("change_paper", "delete_paper"), "merged"),
    ],
)
def test_merge_action_permissions(client, django_user_model, who, perms, expected):
    keep, other = PaperFactory(title="Kept"), PaperFactory(title="Other")
    if who != "anonymous":
        client.force_login(_user(django_user_model, staff=who == "staff", perms=perms))
    changelist = admin_url(Paper, "changelist")
    data = {
        "action": "merge_papers",
        "_selected_action": [str(keep.pk), str(other.pk)],
        "keep": str(keep.pk),
        "summarised": str(keep.pk),
        "confirm": "1",
    }

    response = client.post(changelist, data)

    if response.status_code == 403:
        outcome = "forbidden"
    elif response.status_code == 302 and response["Location"].startswith(reverse("admin:login")):
        outcome = "sent to log in"
    elif Paper.objects.count() == 1:
        outcome = "merged"
    else:
        page = client.get(changelist)
        messages = [str(m) for m in page.context["messages"]]
        assert 'value="merge_papers"' not in page.content.decode()
        # Not offered: refused as no action, or (no action offered at all) the list is shown again.
        outcome = "no such action" if messages in ([], ["No action selected."]) else messages
    assert outcome == expected
    assert Paper.objects.count() == (1 if expected == "merged" else 2)


def test_merge_page_queries_do_not_grow(staff_client, django_assert_max_num_queries):
    papers = [read_paper("Same") for _ in range(4)]

    def load(count):
        return lambda: merge_post(staff_client, papers[:count])

    merge_post(staff_client, papers[:2])  # warm caches
    small = count_queries(load(2))
    with django_assert_max_num_queries(small):
        load(4)()
