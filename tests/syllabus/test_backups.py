"""Backups: the database and every media file into one archive, restored into a fresh database.

pg_dump sees committed data only, so these tests use real transactions (transactional_db). On
PostgreSQL the restore goes into a database made here and dropped afterwards; on SQLite into a new
file. Both are reached through an extra alias, `restored`, next to the test database.
"""

import copy
import datetime
import hashlib
import io
import json
import re
import secrets
import tarfile
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.utils import load_backend
from django.utils import timezone
from rest_framework.authtoken.models import Token

from papers.models import PaperLookup, SlideDeck
from presenters.models import AbstractProposal, Activity, Reminder
from syllabus.backups.database import postgresql_client_arguments
from syllabus.models import Term
from tests.factories import (
    CategoryFactory,
    ClaimFactory,
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterAliasFactory,
    PresenterFactory,
    RankedPaperFactory,
    SignupFactory,
    SlideDeckFactory,
    SlotFactory,
    TagFactory,
    TermFactory,
    VoteFactory,
    WeekFactory,
    pdf_file,
    png_file,
    shape,
)

OUR_APPS = ("syllabus", "papers", "presenters")


# A second database to restore into -------------------------------------------------------------------


def _postgresql_admin(database: dict):
    admin = psycopg2.connect(
        dbname="postgres",
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
    )
    admin.autocommit = True
    return admin


def add_alias(alias: str, name: str) -> str:
    """Another connection like the test database's, to the database `name`.

    Made here rather than in DATABASES, so that pytest-django sets up no test database for it.
    """
    default = connections["default"].settings_dict
    backend = load_backend(default["ENGINE"])
    connections[alias] = backend.DatabaseWrapper({**copy.deepcopy(default), "NAME": name}, alias)
    return alias


def remove_alias(alias: str) -> None:
    connections[alias].close()
    del connections[alias]


