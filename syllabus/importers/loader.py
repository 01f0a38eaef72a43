"""Write parsed Jekyll posts into the seminar's tables: one transaction per post, idempotent.

A week is keyed on its source file, a row on (week, order), a paper on its arXiv id or DOI
(when the titles agree) and then its normalised title, a presenter on a name or alias (any case).
"""

import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import DatabaseError, transaction
from django.db.models import Q

from papers.models import Paper, PaperLink, SlideDeck
from presenters.models import Presenter, PresenterAlias
from syllabus import services
from syllabus.importers.jekyll import (
    Link,
    Post,
    PostError,
    Reading,
    normalise_title,
    read_post,
    similar_titles,
)
from syllabus.models import Category, Presentation, Term, Week


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # posts not imported: "file:line: why"
    problems: list[str] = field(default_factory=list)  # imported, but worth a look: "file: line N: what"

    def report(self) -> list[str]:
        order = ["posts", "failed posts", "terms", "weeks", "papers", "links", "presenters", "abstracts"]
        order += ["slide decks copied", "slide decks linked", "slide decks missing"]
        return [f"{name}: {self.counts[name]}" for name in order]


class SiteImporter:
    def __init__(self, site_dir: Path, *, site_url: str = "", dry_run: bool = False):
        self.site_dir = site_dir
        self.site_url = site_url.rstrip("/")
        self.dry_run = dry_run
        self.summary = Summary()
        self.categories = self._category_pages()
        # Looked up once per run, then kept up to date: papers by normalised title, presenters by name.
        self.papers_by_title: dict[str, Paper] | None = None
        self.presenters_by_name: dict[str, Presenter] = {}

    def run(self, only: str = "*") -> Summary:
        found = [*(self.site_dir / "_posts").glob("*.md"), *(self.site_dir / "_posts").glob("*.markdown")]
        posts = sorted(path for path in found if fnmatch.fnmatch(path.name, only))
        known_people = self._known_people(posts)
        terms = set()
        for path in posts:
            where = f"_posts/{path.name}"
            try:
                post = read_post(path, known_people)
            except PostError as error:
                self.summary.counts["failed posts"] += 1
                self.summary.failures.append(f"{where}:{error.line or 1}: {error}")
                continue
            try:
                with transaction.atomic():
                    self._load(post, where)
                    if self.dry_run:
                        transaction.set_rollback(True)
            except (DatabaseError, ValidationError, ValueError) as error:
                self.summary.counts["failed posts"] += 1
                self.summary.failures.append(f"{where}:1: could not be saved: {error}")
                self._forget_cached_rows()
                continue
            if self.dry_run:
                self._forget_cached_rows()  # they were rolled back
            terms.add(post.term)
            self.summary.counts["posts"] += 1
            self.summary.problems.extend(f"{where}: {problem}" for problem in post.problems)
        self.summary.counts["terms"] = len(terms)
        return self.summary

    def _known_people(self, posts: list[Path]) -> set[str]:
        """Names the site shows to be people: beside slide links, in slide file names, or already presenters."""
        names = {name.lower() for name in Presenter.objects.values_list("name", flat=True)}
        names |= {name.lower() for name in PresenterAlias.objects.values_list("name", flat=True)}
        for path in posts:
            try:
                names |= read_post(path).slide_names
            except PostError:
                continue  # reported on the real pass
        return names

    def _forget_cached_rows(self) -> None:
        self.papers_by_title, self.presenters_by_name = None, {}

    def _category_pages(self) -> dict[str, dict]:
        """Category descriptions and order from `_pages/*.md` with `layout: category`."""
        found = {}
        for path in sorted((self.site_dir / "_pages").glob("*.md")):
            try:
                meta = frontmatter.load(path).metadata
            except (yaml.YAMLError, OSError, UnicodeDecodeError):
                continue  # a broken index page only loses a category's description
            if meta.get("layout") == "category" and meta.get("taxonomy"):
                order = str(meta.get("order", "0"))
                found[str(meta["taxonomy"])] = {
                    "description": str(meta.get("desc") or ""),
                    "order": int(order) if order.isdigit() else 0,
                }
        return found

    # One post ---------------------------------------------------------------------------------
    def _load(self, post: Post, where: str) -> None:
        term = self._term(post)
        week = Week.objects.filter(source_path=where).first() or Week(source_path=where)
        week.term, week.title, week.code, week.date = term, post.title[:300], post.code[:50], post.date
        week.body, week.is_published = post.body, True
        if week.position is None:
            week.position = term.weeks.count() + 1
        week.save()
        self.summary.counts["weeks"] += 1
        week.categories.set([self._category(name) for name in post.categories])
        week.tags.set(services.tags_get_or_create(names=post.tags))
        rows = [self._row(week, order, reading, post) for order, reading in enumerate(post.readings, start=1)]
        stale = week.presentations.exclude(pk__in=[row.pk for row in rows])
        SlideDeck.objects.filter(presentation__in=stale).delete()
        stale.delete()

    def _term(self, post: Post) -> Term:
        code = post.term or "imported"
        term = Term.objects.filter(code=code).first()
        if term is None:
            term = Term(code=code, name=code, start_date=post.date, end_date=post.date, is_published=True)
        term.start_date, term.end_date = min(term.start_date, post.date), max(term.end_date, post.date)
        term.save()
        return term

    def _category(self, name: str) -> Category:
        page = self.categories.get(name, {})
        category = Category.objects.filter(name__iexact=name).first() or Category(name=name)
        category.description = page.get("description", category.description)
        category.order = page.get("order", category.order)
        category.save()
        return category

    def _row(self, week: Week, order: int, reading: Reading, post: Post) -> Presentation:
        paper = self._paper(reading, post) if reading.title else None
        row = week.presentations.filter(order=order).first() or Presentation(week=week, order=order)
        row.section, row.label, row.paper = reading.section[:200], reading.label[:200], paper
        row.save()
        presenters = [self._presenter(name) for name in reading.presenters]
        services.presentation_set_presenters(presentation=row, presenters=presenters)
        for link, named in reading.slides:
            self._slides(
                week, row, link, self._presenter(named) if named else (presenters or [None])[0], post
            )
        return row

    def _paper(self, reading: Reading, post: Post) -> Paper:
        title, key = reading.title[:500], normalise_title(reading.title)
        paper = None
        for field_name, value in (("arxiv_id", reading.arxiv_id), ("doi", reading.doi)):
            candidate = Paper.objects.filter(**{f"{field_name}__iexact": value}).first() if value else None
            if candidate and similar_titles(candidate.title, title):
                paper = candidate
                break
        if self.papers_by_title is None:
            self.papers_by_title = {normalise_title(p.title): p for p in Paper.objects.order_by("-id")}
        paper = paper or self.papers_by_title.get(key)
        if paper is None:
            paper = Paper(title=title)
            self.summary.counts["papers"] += 1
        paper.venue = paper.venue or reading.venue[:200]
        paper.year = paper.year or reading.year
        paper.authors = paper.authors or reading.authors
        if reading.abstract and reading.abstract not in paper.abstract:
            paper.abstract = (paper.abstract + "\n\n" + reading.abstract).strip()
            self.summary.counts["abstracts"] += 1
        for field_name, value in (("arxiv_id", reading.arxiv_id), ("doi", reading.doi)):
            if not value or getattr(paper, field_name):
                continue
            # An id already on another paper (same link, different title) stays there: two papers.
            if not Paper.objects.filter(**{f"{field_name}__iexact": value}).exclude(pk=paper.pk).exists():
                setattr(paper, field_name, value)
        paper.save()
        self.papers_by_title[key] = paper
        if reading.tags:
            paper.tags.add(*services.tags_get_or_create(names=reading.tags))
        for order, link in enumerate(reading.links):
            url = self._absolute(link.url)
            if not url:
                post.problems.append(
                    f"line {reading.line}: relative link {link.url} kept out (no --site-url)"
                )
                continue
            _, created = PaperLink.objects.update_or_create(
                paper=paper,
                url=url[:1000],
                defaults={"kind": link.kind, "label": link.label[:200], "order": order},
            )
            self.summary.counts["links"] += created
        return paper

    def _presenter(self, name: str) -> Presenter:
        if cached := self.presenters_by_name.get(name.lower()):
            return cached
        same = Q(name__iexact=name) | Q(aliases__name__iexact=name)
        presenter = Presenter.objects.filter(same).first()
        if presenter is None:
            presenter = Presenter.objects.create(name=name)
            self.summary.counts["presenters"] += 1
        elif (
            presenter.name.lower() != name.lower()
            and not PresenterAlias.objects.filter(name__iexact=name).exists()
        ):
            PresenterAlias.objects.create(presenter=presenter, name=name)
        self.presenters_by_name[name.lower()] = presenter
        return presenter

    def _slides(self, week: Week, row: Presentation, link: Link, presenter, post: Post) -> None:
        title = link.label if link.label.lower() not in {"pdf", "slides", "ourslide", ""} else ""
        local = None if link.url.startswith(("http://", "https://")) else self.site_dir / link.url.lstrip("/")
        if local is not None and local.is_file():
            # Stored under its folder in the old site, so that equal names in two folders never collide.
            relative = local.relative_to(self.site_dir).as_posix()
            existing = week.slide_decks.filter(file__endswith="/" + relative).first()
            if existing is None:
                deck = SlideDeck(week=week, presentation=row, presenter=presenter, title=title)
                if not self.dry_run:
                    with local.open("rb") as handle:
                        deck.file.save(relative, File(handle), save=False)
                    deck.save()
                self.summary.counts["slide decks copied"] += 1
            return
        url = link.url if local is None else self._absolute(link.url)
        if not url:
            self.summary.counts["slide decks missing"] += 1
            post.problems.append(f"slides {link.url} are not in the site and no --site-url was given")
            return
        _, created = SlideDeck.objects.update_or_create(
            week=week, url=url[:1000], defaults={"presentation": row, "presenter": presenter, "title": title}
        )
        self.summary.counts["slide decks linked"] += created

    def _absolute(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            return url
        return f"{self.site_url}/{url.lstrip('/')}" if self.site_url else ""
