"""A small sample seminar, written for this project, that `manage.py load_demo` loads.

Papers are real and well known; the abstracts are our own one-line summaries. The presenters
are invented. Loading is idempotent: rows are found by a natural key and only saved when a
value differs, so a second run changes nothing.
"""

import datetime
import io
import textwrap
from typing import Any

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from papers.models import Paper, PaperLink, SlideDeck
from presenters.models import Presenter, PresenterAlias
from syllabus.models import Category, Presentation, Term, Week
from syllabus.services import presentation_set_presenters, tags_get_or_create, term_refresh_week_times

TERM = {
    "slug": "fall-2026",
    "name": "Deep Learning Reading Group, Fall 2026",
    "code": "2026Fall",
    "start_date": datetime.date(2026, 9, 1),
    "end_date": datetime.date(2026, 12, 18),
    "is_published": True,
    "weekday": 3,  # Thursday, as every demo week's date
    "start_time": datetime.time(15, 0),
    "duration_minutes": 90,
    "time_zone": "Europe/Berlin",
    "place": "Room 2.14, Computer Science Building",
    "online_url": "https://meet.example.edu/dl-reading-group",
    "online_url_private": True,
    "description": (
        "We meet on Thursdays at 15:00 to read one or two papers that shaped modern deep learning.\n\n"
        "Each session a student presents a paper for 30 minutes; then we discuss it together. "
        "Read the **required** papers before you come."
    ),
}

CATEGORIES = [
    ("foundations", "Foundations", "Optimisation, normalisation and why deep networks generalise."),
    ("architectures", "Architectures", "The building blocks of modern networks."),
    ("generative-models", "Generative Models", "Models that learn to produce data."),
    ("reliability", "Reliability", "Robustness and adversarial examples."),
    ("learning-from-interaction", "Learning from Interaction", "Reinforcement learning and graphs."),
]

PRESENTERS = {
    "maya": {"name": "Maya Chen", "alias": "MayaC", "bio": "PhD student working on optimisation."},
    "jonas": {"name": "Jonas Okafor", "alias": "Jonas O.", "bio": "PhD student working on language models."},
    "priya": {"name": "Priya Raman", "alias": "PriyaR", "bio": "Master's student interested in vision."},
    "luis": {"name": "Luis Ortega", "alias": "Luis O.", "bio": "PhD student working on generative models."},
    "sofia": {"name": "Sofia Novak", "alias": "SofiaN", "bio": "Postdoc working on robust learning."},
}

PHOTO_COLOURS = ["#1f6feb", "#8250df", "#bf3989", "#1a7f37", "#9a6700"]

