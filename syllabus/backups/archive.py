"""Backups of the database and the uploaded files, as one archive; and restoring one.

An archive is an uncompressed tar (the dump is compressed already, and so are PDFs and WebP):

    database.pgdump | database.sqlite3   pg_dump --format=custom, or a copy by SQLite's backup API
    media/<storage alias>/<name>         every file of each FileSystemStorage in STORAGES
    manifest.json                        last, once every checksum is known

A restore checks everything (manifest, database vendor, migrations, every checksum) before it
changes anything, then replaces the database in one step and writes the files back.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.timezone import now

from syllabus.backups.database import (
    DATABASE_MEMBERS,
    database_migrated,
    database_rows,
    postgresql_dump,
    postgresql_restore,
    sqlite_copy,
    sqlite_restore,
)
from syllabus.backups.errors import BackupError
from syllabus.caching import content_changed

FORMAT = "syllabus-backup/1"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


@dataclass
class BackupSummary:
    path: Path
    vendor: str
    files: dict[str, int]  # storage alias -> number of files
    skipped_storages: dict[str, str]  # storage alias -> why it is not in the archive
    size: int


@dataclass
class RestoreSummary:
    vendor: str
    database: str
    files: dict[str, int] = field(default_factory=dict)
    created: str = ""
    removed: dict[str, int] = field(default_factory=dict)  # files the backup does not hold


# Making a backup -----------------------------------------------------------------------------------


def backup_default_path() -> Path:
    """`DATA_DIR/backups/syllabus-<UTC date and time>.tar`."""
    stamp = now().astimezone(datetime.UTC).strftime("%Y%m%d-%H%M%SZ")
    return Path(settings.DATA_DIR) / "backups" / f"syllabus-{stamp}.tar"


def backup_create(*, output: Path | None = None, using: str = DEFAULT_DB_ALIAS) -> BackupSummary:
    """Write the database and the media files of `using` into one archive at `output`.

    The archive is written under a temporary name in the same folder and renamed when complete, so
    a backup that fails or is interrupted never leaves a file that looks like a backup. An existing
    file is never overwritten. The database comes first: a file uploaded meanwhile may be in the
    archive without its row (harmless, `prune_media` lists it), never the other way round.
    """
    path = Path(output) if output else backup_default_path()
    if path.exists():
        raise BackupError(
            f"{path} exists already; a backup never overwrites a file. Choose another --output."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    if not database_migrated(connection):
        raise BackupError(
            f"The database '{connection.settings_dict['NAME']}' has no tables yet (run migrate)."
        )
    media, skipped = _media_storages()

    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    try:
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
            dump = Path(work) / DATABASE_MEMBERS[vendor]
            if vendor == "postgresql":
                postgresql_dump(connection.settings_dict, dump)
            else:
                sqlite_copy(connection, dump)
            checksums: dict[str, dict] = {}
            counts: dict[str, int] = {}
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                checksums[dump.name] = _add_file(archive, dump, dump.name)
                for alias, storage in media.items():
                    counts[alias] = 0
                    for source, name in _storage_files(storage, media):
                        entry = _add_file(archive, source, f"media/{alias}/{name}")
                        if entry:
                            checksums[f"media/{alias}/{name}"] = entry
                            counts[alias] += 1
                manifest = _manifest(connection, vendor, counts, skipped, checksums)
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return BackupSummary(
        path=path, vendor=vendor, files=counts, skipped_storages=skipped, size=path.stat().st_size
    )


def _media_storages() -> tuple[dict[str, FileSystemStorage], dict[str, str]]:
    """The storages whose files go into a backup (FileSystemStorage), and why the others do not."""
    media: dict[str, FileSystemStorage] = {}
    skipped: dict[str, str] = {}
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue  # made from the code by collectstatic
        storage = storages[alias]
        if isinstance(storage, FileSystemStorage):
            media[alias] = storage
        else:
            skipped[alias] = (
                f"{type(storage).__name__} is not a local folder; its files are not in the backup "
                "(rely on the bucket's versioning)"
            )
    return media, skipped


def _storage_files(
    storage: FileSystemStorage, media: dict[str, FileSystemStorage]
) -> Iterator[tuple[Path, str]]:
    """(path, name) of every file in a storage, sorted; a folder that is another storage's is left to it."""
    root = Path(storage.location)
    others = {Path(other.location) for other in media.values()} - {root}
    if not root.is_dir():
        return
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if Path(folder, name) not in others)
        for name in sorted(files):
            source = Path(folder, name)
            if source.is_file() and not source.is_symlink():
                yield source, source.relative_to(root).as_posix()


