"""Write parsed Jekyll posts into the seminar's tables: a savepoint per post, idempotent.

A week is keyed on its source file, a row on (week, order), a paper on its arXiv id or DOI
(when the titles agree) and then its normalised title, a presenter on a name or alias (any case).
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import DatabaseError, transaction

from papers import slides
from papers.models import Paper, PaperLink, SlideDeck
from presenters.models import Presenter, PresenterAlias
from syllabus import services
from syllabus.caching import content_changed
from syllabus.freshness import weeks_touch
from syllabus.history import ADDED, history_batch, history_record
from syllabus.importers.fast_writes import citation_key_assign, tags_known, worth_retrying
from syllabus.importers.jekyll import (
    Link,
    Post,
    PostError,
    Reading,
    normalise_title,
    read_post,
    similar_titles,
)
from syllabus.importers.known_rows import KnownRows
from syllabus.importers.site_config import SiteConfig, Source, session_to_fill, sources_date
from syllabus.importers.site_paths import SitePaths, site_paths_for_import, weeks_relink
from syllabus.importers.term_names import TermName, TermNamer, terms_name
from syllabus.media import media_follow_presenters
from syllabus.models import Category, Presentation, PresentationPresenter, Term, Week, free_slug
from syllabus.text import single_line


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # posts not imported: "file:line: why"
    problems: list[str] = field(default_factory=list)  # imported, but worth a look: "file: line N: what"
    notes: list[str] = field(default_factory=list)  # where addresses, dates and term names came from

    def report(self) -> list[str]:
        order = ["posts", "failed posts", "terms", "weeks", "papers", "links", "presenters", "abstracts"]
        order += ["slide decks copied", "slide decks linked", "slide decks missing"]
        order += ["files copied", "paths linked to the old site"]
        return [f"{name}: {self.counts[name]}" for name in order]


class SiteImporter:
    def __init__(
        self,
        site_dir: Path,
        *,
        site_url: str = "",
        dry_run: bool = False,
        thumbnails: bool = True,
        start_date: datetime.date | None = None,
        weekday: int | None = None,
        term_names: dict[str, TermName] | None = None,
    ):
        self.site_dir = site_dir
        self.config = SiteConfig.read(site_dir)
        self.site_url = (site_url or self.config.site_url).rstrip("/")
        self.dry_run = dry_run
        self.thumbnails = thumbnails
        self.start_date, self.weekday = start_date, weekday
        self.term_namer = TermNamer(site_dir, term_names)
        self.summary = Summary()
        if self.site_url and not site_url:
            self.summary.notes.append(f"site address: {self.site_url} (url and baseurl in _config.yml)")
        self.categories = self._category_pages()
        self.known: KnownRows | None = None
        self.presenters_seen: set[str] = set()
        self.credited: set[int] = set()  # presenters newly credited by the posts imported (photos follow)
        self.credited_by_post: set[int] = set()
        self.paths: SitePaths | None = None
        self.term_dates: dict[str, tuple[datetime.date, datetime.date]] = {}  # first and last post

    def run(self, only: str = "*") -> Summary:
        posts = self._dated(self.config.sources(self.site_dir, only))
        known_people = self._known_people(posts)
        # One transaction, so one commit, for the whole site; each post is a savepoint of it, rolled
        # back alone when it fails. A dry run is the real run rolled back, so its summary is the real one.
        with transaction.atomic():
            self.known = KnownRows.load()
            every_post = [source.path for source in self.config.sources(self.site_dir, "*")]
            self.paths = site_paths_for_import(
                self.site_dir, self.site_url, every_post, config=self.config, store=not self.dry_run
            )
            terms = {post.term for post in (self._import(source, known_people) for source in posts) if post}
            # bulk_create sends no signals: a presenter a published week now credits shows their photo.
            media_follow_presenters(presenter_ids=self.credited)  # once for the site, not per post
            if weeks_relink(paths=self.paths):
                content_changed()
            renamed = terms_name(codes={self._term_code(code) for code in terms}, namer=self.term_namer)
            if self.dry_run:
                transaction.set_rollback(True)
        self.summary.counts["terms"] = len(terms)
        self.summary.counts.update(self.paths.counts)
        self.summary.problems += self.paths.problems
        self.summary.notes += self.term_namer.report() + ([f"terms renamed: {renamed}"] if renamed else [])
        self.summary.problems += [
            f"presenters {short!r} and {long!r} may be one person (make one an alias of the other)"
            for short, long in maybe_one_person(
                self.presenters_seen, {p.name for p in self.known.presenters.values()}
            )
        ]
        return self.summary

    def _dated(self, sources: list[Source]) -> list[Source]:
        """The sources with a date; collection documents no date was found for are refused."""
        dating = sources_date(sources, start=self.start_date, weekday=self.weekday)
        self.summary.notes += dating.report()
        for source in dating.refused:
            self.summary.counts["failed posts"] += 1
            self.summary.failures.append(
                f"{source.where}:1: no date: none in its file name or front matter, term {source.term!r} "
                "has no meeting schedule here, and no --start-date was given"
            )
        return [source for source in sources if source.date is not None or not source.collection]

    def _import(self, source: Source, known_people: set[str]) -> Post | None:
        """One post in its own transaction; None, with the reason in the summary, when it fails."""
        where = source.where
        for attempt in (1, 2):  # a second time after a clash with another writer (fast_writes.py)
            try:
                post = read_post(source.path, known_people, date=source.date)
                post.term = post.term or source.term
            except PostError as error:
                self.summary.counts["failed posts"] += 1
                self.summary.failures.append(f"{where}:{error.line or 1}: {error}")
                return None
            counts = self.summary.counts.copy()
            try:
                # One insert per historical table for the whole post, however many rows it has.
                with transaction.atomic(), history_batch():
                    self._load(post, where)
                self.credited |= self.credited_by_post
                break
            except (DatabaseError, ValidationError, ValueError) as error:
                self.known = KnownRows.load()  # the post's rows were rolled back
                if attempt == 1 and worth_retrying(error):
                    self.summary.counts = counts  # counted again on the second try
                    continue
                self.summary.counts["failed posts"] += 1
                self.summary.failures.append(f"{where}:1: could not be saved: {error}")
                return None
        self.summary.counts["posts"] += 1
        self.summary.problems.extend(f"{where}: {problem}" for problem in post.problems)
        return post

    def _known_people(self, posts: list[Source]) -> set[str]:
        """Names the site shows to be people: beside slide links, in slide file names, or already presenters.

        A word of a slide file name that is also a word of a paper title on the site is a topic
        ("20170724_Memory_Augmented.pdf"), not a person ("20170912-Ceyer.pdf").
        """
        names = {name.lower() for name in Presenter.objects.values_list("name", flat=True)}
        names |= {name.lower() for name in PresenterAlias.objects.values_list("name", flat=True)}
        file_name_words, title_words = set(), set()
        for source in posts:
            try:
                post = read_post(source.path, date=source.date)
            except PostError:
                continue  # reported on the real pass
            code = self._term_code(post.term or source.term)
            first, last = self.term_dates.get(code, (post.date, post.date))
            self.term_dates[code] = (min(first, post.date), max(last, post.date))
            names |= post.slide_names
            file_name_words |= post.file_name_words
            title_words |= post.title_words
        return names | (file_name_words - title_words)

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
        self.paths.rewrite_post(post, where)  # images and links: copied, linked here or to the old site
        term = self._term(post)
        week = Week.objects.filter(source_path=where).first()
        week = (
            week or session_to_fill(term=term, date=post.date, source_path=where) or Week(source_path=where)
        )
        is_new = week.pk is None
        # Names are one line (the models' validators say so; an import normalises instead of failing).
        title, code = single_line(post.title)[:300], single_line(post.code)[:50]
        wanted = (term.pk, title, code, post.date, post.intro, post.body, True)
        # A new week, or a generated session the post takes over, has no slug yet.
        if not week.slug or wanted != (
            week.term_id,
            week.title,
            week.code,
            week.date,
            week.intro,
            week.body,
            week.is_published,
        ):
            week.term, week.title, week.code, week.date = term, title, code, post.date
            week.intro, week.body, week.is_published = post.intro, post.body, True
            if week.position is None:
                week.position = term.weeks.count() + 1
            week.save()  # an unchanged post leaves its week (and the week's history) alone
        self.summary.counts["weeks"] += 1
        # A new week has none yet: adding them is what set() would do, without reading them first.
        fill = (
            (lambda related, rows: related.add(*rows))
            if is_new
            else (lambda related, rows: related.set(rows))
        )
        fill(week.categories, [self._category(name) for name in post.categories])
        fill(week.tags, tags_known(names=post.tags, known=self.known.tags))
        table = WeekTable.read(week, is_new)
        rows = [
            self._row(table, order, reading, post) for order, reading in enumerate(post.readings, start=1)
        ]
        PresentationPresenter.objects.bulk_create(table.new_entries)
        SlideDeck.objects.bulk_create(table.new_decks)
        history_record(rows=[*table.new_entries, *table.new_decks], history_type=ADDED)
        content_changed()
        if table.new_entries or table.new_decks:
            weeks_touch(week_ids=[week.pk])  # bulk_create sends no signals; the rows' saves did
        self.credited_by_post = {entry.presenter_id for entry in table.new_entries}
        if not is_new:
            stale = week.presentations.exclude(pk__in=[row.pk for row in rows])
            SlideDeck.objects.filter(presentation__in=stale).delete()
            stale.delete()
        self.paths.week_saved(where, week)

    @staticmethod
    def _term_code(key: str) -> str:
        return single_line(key)[:50] or "imported"

    def _term(self, post: Post) -> Term:
        """The post's term, its dates stretched once to all of its posts (not once per post)."""
        code = self._term_code(post.term)
        first, last = self.term_dates.get(code, (post.date, post.date))
        first, last = min(first, post.date), max(last, post.date)
        term = self.known.terms.get(code)
        if term is None:
            named, _ = self.term_namer.name(code)
            term = Term(code=code, name=named.name[:200], description=named.description, is_published=True)
            term.start_date, term.end_date = first, last
        elif term.start_date <= first and last <= term.end_date:
            return term
        term.start_date, term.end_date = min(term.start_date, first), max(term.end_date, last)
        term.save()
        self.known.terms[code] = term
        return term

    def _category(self, name: str) -> Category:
        page = self.categories.get(name, {})
        name = single_line(name)[:100]
        category = self.known.categories.get(name.lower()) or Category(name=name)
        wanted = (page.get("description", category.description), page.get("order", category.order))
        if category.pk is None or wanted != (category.description, category.order):
            category.description, category.order = wanted
            category.save()
            self.known.categories[name.lower()] = category
        return category

    def _row(self, table: "WeekTable", order: int, reading: Reading, post: Post) -> Presentation:
        paper = self._paper(reading, post) if reading.title else None
        row = table.rows.get(order) or Presentation(week=table.week, order=order)
        wanted = (
            single_line(reading.section)[:200],
            single_line(reading.label)[:200],
            paper.pk if paper else None,
        )
        notes = row.notes or reading.notes  # a reviewer's note from the post; notes written here stay
        if row.pk is None or wanted != (row.section, row.label, row.paper_id) or notes != row.notes:
            row.section, row.label, row.paper, row.notes = wanted[0], wanted[1], paper, notes
            row.save()
        presenters = list(dict.fromkeys(self._presenter(name) for name in reading.presenters))
        table.credit(row, presenters)
        for link, named in reading.slides:
            self._slides(
                table, row, link, self._presenter(named) if named else (presenters or [None])[0], post
            )
        return row

    def _paper(self, reading: Reading, post: Post) -> Paper:
        title, key = single_line(reading.title)[:500], normalise_title(reading.title)
        known, paper = self.known, None
        for index, value in ((known.papers_by_arxiv, reading.arxiv_id), (known.papers_by_doi, reading.doi)):
            candidate = index.get(value.lower()) if value else None
            if candidate and similar_titles(candidate.title, title):
                paper = candidate
                break
        paper = paper or known.papers_by_title.get(key)
        if paper is None:
            paper = Paper(title=title)
            paper.slug = free_slug(title, known.paper_slugs.__contains__)
            self.summary.counts["papers"] += 1
        before = (paper.venue, paper.year, paper.authors, paper.abstract, paper.arxiv_id, paper.doi)
        paper.venue = paper.venue or single_line(reading.venue)[:200]
        paper.year = paper.year or reading.year
        paper.authors = paper.authors or single_line(reading.authors)
        if reading.abstract and reading.abstract not in paper.abstract:
            paper.abstract = (paper.abstract + "\n\n" + reading.abstract).strip()
            self.summary.counts["abstracts"] += 1
        # An id already on another paper (same link, different title) stays there: two papers.
        if reading.arxiv_id and not paper.arxiv_id and reading.arxiv_id.lower() not in known.papers_by_arxiv:
            paper.arxiv_id = reading.arxiv_id
        if reading.doi and not paper.doi and reading.doi.lower() not in known.papers_by_doi:
            paper.doi = reading.doi
        if paper.pk is None or before != (
            paper.venue,
            paper.year,
            paper.authors,
            paper.abstract,
            paper.arxiv_id,
            paper.doi,
        ):
            citation_key_assign(paper, known.citation_keys)
            paper.save()
        known.remember_paper(paper)
        known.papers_by_title[key] = paper  # the reading's spelling finds it too
        if reading.tags:
            paper.tags.add(*tags_known(names=reading.tags, known=self.known.tags))
        self._links(paper, reading, post)
        return paper

    def _links(self, paper: Paper, reading: Reading, post: Post) -> None:
        known_links = self.known.links[paper.pk]
        new, seen = [], set()
        for order, link in enumerate(reading.links):
            url = self._absolute(link.url)
            if len(url) > 1000:  # cut short it would lead elsewhere: the post's body still has it
                post.problems.append(f"line {reading.line}: link {url[:80]}… is too long to store")
                continue
            if url in seen:
                continue  # the same address twice in one row: the first one stands
            seen.add(url)
            if not url:
                post.problems.append(
                    f"line {reading.line}: relative link {link.url} kept out (no --site-url)"
                )
                continue
            wanted = (link.kind, single_line(link.label)[:200], order)
            current = known_links.get(url)
            if current is None:
                current = known_links[url] = PaperLink(paper=paper, url=url)
                new.append(current)
            elif current.pk is None or wanted == (current.kind, current.label, current.order):
                continue  # unchanged
            current.kind, current.label, current.order = wanted
            if current.pk:
                current.save()
        PaperLink.objects.bulk_create(new)
        history_record(rows=new, history_type=ADDED)
        content_changed()
        self.summary.counts["links"] += len(new)

    def _presenter(self, name: str) -> Presenter:
        name = single_line(name)[:200]
        presenter = self.known.presenters.get(name.lower())
        if presenter is None:
            presenter = self.known.presenters[name.lower()] = Presenter.objects.create(name=name)
            self.summary.counts["presenters"] += 1
        self.presenters_seen.add(presenter.name)
        return presenter

    def _slides(self, table: "WeekTable", row: Presentation, link: Link, presenter, post: Post) -> None:
        title = single_line(link.label)[:300]
        title = title if title.lower() not in {"pdf", "slides", "ourslide", ""} else ""
        local = None if link.url.startswith(("http://", "https://")) else self.site_dir / link.url.lstrip("/")
        if local is not None and local.is_file():
            relative = local.relative_to(self.site_dir).as_posix()
            if table.deck_from(relative) is not None:
                return
            with local.open("rb") as handle:
                try:
                    slides.slide_kind(handle)
                except ValidationError:
                    post.problems.append(f"slides {link.url}: not a PDF or PowerPoint file; linked instead")
                else:
                    deck = SlideDeck(week=table.week, presentation=row, presenter=presenter, title=title)
                    deck.source_path, deck.make_previews = relative, self.thumbnails
                    if not self.dry_run:
                        deck.file = File(handle, name=local.name)
                        deck.save()
                        table.decks.append(deck)
                    self.summary.counts["slide decks copied"] += 1
                    return
        url = link.url if local is None else self._absolute(link.url)
        if not url:
            self.summary.counts["slide decks missing"] += 1
            post.problems.append(f"slides {link.url} are not in the site and no --site-url was given")
            return
        deck = table.deck_with_url(url[:1000])
        if deck is None:
            deck = SlideDeck(
                week=table.week, url=url[:1000], presentation=row, presenter=presenter, title=title
            )
            table.new_decks.append(deck)
            self.summary.counts["slide decks linked"] += 1
        elif deck.pk and (deck.presentation_id, deck.presenter_id, deck.title) != (
            row.pk,
            presenter.pk if presenter else None,
            title,
        ):
            deck.presentation, deck.presenter, deck.title = row, presenter, title
            deck.save()

    def _absolute(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            return url
        return f"{self.site_url}/{url.lstrip('/')}" if self.site_url else ""


def maybe_one_person(seen: set[str], everyone: set[str]) -> list[tuple[str, str]]:
    """Pairs, one of them `seen`, where one name starts or ends the other: "Arsh"/"Arshdeep", "Ji"/"GaoJi"."""
    return sorted(
        (short, long)
        for short in everyone
        for long in everyone
        if short != long
        and (short in seen or long in seen)
        and (long.lower().startswith(short.lower()) or long.endswith(short))
    )


@dataclass
class WeekTable:
    """A week's rows, their presenters and slide decks as stored, read in three queries (none if new)."""

    week: Week
    rows: dict[int, Presentation]  # by order
    credits: dict[int, list[int]]  # presentation id -> presenter ids in order
    decks: list[SlideDeck]
    new_entries: list[PresentationPresenter] = field(default_factory=list)
    new_decks: list[SlideDeck] = field(default_factory=list)

    @classmethod
    def read(cls, week: Week, is_new: bool) -> "WeekTable":
        if is_new:
            return cls(week, {}, {}, [])
        credits: dict[int, list[int]] = {}
        for entry in PresentationPresenter.objects.filter(presentation__week=week).order_by("order"):
            credits.setdefault(entry.presentation_id, []).append(entry.presenter_id)
        rows = {row.order: row for row in week.presentations.all()}
        return cls(week, rows, credits, list(week.slide_decks.all()))

    def credit(self, row: Presentation, presenters: list[Presenter]) -> None:
        """Credit exactly these presenters: in one insert with the week's others when the row is new."""
        if [presenter.pk for presenter in presenters] == self.credits.get(row.pk, []):
            return
        if row.pk in self.credits:
            services.presentation_set_presenters(presentation=row, presenters=presenters)
        else:
            self.new_entries += [
                PresentationPresenter(presentation=row, presenter=presenter, order=order)
                for order, presenter in enumerate(presenters)
            ]
        self.credits[row.pk] = [presenter.pk for presenter in presenters]

    def deck_from(self, source_path: str) -> SlideDeck | None:
        return next((deck for deck in self.decks if deck.source_path == source_path), None)

    def deck_with_url(self, url: str) -> SlideDeck | None:
        return next((deck for deck in [*self.decks, *self.new_decks] if deck.url == url), None)
