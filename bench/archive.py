"""A large seminar archive for the page benchmark (`make bench-pages`, .ci/bench-pages).

At scale 1: 40 published terms of 25 weekly sessions (1,000 weeks), 3 rows each (3,000 rows), 10,000
papers with abstracts of about 1,000 characters (the 3,000 read in a row are public), 500 presenters,
2,000 slide decks (links), 40 tags, 8 categories. Words come from a fixed vocabulary per topic, so a
search for "attention" finds the transformer papers and a made-up word finds nothing. Seeded: the
same scale gives the same archive (timestamps apart).

Rows are written with bulk_create, so the fields each model's save() computes (slugs, HTML, title
keys, meeting times) are filled in here, with the models' own helpers. Only fields that exist on the
base commit are set, so the same file fills an older checkout for "before" figures.

Inside Django, into an empty database:
    manage.py shell -c "import runpy; runpy.run_path('bench/archive.py', run_name='__main__')"
(BENCH_SCALE=0.1 for a tenth.)
"""

import datetime
import os
import random
import time
import uuid

from django.db import transaction
from django.utils.text import slugify

from papers.models import Paper, PaperLink, SlideDeck, title_key
from presenters.models import Presenter
from syllabus.markup import render_markdown
from syllabus.models import Category, Presentation, PresentationPresenter, Tag, Term, Week, free_slug

WEEKS_PER_TERM = 25
ROWS_PER_WEEK = 3
SIZES = {"terms": 40, "papers": 10_000, "presenters": 500, "decks": 2_000}
SEED = 12

# (tag, title phrase, words only papers of this topic use). "attention" belongs to the first alone.
TOPICS = [
    ("transformers", "Attention Models", "attention transformer self-attention heads encoder decoder tokens"),
    ("adversarial-examples", "Adversarial Robustness", "adversarial perturbation attack defense certified"),
    ("generative-models", "Generative Modelling", "generative diffusion sampling likelihood latent decoder"),
    ("reinforcement-learning", "Reinforcement Learning", "policy reward agent exploration value environment"),
    ("graph-networks", "Graph Neural Networks", "graph node edge message-passing neighbourhood"),
    ("optimisation", "Optimisation", "gradient descent convergence momentum step-size curvature"),
    ("interpretability", "Interpretability", "saliency explanation attribution concept probing"),
    ("meta-learning", "Meta-Learning", "few-shot adaptation episodes meta-gradient inner-loop"),
    ("privacy", "Privacy", "differential privacy membership inference noise clipping"),
    ("vision", "Visual Recognition", "image convolution pixels detection segmentation"),
    ("language-models", "Language Models", "language corpus vocabulary next-word pretraining"),
    ("causality", "Causal Inference", "causal intervention counterfactual confounder"),
    ("fairness", "Fairness", "fairness bias demographic parity groups"),
    ("compression", "Model Compression", "pruning quantisation distillation sparse"),
    ("bayesian-methods", "Bayesian Deep Learning", "posterior prior uncertainty variational"),
    ("self-supervision", "Self-Supervised Learning", "contrastive augmentation views pretext"),
    ("speech", "Speech Processing", "speech audio acoustic spectrogram phoneme"),
    ("theory", "Learning Theory", "generalisation bounds capacity overparameterised"),
    ("federated-learning", "Federated Learning", "federated clients aggregation communication"),
    ("continual-learning", "Continual Learning", "forgetting replay tasks plasticity"),
]
GENERAL_TAGS = [
    "survey", "benchmark", "dataset", "scaling", "efficiency", "robotics", "healthcare", "biology",
    "chemistry", "code", "multimodal", "retrieval", "recommendation", "time-series", "tabular",
    "evaluation", "hardware", "ethics", "education", "climate",
]  # fmt: skip
CATEGORIES = [
    "Foundations", "Architectures", "Generative Models", "Reliability",
    "Learning from Interaction", "Applications", "Theory", "Systems",
]  # fmt: skip
COMMON_WORDS = (
    "we propose method model models learning deep neural network networks training data results show "
    "performance approach task tasks experiments baseline baselines state-of-the-art representation "
    "representations framework novel simple effective efficient large scale improve improves improved "
    "evaluate analysis empirical theoretical demonstrate significantly outperforms existing prior work "
    "problem problems loss objective function features layers parameters architecture accuracy benchmark "
    "benchmarks datasets trained learned inference cost memory robust general across several various "
    "our this that which while using based on for with from of in to and the a an by is are can"
)
FIRST_NAMES = (
    "Maya Jonas Priya Luis Sofia Chen Amara Tomas Ingrid Kenji Fatima Oliver Lena Ravi Elena Mateo "
    "Hana Samuel Nadia Pierre Aisha Marco Yuki Daniel Zara Felix Noor Ivan Clara Omar Leila Hugo Mei "
    "Arjun Rosa Emil Sara Tariq Julia Kwame"
)
LAST_NAMES = (
    "Chen Okafor Raman Ortega Novak Silva Kowalski Tanaka Haddad Muller Rossi Nguyen Schmidt Patel "
    "Garcia Ivanova Dubois Kim Hansen Costa Yilmaz Moreau Sato Jensen Lopez Fischer Mensah Larsen "
    "Romero Weber Ahmed Berg Marino Popescu Fernandes Lindqvist Kato Mwangi Horvat Duarte"
)
NOUNS = [
    "Networks",
    "Models",
    "Representations",
    "Objectives",
    "Estimators",
    "Priors",
    "Layers",
    "Benchmarks",
]
VENUES = ["NeurIPS", "ICML", "ICLR", "ACL", "EMNLP", "CVPR", "AAAI", "COLT", "arXiv"]
AFFILIATIONS = ["Computer Science", "Statistics", "Electrical Engineering", "Mathematics", "Linguistics"]


