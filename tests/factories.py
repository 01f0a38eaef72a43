"""Valid rows with no surprises. Files are tiny and made here, never read from disk."""

import datetime
import io
import re
import zipfile

import factory
import pypdfium2 as pdfium
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from papers.models import Paper, PaperLink, SlideDeck
from presenters.models import Presenter, PresenterAlias
from syllabus.models import Category, Presentation, PresentationPresenter, Tag, Term, Week
from syllabus.signup.models import Claim, ClaimStatus, PoolPaper, Preference, RankedPaper, Signup, Slot, Vote


def make_pdf(pages: int = 2, size: tuple[int, int] = (600, 400)) -> bytes:
    """A real PDF with blank pages of `size` points, made with pdfium."""
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(*size)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pptx(
    slides: int = 3, thumbnail: tuple[int, int] | None = (256, 192), thumbnail_bytes: bytes | None = None
) -> bytes:
    """The parts of a PowerPoint file that Syllabus reads: content types, presentation, app, thumbnail.

    `thumbnail_bytes` replace the JPEG picture PowerPoint would save, to test what else may be there.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("ppt/presentation.xml", '<?xml version="1.0"?><p:presentation/>')
        archive.writestr(
            "docProps/app.xml", f'<?xml version="1.0"?><Properties><Slides>{slides}</Slides></Properties>'
        )
        if thumbnail_bytes is not None:
            archive.writestr("docProps/thumbnail.jpeg", thumbnail_bytes)
        elif thumbnail:
            picture = io.BytesIO()
            Image.new("RGB", thumbnail, "navy").save(picture, format="JPEG")
            archive.writestr("docProps/thumbnail.jpeg", picture.getvalue())
    return buffer.getvalue()


PDF_BYTES = make_pdf()


def shape(name: str) -> str:
    """A stored slide name with its random folder shown as <random>: slides/term/week/<random>/a.pdf."""
    return re.sub(r"^(slides/[^/]+/[^/]+)/[\w-]{8}/", r"\1/<random>/", name)


def png_file(name: str = "photo.png", size: tuple[int, int] = (8, 8)) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name)


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    name = factory.Sequence(lambda n: f"Term {n}")
    start_date = datetime.date(2026, 9, 1)
    end_date = datetime.date(2026, 12, 18)
    is_published = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class WeekFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Week

    term = factory.SubFactory(TermFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Session {n}")
    date = factory.Sequence(lambda n: datetime.date(2026, 9, 3) + datetime.timedelta(weeks=n % 15))
    is_published = True


class PresenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Presenter

    name = factory.Sequence(lambda n: f"Presenter {n}")
    email = factory.LazyAttribute(lambda p: f"{p.name.lower().replace(' ', '.')}@example.edu")


class PresenterAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PresenterAlias

    presenter = factory.SubFactory(PresenterFactory)
    name = factory.Sequence(lambda n: f"Alias{n}")


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    title = factory.Sequence(lambda n: f"A Study of Things, Part {n}")
    authors = "Ada Lovelace, Alan Turing"
    venue = "ICML"
    year = 2020


class PaperLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaperLink

    paper = factory.SubFactory(PaperFactory)
    kind = PaperLink.Kind.PDF
    url = factory.Sequence(lambda n: f"https://papers.example.org/{n}.pdf")


class PresentationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Presentation

    week = factory.SubFactory(WeekFactory)
    order = factory.Sequence(lambda n: n + 1)
    paper = factory.SubFactory(PaperFactory)


class PresentationPresenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PresentationPresenter

    presentation = factory.SubFactory(PresentationFactory)
    presenter = factory.SubFactory(PresenterFactory)
    order = factory.Sequence(lambda n: n)


class SlideDeckFactory(factory.django.DjangoModelFactory):
    """A linked deck; pass `file=pdf_file()` and `url=""` for an uploaded one."""

    class Meta:
        model = SlideDeck

    week = factory.SubFactory(WeekFactory)
    title = factory.Sequence(lambda n: f"Slides {n}")
    url = factory.Sequence(lambda n: f"https://slides.example.edu/{n}.pdf")


def pdf_file(name: str = "deck.pdf") -> ContentFile:
    return ContentFile(PDF_BYTES, name=name)


def public_paper(**fields) -> Paper:
    """A paper read in a published week, so the public can see it."""
    paper = PaperFactory(**fields)
    PresentationFactory(paper=paper)
    return paper


def public_presenter(**fields) -> Presenter:
    """A presenter of a published week, so the public can see them."""
    presenter = PresenterFactory(**fields)
    PresentationPresenterFactory(presenter=presenter)
    return presenter


def invited_presenter(**fields) -> Presenter:
    """A presenter with an account (what an invitation makes): a user with no password, not staff."""
    from presenters.signin import presenter_user_ensure

    presenter = PresenterFactory(**fields)
    presenter_user_ensure(presenter=presenter)
    presenter.refresh_from_db()
    return presenter


class PresenterUserFactory(factory.django.DjangoModelFactory):
    """A presenter's account as an invitation makes it: no usable password, not staff, no permissions."""

    class Meta:
        model = "auth.User"

    username = factory.Sequence(lambda n: f"presenter-{n}@example.edu")
    email = factory.LazyAttribute(lambda user: user.username)
    password = factory.django.Password(None)


class SignedInPresenterFactory(PresenterFactory):
    """A presenter with an account (`Presenter.user`), ready for `client.force_login(presenter.user)`."""

    user = factory.SubFactory(
        PresenterUserFactory,
        username=factory.SelfAttribute("..email"),
        email=factory.SelfAttribute("..email"),
    )


# Sign-up (syllabus/signup/).


class SignupFactory(factory.django.DjangoModelFactory):
    """An open first-come sign-up whose deadline is two weeks away."""

    class Meta:
        model = Signup

    term = factory.SubFactory(TermFactory)
    is_open = True
    deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))


class PoolPaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoolPaper

    term = factory.SubFactory(TermFactory)
    paper = factory.SubFactory(PaperFactory)


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    week = factory.SubFactory(WeekFactory)


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    pool_paper = factory.SubFactory(PoolPaperFactory)
    presenter = factory.SubFactory(SignedInPresenterFactory)


class ClaimFactory(factory.django.DjangoModelFactory):
    """A confirmed claim of place 1 with a paper of the slot's term; pass `place` for a second one."""

    class Meta:
        model = Claim

    slot = factory.SubFactory(SlotFactory)
    presenter = factory.SubFactory(SignedInPresenterFactory)
    pool_paper = factory.SubFactory(PoolPaperFactory, term=factory.SelfAttribute("..slot.week.term"))
    status = ClaimStatus.CONFIRMED
    place = 1


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preference

    signup = factory.SubFactory(SignupFactory, mode="preferences")
    presenter = factory.SubFactory(SignedInPresenterFactory)


class RankedPaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RankedPaper

    preference = factory.SubFactory(PreferenceFactory)
    pool_paper = factory.SubFactory(PoolPaperFactory, term=factory.SelfAttribute("..preference.signup.term"))
    rank = factory.Sequence(lambda n: n + 1)
