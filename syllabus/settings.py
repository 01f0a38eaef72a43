"""Settings for Syllabus, read from environment variables.

Local defaults are safe and need no server: SQLite in `var/`, DEBUG off unless asked for.
A value that cannot be parsed stops start-up with ImproperlyConfigured naming the variable.
Every variable is listed in README.md.
"""

import datetime
import os
import re
import zoneinfo
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = env_str(name)
    return Path(raw).expanduser().resolve() if raw else default


DEBUG = env_bool("DEBUG", False)
SITE_NAME = env_str("SITE_NAME", "Syllabus")

SECRET_KEY = env_str("SECRET_KEY")
MISSING_SECRET_KEY = (
    "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY to a long random string, "
    "or set DEBUG=1 for local development."
)
if not SECRET_KEY and DEBUG:
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"
# Without a key, tools that only read the models (makemigrations --check) still work; anything that
# signs (sessions, CSRF) gets Django's own error, and the web server refuses to start (see below).


def require_secret_key() -> None:
    """Called by the WSGI and ASGI entry points: a server never starts without a key."""
    if not SECRET_KEY:
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    # Before staticfiles, so runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",  # admin login lockouts (see "Logins" below)
    "simple_history",  # who changed what (syllabus/history.py)
    "syllabus",
    "papers",
    "presenters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Whole public pages for anonymous visitors, and their 304s, before anything renders
    # (syllabus/caching.py); after the HTTPS redirect, outside everything that adds headers.
    "syllabus.caching.PageCacheMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (syllabus/security.py).
    "syllabus.security.ContentSecurityPolicyMiddleware",
    "syllabus.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for HTML and JSON, not the admin (whitenoise sends static files precompressed itself).
    "syllabus.caching.GZipMiddleware",
    # ETag on every page and API response; a matching If-None-Match gets 304 Not Modified.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # History records the request's user (for the API, the token's user, set once DRF has read it).
    "simple_history.middleware.HistoryRequestMiddleware",
    # 413 by Content-Length (411 for chunked bodies) before anything reads the body (CSRF checks read
    # forms in process_view, after every __call__); 408 if it stalls. After the user is known: uploads
    # may be large only for signed-in users.
    "syllabus.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it turns a refused login into the lockout page (see "Logins" below).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "syllabus.urls"
WSGI_APPLICATION = "syllabus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "syllabus.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL selects PostgreSQL (postgres://user@host:5432/name); unset means SQLite.
DATA_DIR = env_path("DATA_DIR", BASE_DIR / "var")
_database_url = env_str("DATABASE_URL")
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 60)
CONN_HEALTH_CHECKS = env_bool("CONN_HEALTH_CHECKS", True)
if _database_url:
    try:
        _database = dj_database_url.parse(
            _database_url, conn_max_age=CONN_MAX_AGE, conn_health_checks=CONN_HEALTH_CHECKS
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be used: {error}") from None
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _database = {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "syllabus.sqlite3"}
DATABASES = {"default": _database}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared state of every worker on every machine (API throttle counts; later sign-in limits): Redis
# when REDIS_URL is set, else a table in the database (made by `migrate`), never per-process memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not re.match(r"(rediss?|unix)://", REDIS_URL):
    raise ImproperlyConfigured(
        f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix:// (e.g. redis://127.0.0.1:6379/0)."
    )
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "syllabus_cache",
            # Past MAX_ENTRIES a third of the rows are dropped, and with them throttle counts.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# Whole public pages and anonymous API reads kept in that cache (README "Caching"). A change to what
# they show is seen at once (a content version); PAGE_CACHE_SECONDS only bounds how long an entry
# nobody asks for any more takes room.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
# Signed file links (S3_SIGNED_URLS) live an hour (django-storages' default): a kept page, and the
# 304s that confirm it, must not outlive the links it holds, so its window is at most half of that.
_SIGNED_MEDIA_URLS = bool(env_str("S3_BUCKET")) and env_bool("S3_SIGNED_URLS", False)
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 1800 if _SIGNED_MEDIA_URLS else 3600, minimum=1)
if _SIGNED_MEDIA_URLS and PAGE_CACHE and PAGE_CACHE_SECONDS > 1800:
    raise ImproperlyConfigured(
        f"PAGE_CACHE_SECONDS={PAGE_CACHE_SECONDS} is too long with S3_SIGNED_URLS: kept pages would "
        "hold file links that expire after an hour. Use 1800 or less, or PAGE_CACHE=0."
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not a known time zone (e.g. Europe/Berlin).")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "var" / "static")
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = env_path("MEDIA_ROOT", BASE_DIR / "var" / "media")

# Uploads (slide decks, photos): files under MEDIA_ROOT, or an S3-compatible bucket when S3_BUCKET
# is set (django-storages; credentials from S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY or boto3's own).
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET and env_str("S3_CUSTOM_DOMAIN") and env_bool("S3_SIGNED_URLS", False):
    raise ImproperlyConfigured(
        "S3_SIGNED_URLS cannot work with S3_CUSTOM_DOMAIN: links through a custom domain are not signed."
    )
if S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,  # e.g. MinIO, Ceph, R2
            "region_name": env_str("S3_REGION") or None,
            "custom_domain": env_str("S3_CUSTOM_DOMAIN") or None,  # a CDN in front of the bucket
            "location": env_str("S3_PREFIX"),
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "querystring_auth": env_bool("S3_SIGNED_URLS", False),
            "file_overwrite": False,
            "default_acl": None,  # the bucket's own policy decides who may read
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Files that are not public (private decks, draft weeks, unannounced presenters): outside MEDIA_ROOT,
# served only by the view that checks who asks (see syllabus/storage.py); with S3, a private prefix
# of the bucket, reached through short-lived signed links.
PRIVATE_MEDIA_ROOT = env_path("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private")
if PRIVATE_MEDIA_ROOT == MEDIA_ROOT or MEDIA_ROOT in PRIVATE_MEDIA_ROOT.parents:
    raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must not be inside MEDIA_ROOT, which anyone may read.")
if DATA_DIR == MEDIA_ROOT or MEDIA_ROOT in DATA_DIR.parents:
    # DATA_DIR holds the SQLite database and the backups (emails, password hashes).
    raise ImproperlyConfigured("DATA_DIR must not be inside MEDIA_ROOT, which anyone may read.")
PRIVATE_MEDIA_URL_SECONDS = env_int("PRIVATE_MEDIA_URL_SECONDS", 300, minimum=1)
# An nginx `internal` location (e.g. /_private/) that sends private files once the view allowed it.
PRIVATE_MEDIA_ACCEL_REDIRECT = env_str("PRIVATE_MEDIA_ACCEL_REDIRECT")
if S3_BUCKET:
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_media_storage["OPTIONS"],
            "location": "/".join(part for part in (env_str("S3_PREFIX").strip("/"), "private") if part),
            "custom_domain": None,  # links through a custom domain cannot be signed
            "querystring_auth": True,
            "querystring_expire": PRIVATE_MEDIA_URL_SECONDS,
        },
    }
