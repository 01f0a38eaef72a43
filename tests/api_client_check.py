"""Generate a Python client from a running server's OpenAPI schema and use it, as a script's author would.

    .venv/bin/python tests/api_client_check.py --url http://127.0.0.1:8000 --token KEY

openapi-python-client (requirements-dev.txt) writes the client into a temporary folder, failing on any
warning; then every module of it must import, and the client lists weeks (anonymously), then adds,
changes, reads back and deletes a paper with the token; adds a presenter, sets and clears their
aliases (JSON) and uploads and removes their photo (multipart); adds a slide deck with its file
(multipart), changes its title and presenter to null (JSON) and replaces its file. The token's user
needs the permissions on papers, presenters and slide decks. Any difference is an AssertionError. `make api-client` runs it against a throw-away demo server.
"""

import argparse
import importlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from PIL import Image

PACKAGE = "syllabus_api_client"


def schema_fetch(base_url: str, wait_seconds: int = 30) -> dict:
    """The live schema as JSON, waiting for a server that is still starting."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            answer = httpx.get(
                f"{base_url}/api/v1/schema/",
                headers={"Accept": "application/vnd.oai.openapi+json"},
                timeout=30,
            )
            answer.raise_for_status()
            return answer.json()
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def client_generate(schema: dict, folder: Path) -> Path:
    """Write the client package into `folder`; the generator's warnings fail the run."""
    (folder / "schema.json").write_text(json.dumps(schema))
    bin_dir = Path(sys.executable).parent  # the generator formats its output with ruff from here
    subprocess.run(
        [
            *(bin_dir / "openapi-python-client", "generate", "--path", folder / "schema.json"),
            *("--output-path", folder / PACKAGE, "--meta", "none", "--fail-on-warning"),
        ],
        check=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    return folder / PACKAGE


def modules_import(package: Path) -> int:
    """Import every module of the generated package; the number imported, or AssertionError naming failures."""
    sys.path.insert(0, str(package.parent))
    names = sorted(
        ".".join(path.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__")
        for path in package.rglob("*.py")
    )
    failures = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as error:
            failures[name] = f"{type(error).__name__}: {error}"
    assert not failures, f"{len(failures)} of {len(names)} modules fail to import:\n" + "\n".join(
        f"  {name}: {error}" for name, error in failures.items()
    )
    return len(names)


def client_use(base_url: str, token: str) -> int:
    """List weeks, then add, change, read back and delete a paper, through the generated client; the id
    of the first week listed."""
    client_module = importlib.import_module(PACKAGE)
    papers = importlib.import_module(f"{PACKAGE}.api.papers")
    weeks = importlib.import_module(f"{PACKAGE}.api.weeks")
    models = importlib.import_module(f"{PACKAGE}.models")
    anonymous = client_module.Client(base_url=base_url, raise_on_unexpected_status=True)
    editor = client_module.AuthenticatedClient(
        base_url=base_url, token=token, prefix="Token", raise_on_unexpected_status=True
    )

    listed = importlib.import_module(f"{weeks.__name__}.weeks_list").sync(client=anonymous, page_size=1000)
    raw = httpx.get(f"{base_url}/api/v1/weeks/", params={"page_size": 1000}, timeout=30).json()
    assert isinstance(listed, models.PaginatedWeekInListOrFullList), listed
    assert listed.count == raw["count"] > 0, (listed.count, raw["count"])
    assert [(w.id, w.title, w.date.isoformat()) for w in listed.results] == [
        (w["id"], w["title"], w["date"]) for w in raw["results"]
    ]

    run = uuid.uuid4().hex[:8]  # a new paper on every run, so no duplicate check refuses it
    title, pdf = f"Client check {run}", f"https://example.org/client-check-{run}.pdf"
    link = models.PaperLinkRequest(url=pdf, kind=models.KindEnum.PDF)
    body = models.PaperRequest(title=title, authors="Ada Lovelace", year=2017, tags=["sets"], links=[link])
    created = importlib.import_module(f"{papers.__name__}.papers_create").sync(client=editor, body=body)
    assert isinstance(created, models.Paper), created
    assert (created.title, created.authors, created.year, created.tags) == (
        title,
        "Ada Lovelace",
        2017,
        ["sets"],
    )
    assert [(link.kind, link.url) for link in created.links] == [(models.KindEnum.PDF, pdf)]

    change = models.PatchedPaperRequest(title=f"{title} (revised)", venue="NeurIPS")
    changed = importlib.import_module(f"{papers.__name__}.papers_partial_update").sync(
        created.id, client=editor, body=change
    )
    assert isinstance(changed, models.Paper), changed
    read = importlib.import_module(f"{papers.__name__}.papers_retrieve").sync(created.id, client=editor)
    assert isinstance(read, models.Paper), read  # a paper no published week lists is for editors only
    assert (read.title, read.venue, read.authors, read.tags) == (
        f"{title} (revised)",
        "NeurIPS",
        "Ada Lovelace",
        ["sets"],
    ), read

    deleted = importlib.import_module(f"{papers.__name__}.papers_destroy").sync_detailed(
        created.id, client=editor
    )
    assert deleted.status_code == 204, deleted
    return listed.results[0].id


def image_bytes(kind: str) -> bytes:
    """A small generated image as JPEG, or as a one-page PDF (which the server checks like any slides)."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "teal").save(buffer, kind)
    return buffer.getvalue()


def presenter_and_deck_use(base_url: str, token: str, week_id: int) -> None:
    """Presenters and slide decks: fields as JSON (lists, nulls), files on their own addresses."""
    client_module = importlib.import_module(PACKAGE)
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    editor = client_module.AuthenticatedClient(
        base_url=base_url, token=token, prefix="Token", raise_on_unexpected_status=True
    )

    def call(group: str, operation: str, *args, **kwargs):
        module = importlib.import_module(f"{PACKAGE}.api.{group}.{operation}")
        return module.sync(*args, client=editor, **kwargs)

    run = uuid.uuid4().hex[:8]
    presenter = call(
        "presenters", "presenters_create", body=models.PresenterRequest(name=f"Lucía Ortega {run}")
    )
    assert isinstance(presenter, models.Presenter), presenter
    aliases = [f"L. Ortega {run}", f"Lucia Ortega {run}"]
    named = call(
        "presenters",
        "presenters_partial_update",
        presenter.id,
        body=models.PatchedPresenterRequest(aliases=aliases),
    )
    assert isinstance(named, models.Presenter) and sorted(named.aliases) == sorted(aliases), named
    cleared = call(
        "presenters",
        "presenters_partial_update",
        presenter.id,
        body=models.PatchedPresenterRequest(aliases=[]),
    )
    assert isinstance(cleared, models.Presenter) and cleared.aliases == [], cleared

    photo = types.File(payload=io.BytesIO(image_bytes("JPEG")), file_name="face.jpg", mime_type="image/jpeg")
    pictured = call(
        "presenters", "presenters_photo_replace", presenter.id, body=models.PresenterPhotoRequest(photo=photo)
    )
    assert isinstance(pictured, models.Presenter) and pictured.photo and pictured.photo_small, pictured
    unpictured = call("presenters", "presenters_photo_remove", presenter.id)
    assert isinstance(unpictured, models.Presenter) and (unpictured.photo, unpictured.photo_small) == (
        None,
        None,
    )

    def pdf(name: str):
        return types.File(payload=io.BytesIO(image_bytes("PDF")), file_name=name, mime_type="application/pdf")

    new_deck = models.SlideDeckCreateRequest(
        week=week_id,
        presenter=presenter.id,
        title=f"Client check {run}",
        file=pdf("talk.pdf"),
        is_public=False,
    )
    deck = call("slides", "slides_create", body=new_deck)
    assert isinstance(deck, models.SlideDeck), deck
    assert (deck.presenter, deck.page_count, deck.is_public, deck.link) == (presenter.id, 1, False, ""), deck
    assert deck.file and deck.file.endswith("/talk.pdf"), deck.file
    change = models.PatchedSlideDeckRequest(title=f"Client check {run} (final)", presenter=None)
    changed = call("slides", "slides_partial_update", deck.id, body=change)
    assert isinstance(changed, models.SlideDeck), changed
    got = (changed.title, changed.presenter, changed.file)
    assert got[:2] == (f"Client check {run} (final)", None) and got[2].endswith("/talk.pdf"), (got, deck.file)
    replaced = call(
        "slides", "slides_file_replace", deck.id, body=models.SlideDeckFileRequest(file=pdf("v2.pdf"))
    )
    assert isinstance(replaced, models.SlideDeck) and replaced.file.endswith("/v2.pdf"), replaced

    for group, operation, object_id in (
        ("slides", "slides_destroy", deck.id),
        ("presenters", "presenters_destroy", presenter.id),
    ):
        module = importlib.import_module(f"{PACKAGE}.api.{group}.{operation}")
        assert module.sync_detailed(object_id, client=editor).status_code == 204


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("SYLLABUS_URL", "http://127.0.0.1:8000"))
    parser.add_argument(
        "--token", default=os.environ.get("SYLLABUS_TOKEN"), required="SYLLABUS_TOKEN" not in os.environ
    )
    arguments = parser.parse_args()
    base_url = arguments.url.rstrip("/")

    with tempfile.TemporaryDirectory() as folder:
        package = client_generate(schema_fetch(base_url), Path(folder))
        count = modules_import(package)
        print(f"api-client: {count} generated modules import")
        week_id = client_use(base_url, arguments.token)
        print("api-client: listed weeks, added, changed, read and deleted a paper")
        presenter_and_deck_use(base_url, arguments.token, week_id)
    print("api-client: set and cleared a presenter's aliases, uploaded and removed a photo, added a deck")
    print("api-client: with its file, changed its title and presenter (null) and replaced its file")


if __name__ == "__main__":
    main()