def _add_file(archive: tarfile.TarFile, source: Path, name: str) -> dict | None:
    """Add a file, hashing it on the way; None when it was deleted meanwhile."""
    try:
        handle = source.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o644
        hashing = _HashingReader(handle)
        archive.addfile(info, hashing)
    return {"sha256": hashing.hash.hexdigest(), "size": info.size}


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(content), int(now().timestamp()), 0o644
    archive.addfile(info, io.BytesIO(content))


class _HashingReader:
    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.hash.update(chunk)
        return chunk


def _manifest(connection, vendor: str, counts: dict, skipped: dict, checksums: dict) -> dict:
    return {
        "format": FORMAT,
        "created": now().astimezone(datetime.UTC).isoformat(timespec="seconds"),
        "app": {"version": _app_version(), "git_commit": _git_commit()},
        "database": {"vendor": vendor, "member": DATABASE_MEMBERS[vendor]},
        "migrations": sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations()),
        "storages": counts,
        "skipped_storages": skipped,
        "files": checksums,
    }


def _app_version() -> str | None:
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def _git_commit() -> str | None:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if found.returncode != 0:
        return None  # not a checkout, or git refuses it (another owner)
    return found.stdout.strip() or None


# Restoring ------------------------------------------------------------------------------------------


def backup_read_manifest(archive: Path) -> dict:
    """The manifest of an archive; BackupError when the file is not a readable Syllabus backup."""
    try:
        with tarfile.open(archive, "r:") as opened:
            member = opened.getmember(MANIFEST)
            manifest = json.load(opened.extractfile(member))
    except FileNotFoundError:
        raise BackupError(f"{archive} does not exist.") from None
    except KeyError:
        raise BackupError(f"{archive} is not a Syllabus backup: it has no {MANIFEST}.") from None
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise BackupError(f"{archive} is not a readable backup archive ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Syllabus backup of format {FORMAT}.")
    try:
        manifest["database"]["vendor"], manifest["database"]["member"], manifest["created"]
        manifest["migrations"], manifest["files"], manifest["storages"]
    except (KeyError, TypeError):
        raise BackupError(f"{archive} has an incomplete manifest.") from None
    return manifest


def backup_restore(*, archive: Path, using: str = DEFAULT_DB_ALIAS, force: bool = False) -> RestoreSummary:
    """Restore an archive into the database `using` and the media storages of the settings.

    Refused, before anything changes, when the archive comes from another database vendor, when its
    migrations are not exactly the code's, when a checksum does not match, when a storage it holds
    files for is not a local folder here, or (without `force`) when the database holds data.
    Afterwards each storage the archive holds is exactly as backed up: files of the same name are
    written over, and files it does not hold are removed (a file made public after the backup must
    not stay public once the restored rows say it is private).
    """
    archive = Path(archive)
    manifest = backup_read_manifest(archive)
    connection = connections[using]
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"This backup holds a {vendor} database, but the database '{using}' is {connection.vendor}. "
            f"Restore it into a {vendor} database (see DATABASE_URL)."
        )
    member = manifest["database"]["member"]
    if member != DATABASE_MEMBERS.get(vendor):
        # The name is joined to a folder when extracted: only the one we write is accepted.
        raise BackupError(
            f"{archive} names its database {member!r}, not {DATABASE_MEMBERS[vendor]!r}; refused."
        )
    _check_migrations(manifest)
    media, _skipped = _media_storages()
    _check_media_names(manifest, media)
    _check_checksums(archive, manifest)
    database_migrated(connection)  # reachable
    if not force and (rows := database_rows(using)):
        listed = ", ".join(f"{table} ({count})" for table, count in sorted(rows.items()))
        raise BackupError(
            f"The database '{connection.settings_dict['NAME']}' is not empty: {listed}. A restore replaces "
            "everything in it; run again with --force to overwrite it."
        )

    summary = RestoreSummary(
        vendor=vendor, database=str(connection.settings_dict["NAME"]), created=manifest["created"]
    )
    with tempfile.TemporaryDirectory(prefix="syllabus-restore-") as work:
        dump = Path(work) / manifest["database"]["member"]
        with tarfile.open(archive, "r:") as opened:
            _extract_to(opened, manifest["database"]["member"], dump)
        if vendor == "postgresql":
            postgresql_restore(connection, dump)
        else:
            sqlite_restore(connection, dump)
    content_changed()  # every row may differ; with the database cache, the version came back too
    restored: set[tuple[str, str]] = set()
    with tarfile.open(archive, "r:") as opened:
        for member in opened:
            alias, name = _media_name(member.name)
            if alias is None:
                continue
            storage = media[alias]
            _extract_to(opened, member.name, Path(storage.path(name)), mtime=member.mtime)
            summary.files[alias] = summary.files.get(alias, 0) + 1
            restored.add((alias, name))
    for alias in manifest["storages"]:
        if alias in media:
            present = {name for _path, name in _storage_files(media[alias], media)}
            for name in present - {name for held, name in restored if held == alias}:
                media[alias].delete(name)
                summary.removed[alias] = summary.removed.get(alias, 0) + 1
    return summary


