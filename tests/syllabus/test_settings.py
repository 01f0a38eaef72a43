"""Settings come from the environment; a value that cannot be used stops start-up, naming the variable."""

import datetime
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "syllabus" / "settings.py"
READ_BY_SETTINGS = ["DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "TIME_ZONE", "CONN_MAX_AGE"]
READ_BY_SETTINGS += ["LOG_LEVEL", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]
READ_BY_SETTINGS += [
    "PAGE_CACHE",
    "PAGE_CACHE_SECONDS",
    "S3_BUCKET",
    "S3_CUSTOM_DOMAIN",
    "S3_SIGNED_URLS",
    "SLIDE_MAX_MB",
    "PHOTO_MAX_MB",
    "PHOTO_MAX_MEGAPIXELS",
    "MEDIA_ROOT",
    "PRIVATE_MEDIA_ROOT",
    "SERVE_MEDIA",
    "PRIVATE_MEDIA_ACCEL_REDIRECT",
    "PRIVATE_MEDIA_URL_SECONDS",
    "EMAIL_URL",
    "SITE_URL",
]
PRODUCTION = {"SECRET_KEY": "x" * 60, "DEBUG": "0"}


def load_settings(monkeypatch, tmp_path, **env: str) -> dict:
    for name in READ_BY_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_defaults_are_sqlite_in_the_data_dir_and_debug_off(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, tmp_path, **PRODUCTION)

    assert settings["DEBUG"] is False
    assert settings["DATABASES"]["default"] == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": tmp_path / "syllabus.sqlite3",
    }
    assert settings["ALLOWED_HOSTS"] == []
    assert (settings["SECURE_SSL_REDIRECT"], settings["SESSION_COOKIE_SECURE"]) == (True, True)


def test_database_url_selects_postgresql_with_pooling_settings(monkeypatch, tmp_path):
    settings = load_settings(
        monkeypatch,
        tmp_path,
        DATABASE_URL="postgres://seminar:secret@db.internal:5433/syllabus",
        CONN_MAX_AGE="120",
        **PRODUCTION,
    )

    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.internal", 5433, "syllabus")
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (120, True)


def test_debug_runs_without_a_secret_key_on_local_hosts(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, tmp_path, DEBUG="yes")

    assert settings["DEBUG"] is True
    assert settings["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]


def test_allowed_hosts_is_a_comma_separated_list(monkeypatch, tmp_path):
    settings = load_settings(
        monkeypatch, tmp_path, ALLOWED_HOSTS="seminar.example.edu, www.example.edu", **PRODUCTION
    )

    assert settings["ALLOWED_HOSTS"] == ["seminar.example.edu", "www.example.edu"]


def test_without_a_key_models_load_but_the_server_refuses_to_start(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, tmp_path, DEBUG="0")

    assert settings["SECRET_KEY"] == ""
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required when DEBUG is off"):
        settings["require_secret_key"]()


def test_a_server_entry_point_refuses_to_start_without_a_key(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "import syllabus.wsgi"],
        cwd=SETTINGS_FILE.parents[1],
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**PRODUCTION, "DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({**PRODUCTION, "CONN_MAX_AGE": "forever"}, "CONN_MAX_AGE='forever' is not a whole number"),
        ({**PRODUCTION, "CONN_MAX_AGE": "-5"}, "CONN_MAX_AGE='-5' must be at least 0"),
        ({**PRODUCTION, "DATABASE_URL": "nosuchdb://host/name"}, "DATABASE_URL cannot be used"),
        ({**PRODUCTION, "TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE='Mars/Olympus' is not a known time zone"),
        ({**PRODUCTION, "LOG_LEVEL": "chatty"}, "LOG_LEVEL='CHATTY' is not one of"),
        ({**PRODUCTION, "EMAIL_URL": "smtp+tls://u:p@smtp.example.edu:587"}, "not 'smtp\\+tls'"),
        ({**PRODUCTION, "SITE_URL": "https://seminar.example.edu/path"}, "SITE_URL='https://seminar"),
    ],
)
def test_unusable_values_stop_start_up_naming_the_variable(monkeypatch, tmp_path, env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings(monkeypatch, tmp_path, **env)


def test_mail_goes_by_email_url_else_nowhere_unless_debug_prints_it(monkeypatch, tmp_path):
    unset = load_settings(monkeypatch, tmp_path, **PRODUCTION)
    debug = load_settings(monkeypatch, tmp_path, DEBUG="1")
    submission = load_settings(
        monkeypatch, tmp_path, **PRODUCTION, EMAIL_URL="submission://mailer:s%40cret@smtp.example.edu"
    )
    ssl = load_settings(monkeypatch, tmp_path, **PRODUCTION, EMAIL_URL="smtp://smtp.example.edu:465?ssl=1")

    assert (unset["EMAIL_BACKEND"], unset["SITE_URL"]) == ("django.core.mail.backends.dummy.EmailBackend", "")
    assert (debug["EMAIL_BACKEND"], debug["SITE_URL"]) == (
        "django.core.mail.backends.console.EmailBackend",
        "http://127.0.0.1:8000",
    )
    assert {
        name: submission[name] for name in ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS"]
    } == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.edu",
        "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True,
    }
    assert (submission["EMAIL_HOST_USER"], submission["EMAIL_HOST_PASSWORD"]) == ("mailer", "s@cret")
    assert (ssl["EMAIL_PORT"], ssl["EMAIL_USE_SSL"], ssl["EMAIL_USE_TLS"]) == (465, True, False)