PAPERS: dict[str, dict[str, Any]] = {
    "adam": {
        "title": "Adam: A Method for Stochastic Optimization",
        "authors": "Diederik P. Kingma, Jimmy Ba",
        "venue": "ICLR",
        "year": 2015,
        "arxiv_id": "1412.6980",
        "abstract": "An optimiser that adapts each parameter's step size from running estimates "
        "of the gradient's first and second moments.",
        "tags": ["optimization"],
    },
    "batchnorm": {
        "title": "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
        "authors": "Sergey Ioffe, Christian Szegedy",
        "venue": "ICML",
        "year": 2015,
        "arxiv_id": "1502.03167",
        "abstract": "Normalising each layer's inputs over a mini-batch allows higher learning rates "
        "and faster, more stable training.",
        "tags": ["normalization", "optimization"],
    },
    "resnet": {
        "title": "Deep Residual Learning for Image Recognition",
        "authors": "Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun",
        "venue": "CVPR",
        "year": 2016,
        "arxiv_id": "1512.03385",
        "abstract": "Layers that learn a residual added to their input make networks of a hundred "
        "layers and more trainable.",
        "tags": ["architectures", "vision"],
        "code": "https://github.com/KaimingHe/deep-residual-networks",
    },
    "rethinking": {
        "title": "Understanding deep learning requires rethinking generalization",
        "authors": "Chiyuan Zhang, Samy Bengio, Moritz Hardt, Benjamin Recht, Oriol Vinyals",
        "venue": "ICLR",
        "year": 2017,
        "arxiv_id": "1611.03530",
        "abstract": "Networks that generalise well can also fit random labels perfectly, which "
        "classic capacity measures fail to explain.",
        "tags": ["generalization"],
    },
    "transformer": {
        "title": "Attention Is All You Need",
        "authors": "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, "
        "Aidan N. Gomez, Łukasz Kaiser, Illia Polosukhin",
        "venue": "NeurIPS",
        "year": 2017,
        "arxiv_id": "1706.03762",
        "abstract": "The Transformer replaces recurrence with self-attention alone and trains "
        "faster while translating better.",
        "tags": ["attention", "transformers"],
    },
    "bert": {
        "title": "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "authors": "Jacob Devlin, Ming-Wei Chang, Kenton Lee, Kristina Toutanova",
        "venue": "NAACL",
        "year": 2019,
        "arxiv_id": "1810.04805",
        "abstract": "Pre-training a bidirectional Transformer on masked words, then fine-tuning it, "
        "sets new results on many language tasks.",
        "tags": ["transformers", "pre-training"],
        "code": "https://github.com/google-research/bert",
    },
    "vae": {
        "title": "Auto-Encoding Variational Bayes",
        "authors": "Diederik P. Kingma, Max Welling",
        "venue": "ICLR",
        "year": 2014,
        "arxiv_id": "1312.6114",
        "abstract": "The reparameterisation trick gives a low-variance gradient for variational "
        "inference and yields the variational auto-encoder.",
        "tags": ["generative", "vae"],
    },
    "gan": {
        "title": "Generative Adversarial Networks",
        "authors": "Ian J. Goodfellow, Jean Pouget-Abadie, Mehdi Mirza, Bing Xu, David Warde-Farley, "
        "Sherjil Ozair, Aaron Courville, Yoshua Bengio",
        "venue": "NeurIPS",
        "year": 2014,
        "arxiv_id": "1406.2661",
        "abstract": "A generator and a discriminator trained against each other in a minimax game "
        "learn to produce realistic samples.",
        "tags": ["generative", "gan"],
    },
    "intriguing": {
        "title": "Intriguing properties of neural networks",
        "authors": "Christian Szegedy, Wojciech Zaremba, Ilya Sutskever, Joan Bruna, Dumitru Erhan, "
        "Ian Goodfellow, Rob Fergus",
        "venue": "ICLR",
        "year": 2014,
        "arxiv_id": "1312.6199",
        "abstract": "Imperceptible perturbations can change a network's prediction, and they "
        "transfer between models.",
        "tags": ["adversarial-examples", "robustness"],
    },
    "fgsm": {
        "title": "Explaining and Harnessing Adversarial Examples",
        "authors": "Ian J. Goodfellow, Jonathon Shlens, Christian Szegedy",
        "venue": "ICLR",
        "year": 2015,
        "arxiv_id": "1412.6572",
        "abstract": "Adversarial examples follow from models being too linear; the fast gradient "
        "sign method makes them cheaply and helps adversarial training.",
        "tags": ["adversarial-examples", "robustness"],
    },
    "madry": {
        "title": "Towards Deep Learning Models Resistant to Adversarial Attacks",
        "authors": "Aleksander Madry, Aleksandar Makelov, Ludwig Schmidt, Dimitris Tsipras, Adrian Vladu",
        "venue": "ICLR",
        "year": 2018,
        "arxiv_id": "1706.06083",
        "abstract": "Robust training as a saddle-point problem, with projected gradient descent as "
        "the attack to train against.",
        "tags": ["adversarial-examples", "robustness"],
    },
    "gpt3": {
        "title": "Language Models are Few-Shot Learners",
        "authors": "Tom B. Brown, Benjamin Mann, Nick Ryder, Melanie Subbiah, Jared Kaplan, et al.",
        "venue": "NeurIPS",
        "year": 2020,
        "arxiv_id": "2005.14165",
        "abstract": "A 175-billion-parameter language model performs many tasks from a few "
        "examples in its prompt, without fine-tuning.",
        "tags": ["scaling", "transformers"],
    },
    "vit": {
        "title": "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
        "authors": "Alexey Dosovitskiy, Lucas Beyer, Alexander Kolesnikov, Dirk Weissenborn, Xiaohua Zhai, "
        "Thomas Unterthiner, Mostafa Dehghani, Matthias Minderer, Georg Heigold, Sylvain Gelly, "
        "Jakob Uszkoreit, Neil Houlsby",
        "venue": "ICLR",
        "year": 2021,
        "arxiv_id": "2010.11929",
        "abstract": "A plain Transformer over image patches matches convolutional networks when "
        "pre-trained on enough data.",
        "tags": ["transformers", "vision", "scaling"],
    },
    "ddpm": {
        "title": "Denoising Diffusion Probabilistic Models",
        "authors": "Jonathan Ho, Ajay Jain, Pieter Abbeel",
        "venue": "NeurIPS",
        "year": 2020,
        "arxiv_id": "2006.11239",
        "abstract": "Learning to reverse a gradual noising process produces high-quality images.",
        "tags": ["generative", "diffusion"],
        "code": "https://github.com/hojonathanho/diffusion",
    },
    "gcn": {
        "title": "Semi-Supervised Classification with Graph Convolutional Networks",
        "authors": "Thomas N. Kipf, Max Welling",
        "venue": "ICLR",
        "year": 2017,
        "arxiv_id": "1609.02907",
        "abstract": "A first-order approximation of spectral graph convolutions gives a simple, "
        "scalable layer for learning on graphs.",
        "tags": ["graphs"],
        "code": "https://github.com/tkipf/gcn",
    },
    "dqn": {
        "title": "Playing Atari with Deep Reinforcement Learning",
        "authors": "Volodymyr Mnih, Koray Kavukcuoglu, David Silver, Alex Graves, Ioannis Antonoglou, "
        "Daan Wierstra, Martin Riedmiller",
        "venue": "NeurIPS Deep Learning Workshop",
        "year": 2013,
        "arxiv_id": "1312.5602",
        "abstract": "A convolutional network trained with Q-learning learns to play Atari games "
        "from raw pixels.",
        "tags": ["reinforcement-learning"],
    },
}

