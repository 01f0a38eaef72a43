"""The README's "Using the API" examples run as written, against a live server with the demo."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from rest_framework.authtoken.models import Token

README = Path(__file__).resolve().parents[2] / "README.md"


def examples(language: str) -> list[str]:
    section = README.read_text().split("## Using the API", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture
def environment(live_server, transactional_db):
    call_command("load_demo")
    editor = User.objects.create_user("script")
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["syllabus", "papers"]))
    token = Token.objects.create(user=editor).key
    return {**os.environ, "SYLLABUS_URL": live_server.url, "SYLLABUS_TOKEN": token}


def test_readme_has_curl_and_python_examples():
    assert len(examples("sh")) == 1 and len(examples("python")) == 1


def test_curl_examples_run(environment):
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", examples("sh")[0]], env=environment, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert '"title":"Optimisation and normalisation"' in result.stdout
    assert '"title":"Deep Sets"' in result.stdout and '"tags":["sets"]' in result.stdout


def test_python_example_runs(environment):
    result = subprocess.run(
        [sys.executable, "-c", examples("python")[0]], env=environment, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "2026-09-10 Optimisation and normalisation | Adam: A Method for Stochastic Optimization; "
        "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift"
    )
    assert lines[-1] == "Added row 3 to Optimisation and normalisation"