def test_media_is_on_the_file_system_unless_an_s3_bucket_is_set(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, tmp_path, **PRODUCTION)

    assert settings["STORAGES"]["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert (settings["SLIDE_MAX_BYTES"], settings["PHOTO_MAX_BYTES"]) == (50_000_000, 10_000_000)


def test_an_s3_bucket_moves_media_to_object_storage(monkeypatch, tmp_path):
    settings = load_settings(
        monkeypatch,
        tmp_path,
        **PRODUCTION,
        S3_BUCKET="seminar-media",
        S3_ENDPOINT_URL="https://minio.example.edu",
        S3_REGION="eu-central-1",
        S3_PREFIX="media",
        S3_CUSTOM_DOMAIN="cdn.example.edu",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
        SLIDE_MAX_MB="80",
    )

    media = settings["STORAGES"]["default"]
    assert media == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "seminar-media",
            "endpoint_url": "https://minio.example.edu",
            "region_name": "eu-central-1",
            "custom_domain": "cdn.example.edu",
            "location": "media",
            "access_key": "key",
            "secret_key": "secret",
            "querystring_auth": False,
            "file_overwrite": False,
            "default_acl": None,
        },
    }
    assert settings["SLIDE_MAX_BYTES"] == 80_000_000
    # django-storages accepts these options as they are; making a link needs no network.
    from storages.backends.s3 import S3Storage

    storage = S3Storage(**media["OPTIONS"])
    assert (
        storage.url("slides/fall-2026/week/talk.pdf")
        == "https://cdn.example.edu/media/slides/fall-2026/week/talk.pdf"
    )


def test_signed_links_through_a_custom_domain_are_refused_at_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="S3_SIGNED_URLS cannot work with S3_CUSTOM_DOMAIN"):
        load_settings(
            monkeypatch,
            tmp_path,
            **PRODUCTION,
            S3_BUCKET="seminar-media",
            S3_CUSTOM_DOMAIN="cdn.example.edu",
            S3_SIGNED_URLS="1",
        )


SHARED_STATE_SETTINGS = ["REDIS_URL", "TRUSTED_PROXIES", "LOGIN_FAILURE_LIMIT", "LOGIN_LOCKOUT_MINUTES"]


def load_shared_state_settings(monkeypatch, tmp_path, **env: str) -> dict:
    for name in SHARED_STATE_SETTINGS:  # the Redis test run sets REDIS_URL for everything else
        monkeypatch.delenv(name, raising=False)
    return load_settings(monkeypatch, tmp_path, **PRODUCTION, **env)


def test_without_redis_the_cache_is_a_database_table_with_room_for_many_clients(monkeypatch, tmp_path):
    settings = load_shared_state_settings(monkeypatch, tmp_path)

    assert settings["CACHES"] == {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "syllabus_cache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
    assert (settings["TRUSTED_PROXIES"], settings["REST_FRAMEWORK"]["NUM_PROXIES"]) == (0, 0)


def test_redis_url_selects_djangos_redis_cache(monkeypatch, tmp_path):
    settings = load_shared_state_settings(monkeypatch, tmp_path, REDIS_URL="redis://cache.internal:6379/2")

    assert settings["CACHES"] == {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://cache.internal:6379/2",
        }
    }