OLD_SLIDES_URL = "https://slides.example.edu/fall-2026/"

# (date, title, categories, tags, published, rows); a row is (section, paper, presenters, slides file)
WEEKS = [
    (
        "2026-09-10",
        "Optimisation and normalisation",
        ["foundations"],
        ["optimization", "normalization"],
        True,
        [("", "adam", ["maya"], "adam.pdf"), ("", "batchnorm", ["jonas"], "")],
    ),
    (
        "2026-09-24",
        "Going deeper: residual networks and generalisation",
        ["architectures", "foundations"],
        ["architectures", "generalization"],
        True,
        [("", "resnet", ["priya"], "resnet.pdf"), ("", "rethinking", ["luis"], "")],
    ),
    (
        "2026-10-08",
        "Attention and pre-training",
        ["architectures"],
        ["attention", "transformers", "pre-training"],
        True,
        [("", "transformer", ["sofia", "maya"], "transformer.pdf"), ("", "bert", ["jonas"], "")],
    ),
    (
        "2026-10-22",
        "Generative models I: VAEs and GANs",
        ["generative-models"],
        ["generative", "vae", "gan"],
        True,
        [("", "vae", ["luis"], ""), ("", "gan", ["priya"], "gan.pdf")],
    ),
    (
        "2026-11-05",
        "Adversarial examples",
        ["reliability"],
        ["adversarial-examples", "robustness"],
        True,
        [
            ("Required readings", "intriguing", ["maya"], ""),
            ("Required readings", "fgsm", ["sofia"], ""),
            ("More readings", "madry", ["jonas"], ""),
        ],
    ),
    (
        "2026-11-19",
        "Scaling up: few-shot learners and vision transformers",
        ["architectures"],
        ["scaling", "transformers", "vision"],
        True,
        [("", "gpt3", ["priya"], ""), ("", "vit", ["luis"], "")],
    ),
    (
        "2026-12-03",
        "Generative models II: diffusion",
        ["generative-models"],
        ["generative", "diffusion"],
        True,
        [("", "ddpm", ["sofia"], "")],
    ),
    (
        "2026-12-10",
        "Graphs and reinforcement learning",
        ["learning-from-interaction"],
        ["graphs", "reinforcement-learning"],
        False,  # still being planned: a draft
        [("", "gcn", ["jonas"], ""), ("", "dqn", ["maya", "luis"], "")],
    ),
]


def _demo_deck(week: Week, row: Presentation, presenter: Presenter, name: str) -> None:
    """An uploaded deck: a one-page PDF drawn here, so the demo shows thumbnails and downloads."""
    SlideDeck.objects.filter(week=week, url=OLD_SLIDES_URL + name).delete()  # demos before uploads
    deck = SlideDeck.objects.filter(week=week, source_path=f"demo/{name}").first()
    title = f"Slides: {row.paper.title}"
    if deck and (deck.title, deck.presentation_id, deck.presenter_id) == (title, row.pk, presenter.pk):
        return
    deck = deck or SlideDeck(week=week, source_path=f"demo/{name}", file=_title_slide(name, row, presenter))
    deck.title, deck.presentation, deck.presenter = title, row, presenter
    deck.save()


