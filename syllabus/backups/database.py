"""The database part of a backup: pg_dump/pg_restore on PostgreSQL, SQLite's online backup API."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

from syllabus.backups.errors import BackupError

# The archive member that holds the database, by vendor.
DATABASE_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# Rows that `migrate` makes on its own: a database holding only these counts as empty.
MADE_BY_MIGRATE = (ContentType, Permission)


def database_migrated(connection) -> bool:
    """Whether the database has Django's migration table; BackupError when it cannot be reached."""
    try:
        return MigrationRecorder(connection).has_table()
    except DatabaseError as error:
        name = connection.settings_dict["NAME"]
        raise BackupError(f"The database '{name}' cannot be reached: {str(error).strip()}") from None


def postgresql_client_arguments(database: dict) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore arguments for a DATABASES entry; the password goes in PGPASSWORD, never argv."""
    arguments = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            arguments.append(f"{option}={database[key]}")
    environment = {**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")}
    options = database.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(option):
            environment[variable] = str(options[option])
    return arguments, environment


def _run_client(program: str, arguments: list[str], environment: dict[str, str]) -> None:
    executable = shutil.which(program)
    if not executable:
        raise BackupError(
            f"{program} was not found on PATH; install the PostgreSQL client of the server's version "
            "(Debian: apt-get install postgresql-client)."
        )
    done = subprocess.run([executable, *arguments], env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip() or f'exit status {done.returncode}'}")


def postgresql_dump(database: dict, target: Path) -> None:
    arguments, environment = postgresql_client_arguments(database)
    _run_client(
        "pg_dump",
        [*arguments, "--format=custom", f"--file={target}", f"--dbname={database['NAME']}"],
        environment,
    )


def postgresql_restore(connection, dump: Path) -> None:
    connection.close()  # its locks would make the DROPs wait
    arguments, environment = postgresql_client_arguments(connection.settings_dict)
    _run_client(
        "pg_restore",
        [
            *arguments,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",  # all or nothing
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        environment,
    )


def sqlite_copy(connection, target: Path) -> None:
    """A consistent copy through SQLite's online backup API, safe while the site writes."""
    try:
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
    except (sqlite3.Error, DatabaseError) as error:
        raise BackupError(
            f"SQLite could not copy the database {connection.settings_dict['NAME']}: {error}"
        ) from None


def sqlite_restore(connection, source: Path) -> None:
    """Replace the database's content by the backup API: in one step, with SQLite's own locking,
    so that other open connections see the old or the new database, never a mix or a stale journal."""
    check = sqlite3.connect(source)
    try:
        if check.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError("The database file in the archive fails SQLite's integrity check.")
        connection.ensure_connection()
        check.backup(connection.connection)
    except (sqlite3.Error, DatabaseError) as error:
        raise BackupError(f"SQLite could not restore the database: {error}") from None
    finally:
        check.close()


def database_rows(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Tables of our models holding rows, with their counts (leaving out what migrate makes itself)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    made_by_migrate = {model._meta.db_table for model in MADE_BY_MIGRATE}
    found = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in existing and table not in made_by_migrate:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                if count := cursor.fetchone()[0]:
                    found[table] = count
    return found