@pytest.fixture
def restored(transactional_db, tmp_path):
    """The alias of an empty database of the test database's vendor, dropped after the test."""
    default = connections["default"]
    if default.vendor == "postgresql":
        name = f"{default.settings_dict['NAME']}_restore_{secrets.token_hex(4)}"
        admin = _postgresql_admin(default.settings_dict)
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
    else:
        name = str(tmp_path / "restored.sqlite3")
    yield add_alias("restored", name)
    remove_alias("restored")
    if default.vendor == "postgresql":
        admin = _postgresql_admin(default.settings_dict)
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def private_storage(settings, tmp_path):
    """A second local storage, as for files that are not public: its files are backed up as well."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    return storages["private"]


# What is compared ----------------------------------------------------------------------------------


def every_table(alias: str) -> dict[str, list[tuple]]:
    """Every row of every table in the database, sorted by all its columns.

    But the cache's table: it holds nothing to back up, and the content version in it moves with
    every change (a restore, a migrate), whichever database was changed.
    """
    connection = connections[alias]
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names()) - {"syllabus_cache"}):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} WHERE 1 = 0")
            columns = ", ".join(str(position + 1) for position in range(len(cursor.description)))
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY {columns}")
            tables[table] = [
                tuple(bytes(value) if isinstance(value, memoryview) else value for value in row)
                for row in cursor.fetchall()
            ]
    return tables


def every_file(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def fill_the_site(django_user_model) -> None:
    """One of every row the seminar has, with a real PDF deck (and its thumbnail) and a photo."""
    term = TermFactory(name="Fall 2026", description="Reading *group*.")
    TermFactory(name="Spring 2027", is_published=False)
    category, tag, other_tag = CategoryFactory(name="Vision"), TagFactory(name="sets"), TagFactory()
    week = WeekFactory(term=term, title="Deep Sets", body="Notes with $x^2$.")
    week.categories.add(category)
    week.tags.add(tag, other_tag)
    WeekFactory(term=term, is_published=False)
    paper = PaperFactory(title="Deep Sets", arxiv_id="1703.06114", abstract="About **sets**.")
    paper.tags.add(tag)
    PaperLinkFactory(paper=paper)
    PaperLookup.objects.create(
        identifier="arxiv:1703.06114",
        source="arxiv",
        result={"title": "Deep Sets"},
        fetched_at=timezone.now(),
    )
    row = PresentationFactory(week=week, paper=paper, section="Required readings", notes="See [1].")
    PresentationFactory(week=week, paper=None, label="Open discussion")
    presenter = PresenterFactory(name="Ada Example", photo=png_file(), bio="Works on sets.")
    PresenterAliasFactory(presenter=presenter, name="Ada")
    PresentationPresenterFactory(presentation=row, presenter=presenter)
    SlideDeckFactory(week=week, presentation=row, presenter=presenter, file=pdf_file("deep-sets.pdf"), url="")
    SlideDeckFactory(week=week, is_public=False)
    Activity.objects.create(presenter=presenter, presentation=row, action=Activity.Action.NOTES_EDITED)
    AbstractProposal.objects.create(paper=paper, presenter=presenter, text="About sets, in short.")
    Reminder.objects.create(
        kind=Reminder.Kind.UPCOMING, key=f"upcoming:{row.pk}:{presenter.pk}", recipients="ada@example.edu"
    )
    signup = SignupFactory(term=term, claims_need_approval=True)
    claim = ClaimFactory(
        slot=SlotFactory(week=week, capacity=2), presenter=presenter, pool_paper__paper=paper
    )
    VoteFactory(pool_paper=claim.pool_paper, presenter=presenter)
    ranked = RankedPaperFactory(
        preference__signup=signup, preference__presenter=presenter, pool_paper=claim.pool_paper
    )
    ranked.preference.unavailable_weeks.add(week)
    user = django_user_model.objects.create_superuser(username="instructor", password="x", email="i@e.edu")
    editors = Group.objects.create(name="Editors")
    editors.permissions.set(Permission.objects.filter(content_type__app_label="syllabus"))
    user.groups.add(editors)
    user.user_permissions.add(Permission.objects.get(codename="view_term"))
    Token.objects.create(user=user)


# The round trip ------------------------------------------------------------------------------------


def test_a_backup_restored_into_a_fresh_database_has_every_row_and_every_file(
    restored, private_storage, settings, tmp_path, django_user_model
):
    fill_the_site(django_user_model)
    private_storage.save("notes/secret.txt", ContentFile(b"not public"))
    media_root = Path(settings.MEDIA_ROOT)
    tables, files = every_table("default"), every_file(media_root)
    private_files = every_file(Path(private_storage.location))
    archive = tmp_path / "backups" / "site.tar"
    output = io.StringIO()

    call_command("backup", output=archive, stdout=output)

    assert output.getvalue() == (
        f"Backed up the {connections['default'].vendor} database and 4 files of storage 'default', "
        f"1 files of storage 'private' to {archive} ({archive.stat().st_size:,} bytes).\n"
    )
    assert sorted(path.name for path in archive.parent.iterdir()) == ["site.tar"]  # no partial file left

    # Restore into the empty database, with media storages that are empty folders.
    settings.MEDIA_ROOT = tmp_path / "media-restored"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path / "private-2")}},
    }
    output = io.StringIO()
    call_command("restore", archive, database=restored, stdout=output)

    name = connections[restored].settings_dict["NAME"]
    assert output.getvalue() == (
        f"Restored the {connections['default'].vendor} database '{name}' and 4 files of storage 'default', "
        f"1 files of storage 'private' from the backup of {json_manifest(archive)['created']}.\n"
    )
    ours = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    filled = {table for table, rows in tables.items() if rows}
    assert filled >= {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in OUR_APPS
    }, "the site is filled with every model of ours"
    assert set(tables) >= ours | {"django_migrations"}
    assert every_table(restored) == tables
    assert sorted(
        re.sub(r"^presenters/[\w-]{8}/", "presenters/<random>/", shape(name)) for name in files
    ) == [
        "presenters/<random>/ada-example-128.webp",
        "presenters/<random>/ada-example-512.webp",
        "slides/fall-2026/deep-sets/<random>/deep-sets.pdf",
        "slides/fall-2026/deep-sets/<random>/deep-sets.webp",
    ]
    assert every_file(tmp_path / "media-restored") == files
    assert every_file(tmp_path / "private-2") == private_files == {"notes/secret.txt": b"not public"}

    # The restored database carries on: its sequences were restored with the rows.
    highest = max(Term.objects.values_list("pk", flat=True))
    after = Term.objects.using(restored).create(
        name="Next", start_date=datetime.date(2027, 9, 1), end_date=datetime.date(2027, 12, 1)
    )
    assert after.pk > highest
    deck = SlideDeck.objects.using(restored).exclude(file="").get()
    with deck.file.open("rb") as restored_file:
        assert restored_file.read() == files[deck.file.name]


def json_manifest(archive: Path) -> dict:
    with tarfile.open(archive) as opened:
        return json.load(opened.extractfile("manifest.json"))


def test_the_manifest_lists_version_vendor_migrations_and_checksums(tmp_path, transactional_db):
    # No published week credits her, so her photo is in the private store.
    presenter = PresenterFactory(name="Ada Example", photo=png_file())
    large, small = (
        presenter.photo.name.removeprefix("private/"),
        presenter.photo_small.name.removeprefix("private/"),
    )
    archive = tmp_path / "site.tar"

    call_command("backup", output=archive, stdout=io.StringIO())

    manifest = json_manifest(archive)
    vendor = connections["default"].vendor
    member = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}[vendor]
    code = sorted(
        [app, name] for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    )
    with tarfile.open(archive) as opened:
        names = opened.getnames()
        photo = opened.extractfile(f"media/private/{large}").read()
    assert names == [member, f"media/private/{small}", f"media/private/{large}", "manifest.json"]
    assert manifest["format"] == "syllabus-backup/1"
    assert manifest["app"]["version"] == "0.1.0"
    assert len(manifest["app"]["git_commit"]) == 40
    assert manifest["database"] == {"vendor": vendor, "member": member}
    assert manifest["migrations"] == code
    assert manifest["storages"] == {"default": 0, "private": 2}
    assert manifest["skipped_storages"] == {}
    assert datetime.datetime.fromisoformat(manifest["created"]).tzinfo == datetime.UTC
    assert sorted(manifest["files"]) == sorted(names[:-1])
    assert manifest["files"][f"media/private/{large}"] == {
        "sha256": hashlib.sha256(photo).hexdigest(),
        "size": len(photo),
    }


def test_the_default_archive_is_timestamped_under_data_dir_and_never_overwritten(
    settings, tmp_path, transactional_db
):
    settings.DATA_DIR = tmp_path / "data"

    call_command("backup", stdout=io.StringIO())

    (archive,) = (tmp_path / "data" / "backups").iterdir()
    assert archive.name.startswith("syllabus-") and archive.suffix == ".tar"
    stamp = datetime.datetime.strptime(archive.name, "syllabus-%Y%m%d-%H%M%SZ.tar").replace(
        tzinfo=datetime.UTC
    )
    assert abs(datetime.datetime.now(datetime.UTC) - stamp) < datetime.timedelta(minutes=1)
    assert archive.stat().st_mode & 0o077 == 0, (
        "readable by its owner only: it holds emails and password hashes"
    )
    before = archive.read_bytes()
    with pytest.raises(CommandError) as refused:
        call_command("backup", output=archive)
    assert str(refused.value) == (
        f"{archive} exists already; a backup never overwrites a file. Choose another --output."
    )
    assert archive.read_bytes() == before


def test_storages_that_are_not_local_folders_are_named_as_left_out(settings, tmp_path, transactional_db):
    settings.STORAGES = {
        **settings.STORAGES,
        "bucket": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "seminar"}},
    }
    output = io.StringIO()

    call_command("backup", output=tmp_path / "site.tar", stdout=output)

    assert output.getvalue().splitlines()[1:] == [
        "  Not in the backup: storage 'bucket': S3Storage is not a local folder; its files are not in the "
        "backup (rely on the bucket's versioning)."
    ]
    assert json_manifest(tmp_path / "site.tar")["storages"] == {"default": 0, "private": 0}


def test_a_failed_backup_leaves_no_file_and_says_why(settings, tmp_path, transactional_db):
    vendor = connections["default"].vendor
    missing = f"{connections['default'].settings_dict['NAME']}_missing"
    add_alias("broken", missing if vendor == "postgresql" else str(tmp_path))  # a folder is no database
    try:
        with pytest.raises(CommandError) as refused:
            call_command("backup", output=tmp_path / "backups" / "site.tar", database="broken")
    finally:
        remove_alias("broken")

    name = missing if vendor == "postgresql" else tmp_path
    assert str(refused.value).startswith(f"The database '{name}' cannot be reached: ")
    if vendor == "postgresql":
        assert str(refused.value).endswith(f'FATAL:  database "{missing}" does not exist')
    else:
        assert str(refused.value).endswith(": unable to open database file")
    assert list((tmp_path / "backups").iterdir()) == []


def test_the_postgresql_password_goes_in_the_environment_never_on_the_command_line():
    database = {
        "HOST": "db.example.edu",
        "PORT": 5433,
        "USER": "syllabus",
        "PASSWORD": "s3cret",
        "NAME": "syl",
    }

    arguments, environment = postgresql_client_arguments({**database, "OPTIONS": {"sslmode": "require"}})

    assert arguments == ["--host=db.example.edu", "--port=5433", "--username=syllabus"]
    assert (environment["PGPASSWORD"], environment["PGSSLMODE"]) == ("s3cret", "require")


# Refusals ------------------------------------------------------------------------------------------


def rewrite(
    archive: Path, target: Path, *, manifest: dict | None = None, members: dict | None = None
) -> Path:
    """A copy of an archive with another manifest and/or other bytes for some members."""
    members = members or {}
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copied:
        for member in source:
            content = source.extractfile(member).read()
            if member.name == "manifest.json" and manifest is not None:
                content = json.dumps(manifest).encode()
            content = members.pop(member.name, content)
            member.size = len(content)
            copied.addfile(member, io.BytesIO(content))
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            copied.addfile(info, io.BytesIO(content))
    return target


@pytest.fixture
def archive(tmp_path, transactional_db) -> Path:
    SlideDeckFactory(file=pdf_file(), url="")
    path = tmp_path / "site.tar"
    call_command("backup", output=path, stdout=io.StringIO())
    return path


def refusal(path: Path, **options) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("restore", path, stdout=io.StringIO(), **options)
    return str(refused.value)


def test_a_backup_of_another_database_vendor_is_refused(archive, tmp_path):
    vendor = connections["default"].vendor
    other = {"postgresql": "sqlite", "sqlite": "postgresql"}[vendor]
    manifest = json_manifest(archive)
    manifest["database"]["vendor"] = other

    message = refusal(rewrite(archive, tmp_path / "other.tar", manifest=manifest))

    assert message == (
        f"This backup holds a {other} database, but the database 'default' is {vendor}. "
        f"Restore it into a {other} database (see DATABASE_URL)."
    )


def test_a_backup_whose_migrations_differ_from_the_code_is_refused_with_the_differences(archive, tmp_path):
    manifest = json_manifest(archive)
    latest = max(name for app, name in manifest["migrations"] if app == "syllabus")
    manifest["migrations"].remove(["syllabus", latest])
    manifest["migrations"] += [["papers", "0099_from_the_future"], ["gone", "0001_initial"]]
    manifest["app"] = {"version": "0.1.0", "git_commit": "1fad85fa09799dd67b42a873613689d5d2c5cd7b"}

    message = refusal(rewrite(archive, tmp_path / "other.tar", manifest=manifest))

    assert message == (
        "The backup's migrations do not match this code's; applied in the backup but not in this code: "
        "gone.0001_initial, papers.0099_from_the_future; in this code but not applied in the backup: "
        f"syllabus.{latest}. Restore with the code the backup was made with (version 0.1.0, commit "
        "1fad85fa0979), then upgrade the code and run migrate."
    )


def test_a_damaged_file_in_the_archive_is_refused_before_anything_changes(archive, tmp_path, settings):
    (deck_name,) = (name for name in json_manifest(archive)["files"] if name.endswith(".pdf"))
    with tarfile.open(archive) as opened:
        damaged = bytearray(opened.extractfile(deck_name).read())
    damaged[100] ^= 0xFF
    settings.MEDIA_ROOT = tmp_path / "untouched"

    message = refusal(
        rewrite(archive, tmp_path / "damaged.tar", members={deck_name: bytes(damaged)}), force=True
    )

    assert message == f"{deck_name} in the archive does not match its checksum: the archive is damaged."
    assert not (tmp_path / "untouched").exists()


def test_a_damaged_database_dump_is_refused(archive, tmp_path):
    member = json_manifest(archive)["database"]["member"]
    with tarfile.open(archive) as opened:
        dump = opened.extractfile(member).read()

    message = refusal(
        rewrite(archive, tmp_path / "damaged.tar", members={member: dump[:-1] + b"!"}), force=True
    )

    assert message == f"{member} in the archive does not match its checksum: the archive is damaged."


def test_files_the_manifest_does_not_list_or_lacks_are_refused(archive, tmp_path):
    extra = rewrite(archive, tmp_path / "extra.tar", members={"media/default/added.txt": b"x"})
    manifest = json_manifest(archive)
    manifest["files"]["media/default/lost.pdf"] = {"sha256": "0" * 64, "size": 1}
    lacking = rewrite(archive, tmp_path / "lacking.tar", manifest=manifest)

    assert refusal(extra, force=True) == (
        "The archive holds media/default/added.txt, which its manifest does not list."
    )
    assert refusal(lacking, force=True) == (
        "The archive lacks media/default/lost.pdf, which its manifest lists: it is incomplete."
    )


def test_a_file_name_outside_its_storage_is_refused(archive, tmp_path):
    manifest = json_manifest(archive)
    manifest["files"]["media/default/../../escaped.txt"] = {"sha256": "0" * 64, "size": 1}

    message = refusal(rewrite(archive, tmp_path / "escape.tar", manifest=manifest), force=True)

    assert (
        message == "The archive holds media/default/../../escaped.txt, a name outside its storage; refused."
    )
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_files_for_a_storage_these_settings_lack_are_refused(archive, tmp_path):
    manifest = json_manifest(archive)
    manifest["files"]["media/attic/a.pdf"] = {"sha256": "0" * 64, "size": 1}

    message = refusal(rewrite(archive, tmp_path / "attic.tar", manifest=manifest), force=True)

    assert message == (
        "This backup holds files of the storage(s) attic, which are not local folders in these settings "
        "(see STORAGES and S3_BUCKET in the README); restore into settings that have them."
    )


def test_a_truncated_or_foreign_file_is_refused(archive, tmp_path):
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    foreign = tmp_path / "notes.tar"
    foreign.write_bytes(b"These are not the backups you are looking for." * 20)
    with tarfile.open(tmp_path / "plain.tar", "w") as plain:
        plain.add(archive, arcname="something.tar")

    assert refusal(truncated) == f"{truncated} is not a readable backup archive (unexpected end of data)."
    assert refusal(foreign) == f"{foreign} is not a readable backup archive (invalid header)."
    assert refusal(tmp_path / "missing.tar") == f"{tmp_path / 'missing.tar'} does not exist."
    assert (
        refusal(tmp_path / "plain.tar")
        == f"{tmp_path / 'plain.tar'} is not a Syllabus backup: it has no manifest.json."
    )


def test_a_database_holding_data_is_overwritten_only_with_force(archive, restored, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media-restored"
    call_command("restore", archive, database=restored, stdout=io.StringIO())
    Term.objects.using(restored).update(name="Edited after the restore")
    name = connections[restored].settings_dict["NAME"]

    message = refusal(archive, database=restored)

    assert message.startswith(f"The database '{name}' is not empty: ")
    assert message.endswith(
        "syllabus_term (1), syllabus_week (1). A restore replaces everything in it; "
        "run again with --force to overwrite it."
    )
    assert "papers_slidedeck (1)" in message
    call_command("restore", archive, database=restored, force=True, stdout=io.StringIO())
    assert list(Term.objects.using(restored).values_list("name", flat=True)) == list(
        Term.objects.values_list("name", flat=True)
    )


def test_a_database_that_was_only_migrated_counts_as_fresh(archive, restored, settings, tmp_path):
    call_command("migrate", database=restored, verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "media-restored"

    call_command("restore", archive, database=restored, stdout=io.StringIO())

    assert every_table(restored) == every_table("default")


@pytest.mark.parametrize("member", ["../../escaped.txt", "/tmp/escaped-absolute.txt", "notes.txt"])
def test_a_database_member_named_anything_but_the_dump_is_refused(archive, tmp_path, member):
    manifest = json_manifest(archive)
    manifest["database"]["member"] = member

    message = refusal(rewrite(archive, tmp_path / "evil.tar", manifest=manifest), force=True)

    expected = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}[connections["default"].vendor]
    assert message == f"{tmp_path / 'evil.tar'} names its database {member!r}, not {expected!r}; refused."
    assert not (tmp_path.parent.parent / "escaped.txt").exists()


def test_a_member_that_is_neither_the_database_nor_a_media_file_is_refused(archive, tmp_path):
    manifest = json_manifest(archive)
    manifest["files"]["../outside.txt"] = {"sha256": "0" * 64, "size": 1}

    message = refusal(rewrite(archive, tmp_path / "outside.tar", manifest=manifest), force=True)

    assert message == "The archive holds ../outside.txt, which is neither its database nor a media file."


def test_after_a_restore_the_storages_hold_exactly_the_files_of_the_backup(
    archive, settings, tmp_path, django_capture_on_commit_callbacks
):
    """A deck private at backup time, made public since: its public copy must not outlive the restore."""
    later = SlideDeckFactory(file=pdf_file("later.pdf"), url="")
    media = Path(settings.MEDIA_ROOT)
    before = {path.relative_to(media).as_posix() for path in media.rglob("*") if path.is_file()}
    output = io.StringIO()

    call_command("restore", archive, force=True, stdout=output)

    after = {path.relative_to(media).as_posix() for path in media.rglob("*") if path.is_file()}
    held = {
        name.removeprefix("media/default/")
        for name in json_manifest(archive)["files"]
        if name.startswith("media/default/")
    }
    assert after == held and later.file.name in before - after
    assert output.getvalue().splitlines()[1:] == [
        "  Removed 2 files of storage 'default' that the backup does not hold."
    ]