def archive_sizes(scale: float = 1.0) -> dict[str, int]:
    """How many of each the archive holds at this scale (weeks and rows follow the terms)."""
    sizes = {name: max(1, round(number * scale)) for name, number in SIZES.items()}
    sizes["weeks"] = sizes["terms"] * WEEKS_PER_TERM
    sizes["rows"] = sizes["weeks"] * ROWS_PER_WEEK
    sizes["papers"] = max(sizes["papers"], sizes["rows"])  # every row reads its own paper
    sizes["decks"] = min(sizes["decks"], sizes["rows"])
    return sizes


class _Words:
    """Seeded text made of the vocabulary above."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.common = COMMON_WORDS.split()
        self.first_names, self.last_names = FIRST_NAMES.split(), LAST_NAMES.split()

    def sentence(self, topic_words: list[str]) -> str:
        words = [
            self.random.choice(topic_words) if self.random.random() < 0.2 else self.random.choice(self.common)
            for _ in range(self.random.randint(10, 18))
        ]
        return " ".join(words).capitalize() + "."

    def paragraph(self, topic_words: list[str], characters: int) -> str:
        sentences = []
        while sum(len(sentence) + 1 for sentence in sentences) < characters:
            sentences.append(self.sentence(topic_words))
        return " ".join(sentences)

    def name(self) -> str:
        return f"{self.random.choice(self.first_names)} {self.random.choice(self.last_names)}"

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.random.getrandbits(128), version=4)


def _slugged(objects: list, text_of, taken: set[str] | None = None) -> list:
    """Give each object a unique slug as the models' save() would (title, title-2, ...)."""
    taken = set() if taken is None else taken
    for item in objects:
        item.slug = free_slug(text_of(item), taken.__contains__)
        taken.add(item.slug)
    return objects


def _link(through, pairs: list[tuple[str, int, str, int]]) -> None:
    """Bulk-create many-to-many rows: pairs of (field, id, field, id)."""
    through.objects.bulk_create(
        [through(**{left: left_id, right: right_id}) for left, left_id, right, right_id in pairs],
        batch_size=2000,
    )