def _title_slide(name: str, row: Presentation, presenter: Presenter) -> ContentFile:
    slide = Image.new("RGB", (1280, 720), "#f5f7fb")
    draw = ImageDraw.Draw(slide)
    draw.rectangle((0, 0, 1280, 24), fill="#1f6feb")
    draw.text((80, 260), textwrap.fill(row.paper.title, 36), fill="#1b1f24", font=ImageFont.load_default(56))
    draw.text(
        (80, 560), f"{presenter.name} · {row.week.title}", fill="#57606a", font=ImageFont.load_default(32)
    )
    buffer = io.BytesIO()
    slide.save(buffer, format="PDF", resolution=96)
    return ContentFile(buffer.getvalue(), name=name)


def _initials_picture(name: str, colour: str) -> ContentFile:
    """A stand-in photo for an invented presenter: their initials on a colour."""
    picture = Image.new("RGB", (600, 600), colour)
    initials = "".join(word[0] for word in name.split()[:2])
    ImageDraw.Draw(picture).text(
        (300, 300), initials, fill="white", anchor="mm", font=ImageFont.load_default(240)
    )
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=f"{slugify(name)}.png")


def _upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> Any:
    """Get the row matching `lookup`, creating it with `values`; save only if a value differs."""
    row, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, values[name])
        if changed:
            row.save()
    return row


def _sync_paper(spec: dict[str, Any]) -> Paper:
    fields = {key: spec[key] for key in ("title", "authors", "venue", "year", "abstract")}
    paper = _upsert(Paper, {"arxiv_id": spec["arxiv_id"]}, fields)
    links = [
        (PaperLink.Kind.ABSTRACT, "arXiv", f"https://arxiv.org/abs/{spec['arxiv_id']}"),
        (PaperLink.Kind.PDF, "PDF", f"https://arxiv.org/pdf/{spec['arxiv_id']}"),
    ]
    if "code" in spec:
        links.append((PaperLink.Kind.CODE, "Code", spec["code"]))
    for order, (kind, label, url) in enumerate(links):
        _upsert(PaperLink, {"paper": paper, "url": url}, {"kind": kind, "label": label, "order": order})
    paper.tags.set(tags_get_or_create(names=spec["tags"]))
    return paper


@transaction.atomic
def demo_load() -> dict[str, int]:
    """Create or update the demo seminar; returns the number of rows of each kind it holds."""
    term = _upsert(Term, {"slug": TERM["slug"]}, {k: v for k, v in TERM.items() if k != "slug"})
    categories = {
        slug: _upsert(Category, {"slug": slug}, {"name": name, "description": text, "order": order})
        for order, (slug, name, text) in enumerate(CATEGORIES)
    }
    presenters = {}
    for key, spec in PRESENTERS.items():
        presenter = _upsert(
            Presenter,
            {"slug": key},
            {
                "name": spec["name"],
                "bio": spec["bio"],
                "affiliation": "Department of Computer Science",
                "email": f"{key}@example.edu",
            },
        )
        _upsert(PresenterAlias, {"name": spec["alias"]}, {"presenter": presenter})
        if not presenter.photo:
            presenter.photo = _initials_picture(presenter.name, PHOTO_COLOURS[len(presenters)])
            presenter.save()
        presenters[key] = presenter
    papers = {key: _sync_paper(spec) for key, spec in PAPERS.items()}

    for position, (date, title, category_slugs, tag_names, published, rows) in enumerate(WEEKS, start=1):
        week = _upsert(
            Week,
            {"term": term, "slug": slugify(title)},
            {
                "title": title,
                "position": position,
                "date": datetime.date.fromisoformat(date),
                "is_published": published,
            },
        )
        week.categories.set([categories[slug] for slug in category_slugs])
        week.tags.set(tags_get_or_create(names=tag_names))
        for order, (section, paper_key, presenter_keys, slides) in enumerate(rows, start=1):
            row = _upsert(
                Presentation,
                {"week": week, "order": order},
                {"section": section, "label": "", "paper": papers[paper_key]},
            )
            presentation_set_presenters(presentation=row, presenters=[presenters[k] for k in presenter_keys])
            if slides:
                _demo_deck(week, row, presenters[presenter_keys[0]], slides)
    term_refresh_week_times(term=term)  # weeks left unchanged above follow a changed meeting too
    return {
        "weeks": term.weeks.count(),
        "papers": len(papers),
        "presenters": len(presenters),
        "slide decks": SlideDeck.objects.filter(week__term=term).count(),
    }
