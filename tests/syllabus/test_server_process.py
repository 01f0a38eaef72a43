"""The real thing: gunicorn with gunicorn.conf.py in a subprocess, spoken to through a raw socket.

Only a real server shows whether a worker waits for a body that never comes, and only a process of
its own can run with a database that does not answer.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from syllabus.errors import DATABASE_UNAVAILABLE

BOUNDARY = "xyz"
CSRF_COOKIE = "csrftoken=" + "a" * 32  # well-formed, so the CSRF check reads the form for its token
UNREACHABLE_DATABASE = "postgres://postgres@127.0.0.1:1/nowhere"  # a closed port, in both CI runs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(directory: Path, **overrides: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    env.update(
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATA_DIR=str(directory / "data"),
        MEDIA_ROOT=str(directory / "media"),
        STATIC_ROOT=str(directory / "static"),
        LOG_LEVEL="INFO",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, check=True, capture_output=True, text=True
    ).stdout


def exchange(port: int, raw: bytes, timeout: float = 5) -> tuple[int, dict[str, str], bytes, float]:
    """Send raw bytes, read the whole answer: status, headers (lower-case names), body, seconds taken."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    seconds = time.monotonic() - start
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return (
        int(status_line.split()[1]),
        {name.lower(): value for name, value in headers.items()},
        body,
        seconds,
    )


def request(method: str, path: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[int]:
    port = free_port()
    with log.open("wb") as output:
        command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        command += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:  # until the worker has answered once (and loaded the URLs)
            try:
                exchange(port, request("GET", "/healthz"))
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # a worker stuck on a body (as on the code before the fix)
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[int, str]]:
    """gunicorn on a migrated SQLite database of its own, with an editor's API token."""
    directory = tmp_path_factory.mktemp("server")
    env = server_env(directory, REQUEST_BODY_TIMEOUT="1")
    manage(env, "migrate", "--noinput", "-v0")
    token = manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; from rest_framework.authtoken.models import Token; "
        "print(Token.objects.create(user=User.objects.create_superuser('editor', 'e@example.edu', 'x')).key)",
    ).split()[-1]  # after the shell's own note on what it imported
    with gunicorn(env, directory / "gunicorn.log") as port:
        yield port, token


def test_upload_announcing_far_more_than_it_sends_gets_413_at_once(server):
    port, token = server
    raw = request(
        "POST",
        "/api/v1/slides/",
        f"Authorization: Token {token}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        f"Content-Length: {10**10}",
        body=f"--{BOUNDARY}\r\n".encode(),
    )

    status, headers, body, seconds = exchange(port, raw)

    assert (status, headers["content-type"]) == (413, "application/json")
    assert body == (
        b'{"detail": "This request is 10000.0 MB; this address accepts at most 52.6 MB '
        b'(a slide deck may be at most 50.0 MB)."}'
    )
    assert seconds < 1


def test_form_announcing_far_more_than_it_sends_gets_an_html_413_at_once(server):
    port, _ = server
    raw = request(
        "POST",
        "/admin/login/",
        f"Cookie: {CSRF_COOKIE}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        f"Content-Length: {10**10}",
        body=f"--{BOUNDARY}\r\n".encode(),
    )

    status, headers, body, seconds = exchange(port, raw)

    assert (status, headers["content-type"]) == (413, "text/html; charset=utf-8")
    assert b"<p>This request is 10000.0 MB; this address accepts at most 2.6 MB.</p>" in body
    assert seconds < 1


def test_body_that_stops_arriving_gets_408_and_frees_the_worker(server):
    port, token = server
    raw = request(
        "POST",
        "/api/v1/terms/",
        f"Authorization: Token {token}",
        "Content-Type: application/json",
        "Content-Length: 100",  # within every limit; only 9 bytes come
        body=b'{"name": ',
    )

    status, headers, body, seconds = exchange(port, raw)
    after = exchange(port, request("GET", "/healthz"))

    assert (status, headers["content-type"]) == (408, "application/json")
    assert body == (
        b'{"detail": "The request body stopped arriving: nothing came for 1 s '
        b'before all the bytes its Content-Length announced."}'
    )
    assert 1 <= seconds < 3  # REQUEST_BODY_TIMEOUT=1, not gunicorn's 60 s
    assert after[:3] == (200, after[1], b'{"status": "ok"}')


def test_chunked_body_gets_411(server):
    port, token = server
    raw = request(
        "POST",
        "/api/v1/terms/",
        f"Authorization: Token {token}",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        body=b"2\r\n{}\r\n0\r\n\r\n",
    )

    status, headers, body, _ = exchange(port, raw)

    assert (status, headers["content-type"]) == (411, "application/json")
    assert body == (
        b'{"detail": "Send the request body with a Content-Length header; bodies sent in chunks '
        b'(Transfer-Encoding: chunked) are not accepted."}'
    )


def test_database_outage_answers_503_with_retry_after(tmp_path):
    env = server_env(tmp_path, DATABASE_URL=UNREACHABLE_DATABASE)
    log = tmp_path / "gunicorn.log"

    with gunicorn(env, log) as port:
        page = exchange(port, request("GET", "/", "Cookie: sessionid=" + "s" * 32))  # a session to look up
        api = exchange(port, request("GET", "/api/v1/terms/", "Accept: application/json"))
        health = exchange(port, request("GET", "/healthz"))

    status, headers, body, _ = page
    assert (status, headers["content-type"], headers["retry-after"]) == (
        503,
        "text/html; charset=utf-8",
        "30",
    )
    assert f"<p>{DATABASE_UNAVAILABLE}</p>".encode() in body
    status, headers, body, _ = api
    assert (status, headers["content-type"], headers["retry-after"]) == (503, "application/json", "30")
    assert body == f'{{"detail": "{DATABASE_UNAVAILABLE}"}}'.encode()
    status, headers, body, _ = health
    assert (status, headers["content-type"], headers["retry-after"]) == (503, "application/json", "30")
    assert body == f'{{"status": "unavailable", "detail": "{DATABASE_UNAVAILABLE}"}}'.encode()
    lines = log.read_text().splitlines()
    # Each outage is one error in the log (with its traceback); the health probe only warns.
    assert [line for line in lines if line.startswith("Service Unavailable")] == [
        "Service Unavailable: /",
        "Service Unavailable: /api/v1/terms/",
    ]
