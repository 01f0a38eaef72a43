import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.syllabus.test_settings import PRODUCTION, load_settings

LOOKUP_VARIABLES = ["LOOKUP_CONTACT_EMAIL", "LOOKUP_TIMEOUT", "LOOKUP_ARXIV_INTERVAL", "LOOKUP_MAX_AGE_DAYS"]
LOOKUP_VARIABLES += ["LOOKUP_API_RATE"]


@pytest.fixture(autouse=True)
def _no_lookup_variables(monkeypatch):
    for name in LOOKUP_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_lookup_defaults_follow_arxivs_rule_and_need_no_contact(monkeypatch, tmp_path):
    loaded = load_settings(monkeypatch, tmp_path, **PRODUCTION)

    assert [loaded[name] for name in LOOKUP_VARIABLES] == ["", 10, 3, 30, "20/minute"]


def test_lookup_settings_come_from_the_environment(monkeypatch, tmp_path):
    env = {
        "LOOKUP_CONTACT_EMAIL": "seminar@example.edu",
        "LOOKUP_TIMEOUT": "5",
        "LOOKUP_ARXIV_INTERVAL": "4",
        "LOOKUP_MAX_AGE_DAYS": "7",
        "LOOKUP_API_RATE": "100/hour",
    }

    loaded = load_settings(monkeypatch, tmp_path, **PRODUCTION, **env)

    assert [loaded[name] for name in LOOKUP_VARIABLES] == ["seminar@example.edu", 5, 4, 7, "100/hour"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LOOKUP_API_RATE": "lots"}, "LOOKUP_API_RATE='lots' must look like 20/minute"),
        ({"LOOKUP_TIMEOUT": "0"}, "LOOKUP_TIMEOUT='0' must be at least 1"),
        ({"LOOKUP_ARXIV_INTERVAL": "soon"}, "LOOKUP_ARXIV_INTERVAL='soon' is not a whole number"),
    ],
)
def test_unusable_lookup_values_stop_start_up(monkeypatch, tmp_path, env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings(monkeypatch, tmp_path, **PRODUCTION, **env)