def _check_migrations(manifest: dict) -> None:
    archived = {tuple(pair) for pair in manifest["migrations"]}
    code = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown, not_applied = sorted(archived - code), sorted(code - archived)
    if not unknown and not not_applied:
        return
    parts = []
    if unknown:
        parts.append("applied in the backup but not in this code: " + ", ".join(".".join(m) for m in unknown))
    if not_applied:
        parts.append(
            "in this code but not applied in the backup: " + ", ".join(".".join(m) for m in not_applied)
        )
    app = manifest.get("app") or {}
    made_with = []
    if app.get("version"):
        made_with.append(f"version {app['version']}")
    if app.get("git_commit"):
        made_with.append(f"commit {app['git_commit'][:12]}")
    raise BackupError(
        "The backup's migrations do not match this code's; "
        + "; ".join(parts)
        + ". Restore with the code the backup was made with"
        + (f" ({', '.join(made_with)})" if made_with else "")
        + ", then upgrade the code and run migrate."
    )


def _check_media_names(manifest: dict, media: dict[str, FileSystemStorage]) -> None:
    """Every file goes to a local storage of these settings, inside its folder."""
    missing = set()
    for member in manifest["files"]:
        alias, name = _media_name(member)
        if alias is None:
            if member != manifest["database"]["member"]:
                raise BackupError(
                    f"The archive holds {member}, which is neither its database nor a media file."
                )
            continue
        if alias not in media:
            missing.add(alias)
            continue
        try:
            if not name or name.endswith("/"):
                raise SuspiciousFileOperation(name)
            media[alias].path(name)
        except SuspiciousFileOperation:
            raise BackupError(f"The archive holds {member}, a name outside its storage; refused.") from None
    if missing:
        raise BackupError(
            f"This backup holds files of the storage(s) {', '.join(sorted(missing))}, which are not local "
            "folders in these settings (see STORAGES and S3_BUCKET in the README); restore into settings "
            "that have them."
        )


def _media_name(member: str) -> tuple[str | None, str]:
    if not member.startswith("media/"):
        return None, ""
    alias, _, name = member.removeprefix("media/").partition("/")
    return alias, name


def _check_checksums(archive: Path, manifest: dict) -> None:
    """Every member is in the manifest with its checksum, and every file in the manifest is there."""
    expected: dict[str, dict] = manifest["files"]
    seen = set()
    try:
        with tarfile.open(archive, "r:") as opened:
            for member in opened:
                if member.name == MANIFEST:
                    continue
                entry = expected.get(member.name)
                if entry is None or not member.isfile():
                    raise BackupError(f"The archive holds {member.name}, which its manifest does not list.")
                digest = hashlib.sha256()
                with opened.extractfile(member) as content:
                    while chunk := content.read(CHUNK):
                        digest.update(chunk)
                if digest.hexdigest() != entry["sha256"]:
                    raise BackupError(
                        f"{member.name} in the archive does not match its checksum: the archive is damaged."
                    )
                seen.add(member.name)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive} is not a readable backup archive ({error}).") from None
    if lost := sorted(set(expected) - seen):
        raise BackupError(f"The archive lacks {', '.join(lost)}, which its manifest lists: it is incomplete.")


def _extract_to(opened: tarfile.TarFile, member: str, target: Path, *, mtime: float | None = None) -> None:
    """Write one member to `target` under a temporary name, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as written, opened.extractfile(member) as content:
            shutil.copyfileobj(content, written, CHUNK)
        os.chmod(partial, 0o644)
        if mtime is not None:
            os.utime(partial, (mtime, mtime))  # keeps prune_media's "over an hour old" meaningful
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
