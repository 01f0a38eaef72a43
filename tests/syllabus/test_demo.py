import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from simple_history.models import HistoricalChanges

from papers.models import Paper, PaperLink, PaperLookup, SlideDeck
from presenters.models import AbstractProposal, Activity, Presenter, PresenterAlias, Reminder
from syllabus.models import Category, Presentation, PresentationPresenter, Tag, Term, Week
from syllabus.signup.models import Claim, PoolPaper, Preference, RankedPaper, Signup, Slot, Vote

pytestmark = pytest.mark.django_db

MODELS = [
    Term,
    Category,
    Tag,
    Week,
    Presentation,
    PresentationPresenter,
    Paper,
    PaperLink,
    PaperLookup,
    Presenter,
    PresenterAlias,
    Activity,
    AbstractProposal,
    Reminder,
    SlideDeck,
    Signup,
    PoolPaper,
    Slot,
    Vote,
    Claim,
    Preference,
    RankedPaper,
]


def snapshot() -> dict[str, list[dict]]:
    """Every row of every seminar table, timestamps included."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def test_load_demo_builds_a_seminar_worth_browsing(capsys):
    call_command("load_demo")

    term = Term.objects.get()
    assert term.is_published
    assert term.weeks.count() >= 6
    assert Paper.objects.exclude(arxiv_id="").count() >= 12
    assert Presenter.objects.count() >= 4
    assert SlideDeck.objects.count() >= 3
    assert not Presentation.objects.filter(paper__isnull=True).exists()
    assert all(
        paper.links.filter(url__startswith="https://arxiv.org/abs/").exists() for paper in Paper.objects.all()
    )
    assert "8 weeks, 16 papers, 5 presenters, 4 slide decks" in capsys.readouterr().out


def test_load_demo_twice_changes_nothing():
    call_command("load_demo")
    before = snapshot()

    call_command("load_demo")

    assert snapshot() == before


def test_load_demo_if_empty_leaves_an_edited_database_alone(capsys):
    call_command("load_demo")
    Week.objects.filter(position=1).update(title="Renamed by the instructor")

    call_command("load_demo", "--if-empty")

    assert Week.objects.filter(title="Renamed by the instructor").count() == 1
    assert "the demo was not loaded" in capsys.readouterr().out


def test_load_demo_credits_presenters_in_order():
    call_command("load_demo")

    row = Presentation.objects.get(paper__arxiv_id="1706.03762")

    assert [p.name for p in row.ordered_presenters] == ["Sofia Novak", "Maya Chen"]


def test_demo_admin_is_refused_without_debug(settings, django_user_model):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="refused unless DEBUG is on"):
        call_command("load_demo", "--admin")

    assert not django_user_model.objects.exists()


def test_demo_admin_is_created_once_with_debug(settings, django_user_model):
    settings.DEBUG = True

    call_command("load_demo", "--admin")
    call_command("load_demo", "--admin")

    admin = django_user_model.objects.get()
    assert (admin.username, admin.is_superuser, admin.check_password("admin")) == ("admin", True, True)


def test_snapshot_covers_every_model_of_our_apps():
    ours = {m for app in ("syllabus", "papers", "presenters") for m in apps.get_app_config(app).get_models()}
    ours -= {m for m in ours if issubclass(m, HistoricalChanges)}  # history is not the seminar's data

    assert ours == set(MODELS)
