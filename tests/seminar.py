"""A seminar of every kind of row, around anchor rows whose pages the query-count tests load."""

from dataclasses import dataclass

from papers.models import Paper, PaperLink, SlideDeck
from presenters.models import Presenter
from syllabus.models import Category, Presentation, Tag, Term, Week
from tests.factories import (
    CategoryFactory,
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterAliasFactory,
    PresenterFactory,
    SlideDeckFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
    pdf_file,
    png_file,
)


@dataclass
class Seminar:
    """One row of each kind that the pages under test are about; `grow` adds rows around them."""

    term: Term
    week: Week
    presentation: Presentation
    paper: Paper
    presenter: Presenter
    deck: SlideDeck
    category: Category
    tag: Tag
    link: PaperLink

    @classmethod
    def create(cls) -> "Seminar":
        term = TermFactory()
        week = WeekFactory(term=term)
        paper = PaperFactory()
        presentation = PresentationFactory(week=week, paper=paper)
        presenter = PresenterFactory(photo=png_file())
        PresentationPresenterFactory(presentation=presentation, presenter=presenter)
        deck = SlideDeckFactory(week=week, presentation=presentation, presenter=presenter)
        seminar = cls(
            term=term,
            week=week,
            presentation=presentation,
            paper=paper,
            presenter=presenter,
            deck=deck,
            category=CategoryFactory(),
            tag=TagFactory(),
            link=PaperLinkFactory(paper=paper),
        )
        seminar.grow(1)
        return seminar

    def grow(self, count: int) -> None:
        """Add `count` more rows of every kind, both around the anchor rows and on their own."""
        for _ in range(count):
            week = WeekFactory(term=self.term, date=self.week.date)
            category, tag = CategoryFactory(), TagFactory()
            week.categories.add(category, self.category)
            week.tags.add(tag, self.tag)
            self.week.categories.add(category)
            self.week.tags.add(tag)
            paper = PaperFactory(abstract="An abstract with $x^2$ math.")
            paper.tags.add(tag, self.tag)
            self.paper.tags.add(tag)
            PaperLinkFactory(paper=self.paper)
            PaperLinkFactory(paper=paper)
            row = PresentationFactory(week=self.week, paper=paper)
            presenter = PresenterFactory(photo=png_file())
            PresenterAliasFactory(presenter=self.presenter)
            PresentationPresenterFactory(presentation=row, presenter=presenter)
            PresentationPresenterFactory(presentation=row, presenter=self.presenter)
            PresentationPresenterFactory(presentation=self.presentation, presenter=presenter)
            SlideDeckFactory(week=self.week, presentation=row, presenter=presenter)
            SlideDeckFactory(week=week, url="", file=pdf_file())
            SlideDeckFactory(week=self.week, presenter=PresenterFactory())  # for the whole session
            # The anchor paper is read again in the new week, with its own presenter.
            reread = PresentationFactory(week=week, paper=self.paper)
            PresentationPresenterFactory(presentation=reread, presenter=self.presenter)