@transaction.atomic
def archive_generate(*, scale: float = 1.0, seed: int = SEED) -> dict[str, int]:
    """Fill an empty database with the archive; returns what it made, by noun."""
    sizes = archive_sizes(scale)
    words = _Words(seed)
    topic_words = [words_.split() for _, _, words_ in TOPICS]

    categories = Category.objects.bulk_create(
        _slugged([Category(name=name, order=number) for number, name in enumerate(CATEGORIES)], str)
    )
    tag_names = [name for name, _, _ in TOPICS] + GENERAL_TAGS
    tags = Tag.objects.bulk_create(_slugged([Tag(name=name) for name in tag_names], str))
    topic_tags, general_tags = tags[: len(TOPICS)], tags[len(TOPICS) :]

    presenters = []
    taken_names = set()
    while len(presenters) < sizes["presenters"]:
        name = words.name()
        if name in taken_names and len(taken_names) < len(words.first_names) * len(words.last_names):
            continue
        taken_names.add(name)
        bio = f"Works on {words.random.choice(TOPICS)[1].lower()} in {words.random.choice(AFFILIATIONS)}."
        presenters.append(Presenter(name=name, affiliation=words.random.choice(AFFILIATIONS), bio=bio))
    for presenter in presenters:
        presenter.bio_html = render_markdown(presenter.bio)
    presenters = Presenter.objects.bulk_create(_slugged(presenters, str), batch_size=1000)

    # Row i reads paper i, on the topic of its week; the papers after the rows are read nowhere.
    paper_topics = [
        number // ROWS_PER_WEEK % len(TOPICS)
        if number < sizes["rows"]
        else words.random.randrange(len(TOPICS))
        for number in range(sizes["papers"])
    ]
    papers = []
    for number, topic in enumerate(paper_topics):
        phrase = TOPICS[topic][1]
        year = 2005 + number % 21
        title = f"{words.random.choice(['Towards', 'Rethinking', 'Scalable', 'Learning', 'On'])} {phrase}"
        title += f" with {words.random.choice(topic_words[topic]).title()} {words.random.choice(NOUNS)}"
        abstract = words.paragraph(topic_words[topic], 1000)
        papers.append(
            Paper(
                title=title,
                authors=", ".join(words.name() for _ in range(words.random.randint(1, 5))),
                venue=words.random.choice(VENUES),
                year=year,
                abstract=abstract,
                abstract_html=render_markdown(abstract),
                title_key=title_key(title)[:500],
                arxiv_id=f"{year % 100:02d}{number % 12 + 1:02d}.{number:05d}",
            )
        )
    papers = Paper.objects.bulk_create(_slugged(papers, str), batch_size=1000)
    PaperLink.objects.bulk_create(
        [
            PaperLink(paper=paper, kind="pdf", url=f"https://arxiv.org/pdf/{paper.arxiv_id}")
            for paper in papers
        ],
        batch_size=2000,
    )
    paper_tags = []
    for paper, topic in zip(papers, paper_topics, strict=True):
        chosen = {topic_tags[topic]}
        chosen.update(words.random.sample(general_tags, words.random.randint(1, 2)))
        paper_tags += [("paper_id", paper.id, "tag_id", tag.id) for tag in chosen]
    _link(Paper.tags.through, paper_tags)

    terms = []
    for number in range(sizes["terms"]):
        year, autumn = 2027 - sizes["terms"] // 2 + number // 2, number % 2 == 1
        season = "Fall" if autumn else "Spring"
        start = datetime.date(year, 7, 6) if autumn else datetime.date(year, 1, 5)
        description = f"We read one or two papers a week on **{TOPICS[number % len(TOPICS)][1].lower()}**."
        terms.append(
            Term(
                name=f"Deep Learning Reading Group, {season} {year}",
                code=f"{year}{season}",
                start_date=start,
                end_date=start + datetime.timedelta(weeks=WEEKS_PER_TERM),
                description=description,
                description_html=render_markdown(description),
                is_published=True,
                weekday=start.weekday(),
                start_time=datetime.time(16, 0),
                duration_minutes=90,
                place="Room 2.14, Computer Science Building",
                time_zone="Europe/Berlin",
            )
        )
    terms = Term.objects.bulk_create(_slugged(terms, str))

    weeks = []
    for term in terms:
        taken = set()
        for position in range(1, WEEKS_PER_TERM + 1):
            topic = len(weeks) % len(TOPICS)
            body = words.paragraph(topic_words[topic], 200)
            week = Week(
                term=term,
                position=position,
                code=f"{term.code}-W{position}",
                title=f"{TOPICS[topic][1]}: {words.random.choice(topic_words[topic])}",
                date=term.start_date + datetime.timedelta(weeks=position - 1),
                body=body,
                body_html=render_markdown(body),
                is_published=True,
                uuid=words.uuid(),
            )
            week.starts_at, week.ends_at = week.meeting_times()
            weeks.append(week)
            _slugged([week], lambda week: week.title, taken)
    weeks = Week.objects.bulk_create(weeks, batch_size=1000)
    week_categories, week_tags = [], []
    for number, week in enumerate(weeks):
        topic = number % len(TOPICS)
        week_categories.append(("week_id", week.id, "category_id", categories[topic % len(categories)].id))
        week_tags.append(("week_id", week.id, "tag_id", topic_tags[topic].id))
        week_tags.append(("week_id", week.id, "tag_id", general_tags[number % len(general_tags)].id))
    _link(Week.categories.through, week_categories)
    _link(Week.tags.through, week_tags)

    rows = [
        Presentation(week=week, order=order, section="Required readings" if order == 1 else "More readings")
        for week in weeks
        for order in range(1, ROWS_PER_WEEK + 1)
    ]
    for row, paper in zip(rows, papers, strict=False):
        row.paper = paper
    rows = Presentation.objects.bulk_create(rows, batch_size=2000)
    # Every presenter presents in turn; one row in five has a second presenter.
    credits = [
        PresentationPresenter(presentation=row, presenter=presenters[number % len(presenters)], order=0)
        for number, row in enumerate(rows)
    ]
    credits += [
        PresentationPresenter(presentation=row, presenter=presenters[(number + 1) % len(presenters)], order=1)
        for number, row in enumerate(rows)
        if number % 5 == 0 and len(presenters) > 1
    ]
    PresentationPresenter.objects.bulk_create(credits, batch_size=2000)

    decked = [number for number in range(len(rows)) if number % ROWS_PER_WEEK != ROWS_PER_WEEK - 1]
    decked += [number for number in range(len(rows)) if number % ROWS_PER_WEEK == ROWS_PER_WEEK - 1]
    decks = []
    for number in decked[: sizes["decks"]]:
        row, week = rows[number], weeks[number // ROWS_PER_WEEK]
        decks.append(
            SlideDeck(
                title=f"Slides: {slugify(row.paper.title)[:40]}",
                url=f"https://slides.example.edu/{week.term.slug}/{week.slug}/{row.order}",
                presenter=presenters[number % len(presenters)],
                presentation=row,
                week=week,
            )
        )
    SlideDeck.objects.bulk_create(decks, batch_size=2000)

    return {
        "terms": len(terms),
        "weeks": len(weeks),
        "rows": len(rows),
        "papers": len(papers),
        "presenters": len(presenters),
        "decks": len(decks),
        "tags": len(tags),
        "categories": len(categories),
    }


if __name__ == "__main__":
    started = time.perf_counter()
    made = archive_generate(scale=float(os.environ.get("BENCH_SCALE", "1")))
    summary = ", ".join(f"{number:,} {noun}" for noun, number in made.items())
    print(f"archive: {summary} in {time.perf_counter() - started:.1f} s")
