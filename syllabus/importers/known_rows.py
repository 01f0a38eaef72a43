"""What the database already holds, read once per import so that a post costs a handful of queries.

The importer keeps these maps up to date as it writes; after a post fails (its rows rolled back)
it reads them afresh.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from papers.models import Paper, PaperLink
from presenters.models import Presenter, PresenterAlias
from syllabus.importers.jekyll import normalise_title
from syllabus.models import Category, Tag, Term


@dataclass
class KnownRows:
    terms: dict[str, Term]  # by code
    categories: dict[str, Category]  # by lower-case name
    papers_by_title: dict[str, Paper]  # by normalised title
    papers_by_arxiv: dict[str, Paper]  # by lower-case arXiv id
    papers_by_doi: dict[str, Paper]  # by lower-case DOI
    paper_slugs: set[str]
    citation_keys: set[str]  # every paper's, so that a new paper's is chosen without a query
    links: dict[int, dict[str, PaperLink]]  # paper id -> address -> link
    presenters: dict[str, Presenter]  # by lower-case name and alias
    tags: dict[str, Tag] = field(default_factory=dict)  # by lower-case name, as the import meets them

    @classmethod
    def load(cls) -> "KnownRows":
        papers = list(Paper.objects.order_by("-id"))  # the oldest paper wins a shared title
        links: dict[int, dict[str, PaperLink]] = defaultdict(dict)
        for link in PaperLink.objects.all():
            links[link.paper_id][link.url] = link
        presenters = {presenter.name.lower(): presenter for presenter in Presenter.objects.all()}
        for alias in PresenterAlias.objects.select_related("presenter"):
            presenters.setdefault(alias.name.lower(), alias.presenter)
        return cls(
            terms={term.code: term for term in Term.objects.all()},
            categories={category.name.lower(): category for category in Category.objects.all()},
            papers_by_title={normalise_title(paper.title): paper for paper in papers},
            papers_by_arxiv={paper.arxiv_id.lower(): paper for paper in papers if paper.arxiv_id},
            papers_by_doi={paper.doi.lower(): paper for paper in papers if paper.doi},
            paper_slugs={paper.slug for paper in papers},
            citation_keys={paper.citation_key for paper in papers if paper.citation_key},
            links=links,
            presenters=presenters,
        )

    def remember_paper(self, paper: Paper) -> None:
        self.papers_by_title[normalise_title(paper.title)] = paper
        if paper.arxiv_id:
            self.papers_by_arxiv.setdefault(paper.arxiv_id.lower(), paper)
        if paper.doi:
            self.papers_by_doi.setdefault(paper.doi.lower(), paper)
        self.paper_slugs.add(paper.slug)
        if paper.citation_key:
            self.citation_keys.add(paper.citation_key)
