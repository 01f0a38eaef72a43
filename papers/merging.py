"""Merging duplicate papers into one: everything that points at the others moves to the kept paper.

Rows of weeks (and with them their slide decks), links (an address the kept paper already has is
dropped), tags (the union), and the descriptive fields the kept paper lacks. Then the others are
deleted. `papers_merge_plan` says what a merge would do, for the admin's confirmation page;
`papers_merge` does it, in one transaction holding the papers' rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from papers.models import Paper, PaperLink, SlideDeck
from syllabus.caching import content_changed
from syllabus.freshness import weeks_touch
from syllabus.history import ADDED, history_batch, history_record
from syllabus.media import media_follow_weeks
from syllabus.models import Presentation, Tag

# Filled from the others, in the order given, where the kept paper has nothing.
FILLED_FIELDS = ("authors", "venue", "year", "abstract", "arxiv_id", "doi")


@dataclass
class MergePlan:
    keep: Paper
    others: list[Paper]
    rows: list[Presentation] = field(default_factory=list)
    decks: int = 0
    links_moved: list[PaperLink] = field(default_factory=list)
    links_dropped: list[PaperLink] = field(default_factory=list)
    tags_added: list[Tag] = field(default_factory=list)
    filled: dict[str, object] = field(default_factory=dict)
    links_added: list[PaperLink] = field(default_factory=list)  # the others' other ids, kept as links

    @property
    def summary(self) -> list[str]:
        """What moves, in sentences an instructor can check before confirming."""

        def count(number: int, noun: str) -> str:
            return f"{number} {noun}{'' if number == 1 else 's'}"

        lines = [
            f"{count(len(self.rows), 'row')} of weeks move to “{self.keep.title}”, "
            f"with {count(self.decks, 'slide deck')}.",
            f"{count(len(self.links_moved), 'link')} move; "
            f"{count(len(self.links_dropped), 'link')} to an address it already has are dropped.",
        ]
        if self.tags_added:
            lines.append("Tags added: " + ", ".join(tag.name for tag in self.tags_added) + ".")
        for name, value in self.filled.items():
            label = Paper._meta.get_field(name).verbose_name
            shown = str(value) if len(str(value)) <= 80 else str(value)[:77] + "..."
            lines.append(f"Its empty {label} becomes “{shown}”.")
        for link in self.links_added:
            lines.append(f"Another id of the others is kept as a link: {link.url}.")
        lines.append(
            f"Then {count(len(self.others), 'paper')} "
            f"{'is' if len(self.others) == 1 else 'are'} deleted: "
            + ", ".join(f"“{paper.title}” (id {paper.pk})" for paper in self.others)
            + "."
        )
        return lines


def _check(keep: Paper, others: Sequence[Paper]) -> list[Paper]:
    others = list({paper.pk: paper for paper in others if paper.pk != keep.pk}.values())
    if not keep.pk:
        raise ValidationError("The paper to keep must be saved.")
    if not others:
        raise ValidationError("Choose at least one other paper to merge into the kept one.")
    return sorted(others, key=lambda paper: paper.pk)


def papers_merge_plan(*, keep: Paper, others: Sequence[Paper]) -> MergePlan:
    """What `papers_merge` would move, in a fixed number of queries (it changes nothing)."""
    others = _check(keep, others)
    other_ids = [paper.pk for paper in others]
    plan = MergePlan(keep=keep, others=others)
    plan.rows = list(
        Presentation.objects.filter(paper_id__in=other_ids)
        .select_related("week__term")
        .order_by("week__date")
    )
    plan.decks = SlideDeck.objects.filter(presentation__paper_id__in=other_ids).count()
    known = set(keep.links.values_list("url", flat=True))
    for link in PaperLink.objects.filter(paper_id__in=other_ids).order_by("paper_id", "order", "id"):
        if link.url in known:
            plan.links_dropped.append(link)
        else:
            known.add(link.url)
            plan.links_moved.append(link)
    plan.tags_added = list(
        Tag.objects.filter(papers__in=other_ids).exclude(papers=keep).distinct().order_by("name")
    )
    for name in FILLED_FIELDS:
        if getattr(keep, name) in ("", None):
            value = next((getattr(p, name) for p in others if getattr(p, name) not in ("", None)), None)
            if value is not None:
                plan.filled[name] = value
    # An arXiv id or DOI that cannot be the kept paper's own (it has one) is not lost: it becomes a link.
    for name, address, kind in (
        ("arxiv_id", "https://arxiv.org/abs/{}", PaperLink.Kind.ABSTRACT),
        ("doi", "https://doi.org/{}", PaperLink.Kind.OTHER),
    ):
        own = plan.filled.get(name) or getattr(keep, name)
        for paper in others:
            value = getattr(paper, name)
            url = address.format(value)
            if value and value.lower() != own.lower() and url not in known:
                known.add(url)
                plan.links_added.append(PaperLink(paper=keep, kind=kind, url=url))
    return plan


def papers_merge(*, keep: Paper, others: Sequence[Paper]) -> Paper:
    """Merge `others` into `keep` (see the module docstring) and delete them; returns the kept paper.

    The papers' rows are locked first (in id order, so two merges cannot deadlock) and read again,
    so a change saved meanwhile is merged rather than overwritten.
    """
    others = _check(keep, others)
    with transaction.atomic(), history_batch():
        ids = sorted([keep.pk, *(paper.pk for paper in others)])
        locked = {p.pk: p for p in Paper.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        if keep.pk not in locked:
            raise ValidationError("The paper to keep no longer exists.")
        keep = locked[keep.pk]
        others = [locked[paper.pk] for paper in others if paper.pk in locked]
        if not others:
            raise ValidationError("The other papers no longer exist.")
        plan = papers_merge_plan(keep=keep, others=others)
        other_ids = [paper.pk for paper in others]

        week_ids = {row.week_id for row in plan.rows}
        Presentation.objects.filter(paper_id__in=other_ids).update(paper=keep)
        for row in plan.rows:
            row.paper = keep
        history_record(rows=plan.rows)
        content_changed()  # and for the links below, in the same transaction
        weeks_touch(week_ids=week_ids)  # their rows name the kept paper now
        _repoint_other_relations(keep, other_ids)

        if plan.links_moved:
            start = (keep.links.aggregate(last=Max("order"))["last"] or 0) + 1
            for offset, link in enumerate(plan.links_moved):
                link.paper, link.order = keep, start + offset
            PaperLink.objects.bulk_update(plan.links_moved, ["paper", "order"])
            history_record(rows=plan.links_moved)
        if plan.links_added:
            start = (keep.links.aggregate(last=Max("order"))["last"] or 0) + 1
            for offset, link in enumerate(plan.links_added):
                link.order = start + offset
            PaperLink.objects.bulk_create(plan.links_added)
            history_record(rows=plan.links_added, history_type=ADDED)
        keep.tags.add(*plan.tags_added)

        # The others go before the kept paper takes their arXiv id or DOI (each is unique).
        Paper.objects.filter(pk__in=other_ids).delete()
        for name, value in plan.filled.items():
            setattr(keep, name, value)
        keep.save()
        media_follow_weeks(week_ids=week_ids)  # rows changed paper, not week: a no-op unless that matters
    return keep


def _repoint_other_relations(keep: Paper, other_ids: list[int]) -> None:
    """Other apps' foreign keys to a paper (e.g. metadata fetched for it) follow it too, not cascade away."""
    handled = {Presentation, PaperLink}
    for relation in Paper._meta.related_objects:
        if relation.one_to_many and relation.related_model not in handled:
            relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": other_ids}).update(
                **{relation.field.name: keep}
            )