else:
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    }
# Django serves the public store at MEDIA_URL itself (production too) unless the web server does.
SERVE_MEDIA = env_bool("SERVE_MEDIA", not S3_BUCKET)
if SERVE_MEDIA and S3_BUCKET:
    raise ImproperlyConfigured("SERVE_MEDIA serves MEDIA_ROOT; with S3_BUCKET the bucket serves media.")
MEDIA_MAX_AGE = env_int("MEDIA_MAX_AGE", 3600)  # seconds browsers may keep a public file
STORAGES = {
    "default": _media_storage,
    "private": _private_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SLIDE_MAX_BYTES = env_int("SLIDE_MAX_MB", 50, minimum=1) * 1_000_000
SLIDE_PREVIEW_SECONDS = env_int("SLIDE_PREVIEW_SECONDS", 20, minimum=1)  # then the placeholder shows
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_MB", 10, minimum=1) * 1_000_000
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_MEGAPIXELS", 40, minimum=1) * 1_000_000
# Seconds of silence after which a request body that stopped arriving is given up (408; gunicorn).
REQUEST_BODY_TIMEOUT = env_int("REQUEST_BODY_TIMEOUT", 10, minimum=1)

# Security. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=1.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the site append to X-Forwarded-For; 0 trusts only the connection's
# address. Read by syllabus.clients.client_address (throttles, login lockouts).
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Under /api/ a CSRF refusal is JSON like every other API error (syllabus/errors.py).
CSRF_FAILURE_VIEW = "syllabus.errors.csrf_failure"
# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere. Images may also come
# from the uploads' storage (S3, a CDN), added per response by syllabus.security. README "Security".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The REST API under /api/v1/ (see README "Using the API").
API_ANON_RATE = env_str("API_ANON_RATE", "120/minute")
if not re.fullmatch(r"\d+/(second|minute|hour|day)", API_ANON_RATE):
    raise ImproperlyConfigured(
        f"API_ANON_RATE={API_ANON_RATE!r} must look like 120/minute (second, minute, hour or day)."
    )
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous write gets 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "syllabus.api_defaults.PageNumberPagination",
    "PAGE_SIZE": 50,
    # JSON nested too deep or holding lone surrogates is a 400, not a 500 (see api_defaults.JSONParser).
    # JSON only: what the schema offers (a form cannot carry nested fields, lists or null); the
    # addresses that take a file add multipart (api_defaults.UPLOAD_PARSERS, the file actions).
    "DEFAULT_PARSER_CLASSES": ["syllabus.api_defaults.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["syllabus.api_defaults.AnonymousRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "syllabus.api_schema.SeminarAutoSchema",
    "EXCEPTION_HANDLER": "syllabus.api_defaults.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # DRF's own two, the HTML one allowing its inline style attributes under our CSP.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "syllabus.security.BrowsableAPIRenderer",
    ],
}
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXIES  # for DRF's own throttles; ours use client_address