def test_proxies_and_lockouts_come_from_the_environment(monkeypatch, tmp_path):
    settings = load_shared_state_settings(
        monkeypatch, tmp_path, TRUSTED_PROXIES="2", LOGIN_FAILURE_LIMIT="3", LOGIN_LOCKOUT_MINUTES="60"
    )

    assert (settings["TRUSTED_PROXIES"], settings["REST_FRAMEWORK"]["NUM_PROXIES"]) == (2, 2)
    assert (settings["AXES_FAILURE_LIMIT"], settings["AXES_COOLOFF_TIME"]) == (3, datetime.timedelta(hours=1))
    assert settings["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDIS_URL": "cache.internal:6379"}, "REDIS_URL='cache.internal:6379' must start with redis://"),
        ({"TRUSTED_PROXIES": "nginx"}, "TRUSTED_PROXIES='nginx' is not a whole number"),
        ({"TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES='-1' must be at least 0"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT='0' must be at least 1"),
        ({"LOGIN_LOCKOUT_MINUTES": "0"}, "LOGIN_LOCKOUT_MINUTES='0' must be at least 1"),
    ],
)
def test_unusable_shared_state_values_stop_start_up(monkeypatch, tmp_path, env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load_shared_state_settings(monkeypatch, tmp_path, **env)


def test_private_files_have_their_own_store_outside_media_and_public_media_is_served(monkeypatch, tmp_path):
    settings = load_settings(
        monkeypatch, tmp_path, **PRODUCTION, PRIVATE_MEDIA_ROOT=str(tmp_path / "private")
    )

    assert settings["STORAGES"]["private"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "private"},
    }
    assert (settings["SERVE_MEDIA"], settings["PRIVATE_MEDIA_ACCEL_REDIRECT"]) == (True, "")


def test_a_private_store_inside_public_media_is_refused_at_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="PRIVATE_MEDIA_ROOT must not be inside MEDIA_ROOT"):
        load_settings(
            monkeypatch,
            tmp_path,
            **PRODUCTION,
            MEDIA_ROOT=str(tmp_path / "media"),
            PRIVATE_MEDIA_ROOT=str(tmp_path / "media" / "private"),
        )


def test_with_s3_private_files_get_short_lived_signed_links_and_media_is_not_served(monkeypatch, tmp_path):
    settings = load_settings(
        monkeypatch,
        tmp_path,
        **PRODUCTION,
        S3_BUCKET="seminar-media",
        S3_REGION="eu-central-1",
        S3_PREFIX="media",
        S3_CUSTOM_DOMAIN="cdn.example.edu",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
        PRIVATE_MEDIA_URL_SECONDS="120",
    )

    private = settings["STORAGES"]["private"]["OPTIONS"]
    assert (private["location"], private["custom_domain"], private["querystring_auth"]) == (
        "media/private",
        None,
        True,
    )
    assert settings["SERVE_MEDIA"] is False
    from storages.backends.s3 import S3Storage

    link = S3Storage(**private).url("slides/fall-2026/week/AbCdEfGh/talk.pdf")  # signed locally, no network
    address, query = link.split("?")
    assert (
        address
        == "https://seminar-media.s3.amazonaws.com/media/private/slides/fall-2026/week/AbCdEfGh/talk.pdf"
    )
    signed = dict(part.split("=") for part in query.split("&"))
    assert (signed["X-Amz-Expires"], signed["X-Amz-Algorithm"], len(signed["X-Amz-Signature"])) == (
        "120",
        "AWS4-HMAC-SHA256",
        64,
    )


def test_serving_media_from_the_app_with_an_s3_bucket_is_refused_at_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="with S3_BUCKET the bucket serves media"):
        load_settings(monkeypatch, tmp_path, **PRODUCTION, S3_BUCKET="seminar-media", SERVE_MEDIA="1")


@pytest.mark.parametrize("data_dir", ["media", "media/data"])
def test_a_data_dir_inside_public_media_is_refused_at_start(monkeypatch, tmp_path, data_dir):
    """DATA_DIR holds the SQLite database and the backups: served at MEDIA_URL they would be public."""
    with pytest.raises(ImproperlyConfigured, match="DATA_DIR must not be inside MEDIA_ROOT"):
        load_settings(
            monkeypatch,
            tmp_path,
            **PRODUCTION,
            MEDIA_ROOT=str(tmp_path / "media"),
            DATA_DIR=str(tmp_path / data_dir),
        )


def test_kept_pages_never_outlive_signed_file_links(monkeypatch, tmp_path):
    signed = {"S3_BUCKET": "seminar", "S3_SIGNED_URLS": "1", **PRODUCTION}

    assert load_settings(monkeypatch, tmp_path, **PRODUCTION)["PAGE_CACHE_SECONDS"] == 3600
    assert load_settings(monkeypatch, tmp_path, **signed)["PAGE_CACHE_SECONDS"] == 1800
    assert load_settings(monkeypatch, tmp_path, PAGE_CACHE="0", PAGE_CACHE_SECONDS="7200", **signed)
    with pytest.raises(ImproperlyConfigured, match="PAGE_CACHE_SECONDS=3600 is too long with S3_SIGNED_URLS"):
        load_settings(monkeypatch, tmp_path, PAGE_CACHE_SECONDS="3600", **signed)
