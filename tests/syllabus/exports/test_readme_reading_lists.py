"""The README's "Reading lists" curl example runs as written, against a live server with the demo."""

import os
import re
import subprocess
from pathlib import Path

from django.core.management import call_command

from tests.syllabus.exports.readers import read_bibtex

README = Path(__file__).resolve().parents[3] / "README.md"


def curl_example() -> str:
    section = README.read_text().split("## Reading lists (BibTeX, RIS, CSV)", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)[0]


def test_reading_list_curl_example_runs(live_server, transactional_db, tmp_path):
    call_command("load_demo")

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", curl_example()],
        env={**os.environ, "SYLLABUS_URL": live_server.url},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    saved = read_bibtex((tmp_path / "fall-2026.bib").read_text())
    assert saved["kingma2015adam"]["title"] == "Adam: A Method for Stochastic Optimization"
    assert "TI  - Attention Is All You Need\n" in result.stdout  # the term's RIS
    search = result.stdout[result.stdout.rindex('{"count":') :]  # the search's JSON, printed last
    assert '"title":"Explaining and Harnessing Adversarial Examples"' in search
    assert '"week":"Adversarial examples"' in search