# Paper metadata lookup (papers/lookup/): the arXiv API and DOI content negotiation. Both ask clients
# for a contact address, sent in the User-Agent. Answers are kept LOOKUP_MAX_AGE_DAYS in PaperLookup.
LOOKUP_CONTACT_EMAIL = env_str("LOOKUP_CONTACT_EMAIL")
LOOKUP_TIMEOUT = env_int("LOOKUP_TIMEOUT", 10, minimum=1)  # seconds per connect and per read
LOOKUP_ARXIV_INTERVAL = env_int("LOOKUP_ARXIV_INTERVAL", 3)  # arXiv's rule: one request every 3 s
LOOKUP_MAX_AGE_DAYS = env_int("LOOKUP_MAX_AGE_DAYS", 30, minimum=1)
LOOKUP_API_RATE = env_str("LOOKUP_API_RATE", "20/minute")  # per user, POST /api/v1/papers/lookup/
if not re.fullmatch(r"\d+/(second|minute|hour|day)", LOOKUP_API_RATE):
    raise ImproperlyConfigured(
        f"LOOKUP_API_RATE={LOOKUP_API_RATE!r} must look like 20/minute (second, minute, hour or day)."
    )

# Logins: after LOGIN_FAILURE_LIMIT wrong passwords for one username from one client address, that
# pair is locked for LOGIN_LOCKOUT_MINUTES (django-axes; attempts are kept in the database, and
# staff unlock under Axes in the admin or with `manage.py axes_reset_username USERNAME`).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked pair before the password is checked
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",  # presenters' emailed links (presenters/signin.py)
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "syllabus.clients.client_address"
AXES_LOCKOUT_CALLABLE = "syllabus.logins.lockout_response"
AXES_VERBOSE = False  # no banner at start-up; lockouts are still logged

# Presenters sign in with a link sent by email (django-sesame; presenters/signin.py). A link works
# once (SESAME_ONE_TIME: it is spent when the sign-in updates last_login) and for SIGN_IN_LINK_HOURS.
SIGN_IN_LINK_HOURS = env_int("SIGN_IN_LINK_HOURS", 72, minimum=1)
SESAME_MAX_AGE = SIGN_IN_LINK_HOURS * 3600
SESAME_ONE_TIME = True
SESAME_TOKEN_NAME = "token"
LOGIN_URL = "account:sign_in"
LOGIN_REDIRECT_URL = "account:my_sessions"
# Sign-in requests: at most this many links per address, and requests per client address, an hour.
SIGN_IN_RATE_PER_EMAIL = env_int("SIGN_IN_RATE_PER_EMAIL", 5, minimum=1)
SIGN_IN_RATE_PER_CLIENT = env_int("SIGN_IN_RATE_PER_CLIENT", 20, minimum=1)
# Where the site is, for links in mail sent without a request (reminders from cron), e.g.
# https://seminar.example.edu. Mail sent from a request uses the request's own address.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if SITE_URL and not re.match(r"https?://[^/]+$", SITE_URL):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must look like https://seminar.example.edu (no path).")
# Instructors (staff users with an email address) get a mail when a presenter uploads slides.
NOTIFY_INSTRUCTORS_OF_UPLOADS = env_bool("NOTIFY_INSTRUCTORS_OF_UPLOADS", False)

# Mail: EMAIL_URL (dj-email-url), e.g. submission://user:password@smtp.example.edu:587 (STARTTLS)
# or smtp://user:password@smtp.example.edu:465?ssl=1; the scheme names the backend (smtp,
# submission, console, file, memory, dummy). Unset: the console (mail is printed) when DEBUG is
# on, else nothing can be sent until it is set (`check --deploy` warns).
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    try:
        _email = dj_email_url.parse(EMAIL_URL)
    except (ValueError, KeyError) as error:
        raise ImproperlyConfigured(f"EMAIL_URL cannot be used: {error}") from None
    if "EMAIL_BACKEND" not in _email:  # an unknown scheme (smtp+tls://) names no backend
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with smtp://, submission://, console://, file://, memory:// or dummy:// "
            f"(not {EMAIL_URL.partition(':')[0]!r})."
        )
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = (
        _email["EMAIL_HOST_USER"] or "",
        _email["EMAIL_HOST_PASSWORD"] or "",
    )
    EMAIL_USE_TLS, EMAIL_USE_SSL = _email["EMAIL_USE_TLS"], _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 20
    if _email.get("EMAIL_FILE_PATH"):
        EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Syllabus <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SPECTACULAR_SETTINGS = {
    "TITLE": "Syllabus API",
    "DESCRIPTION": "Terms, weekly sessions, papers, presenters and slides of the seminar.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Interactive docs from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "syllabus.api_schema.add_error_responses",
        "syllabus.api_schema.one_request_content_type",
        "syllabus.api_schema.explicit_null",
    ],
    # Where clients send requests: this site, or (without SITE_URL) wherever the schema was read from.
    "SERVERS": [{"url": SITE_URL or "/", "description": "This site"}],
}

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
