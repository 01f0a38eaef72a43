"""The shared cache: `migrate` makes it, and every server process counts in the same place."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)


def manage_environment(data_dir: Path) -> dict[str, str]:
    """The tests' own environment (DEBUG off, a test key), on an SQLite file of its own."""
    environment = {**os.environ, "DATA_DIR": str(data_dir)}
    environment.pop("DATABASE_URL", None)
    return environment


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A fresh SQLite site after nothing but `manage.py migrate`, with the database cache."""
    data_dir = tmp_path_factory.mktemp("site")
    environment = manage_environment(data_dir)
    environment.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=environment,
        check=True,
        timeout=120,
    )
    return data_dir


def test_migrate_alone_makes_the_cache_table(migrated_sqlite):
    with sqlite3.connect(migrated_sqlite / "syllabus.sqlite3") as database:
        columns = [row[1] for row in database.execute("PRAGMA table_info(syllabus_cache)")]

    assert columns == ["cache_key", "value", "expires"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(migrated_sqlite: Path) -> dict[str, str]:
    """The servers use this run's cache (Redis when REDIS_URL is set) and this run's kind of database."""
    if connection.vendor == "sqlite":  # the tests' own SQLite database lives in memory
        environment = manage_environment(migrated_sqlite)
    else:
        database = connection.settings_dict
        password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
        address = f"{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}"
        environment = {
            **os.environ,
            "DATABASE_URL": f"postgres://{quote(database['USER'])}{password}@{address}/{database['NAME']}",
        }
    return {**environment, "ALLOWED_HOSTS": "127.0.0.1", "API_ANON_RATE": "5/minute", "CONN_MAX_AGE": "0"}


@pytest.fixture
def two_servers(migrated_sqlite, transactional_db):
    """Two gunicorn servers of the same site, as on two machines: each its own process and memory."""
    environment = server_environment(migrated_sqlite)
    servers = []
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "syllabus.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=BASE_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        servers.append((process, f"http://127.0.0.1:{port}"))
    try:
        for process, url in servers:
            wait_until_serving(process, url)
        yield [url for _, url in servers]
    finally:
        for process, _ in servers:
            process.terminate()
            process.communicate(timeout=30)


def wait_until_serving(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped: {process.stderr.read().decode()}")
        try:
            if requests.get(url + reverse("syllabus:robots"), timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow to warm on a busy machine
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer at {url}")


def test_two_server_processes_share_one_throttle_count(two_servers):
    first, second = two_servers
    path = reverse("api:tag-list")

    statuses = [
        requests.get(server + path, timeout=10).status_code for _ in range(8) for server in two_servers
    ]
    answered_by = [requests.get(server + path, timeout=10).status_code for server in (first, second)]

    # 5/minute for the client, whichever process answers: not 5 per process.
    assert statuses == [200] * 5 + [429] * 11
    assert answered_by == [429, 429]
