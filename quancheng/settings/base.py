"""Settings shared by every environment.

Environment values are parsed strictly: a bad value stops the process at start-up instead of
surfacing later as odd behaviour (Healthchecks' ``envbool`` habit).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def database_from_url(url: str) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user:pw@host:port/name`` into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path) if parsed.netloc == "" else unquote(parsed.netloc + parsed.path)
        if path.startswith("//"):
            path = path[1:]
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or ":memory:",
            # IMMEDIATE makes every write transaction take the write lock up front, so two writers
            # never deadlock upgrading a read lock; WAL lets readers continue while one writes.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "quancheng",
            "USER": unquote(parsed.username or "postgres"),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
            "CONN_MAX_AGE": 60,
        }
    raise ImproperlyConfigured(f"QUANCHENG_DATABASE_URL has an unsupported scheme: {url!r}")


# A source checkout keeps its data in <checkout>/var whatever directory a command runs from; an installed
# package (no pyproject.toml beside it) uses ./var unless QUANCHENG_DATA_DIR says otherwise.
_CHECKOUT = BASE_DIR.parent
_DEFAULT_DATA_DIR = _CHECKOUT / "var" if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd() / "var"
DATA_DIR = Path(env_str("QUANCHENG_DATA_DIR", str(_DEFAULT_DATA_DIR))).resolve()

SECRET_KEY = env_str("QUANCHENG_SECRET_KEY", "")
DEBUG = env_bool("QUANCHENG_DEBUG", False)
ALLOWED_HOSTS = [h for h in env_str("QUANCHENG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "quancheng.core",
    "quancheng.ledger",
    "quancheng.accounts",
    "quancheng.cases",
    "quancheng.records",
    "quancheng.evidence",
    "quancheng.uploads",
    "quancheng.rules",
    "quancheng.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "quancheng.core.middleware.ApiErrorBodyMiddleware",  # /api/ refusals are JSON even before the API runs
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "quancheng.urls"
WSGI_APPLICATION = "quancheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("QUANCHENG_DATABASE_URL", f"sqlite:///{DATA_DIR / 'quancheng.sqlite3'}"))
}

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "/admin/login/"

# --- Quancheng ---------------------------------------------------------------------------------
# Blob storage for media objects: "local" (content-addressed directory) or "s3".
QUANCHENG_BLOB_BACKEND = env_str("QUANCHENG_BLOB_BACKEND", "local")
QUANCHENG_BLOB_DIR = Path(env_str("QUANCHENG_BLOB_DIR", str(DATA_DIR / "blobs")))
QUANCHENG_S3_BUCKET = env_str("QUANCHENG_S3_BUCKET", "quancheng-media")
QUANCHENG_S3_ENDPOINT_URL = env_str("QUANCHENG_S3_ENDPOINT_URL", "")
QUANCHENG_S3_REGION = env_str("QUANCHENG_S3_REGION", "us-east-1")
# Largest single multipart upload accepted (bytes). Resumable ingest (tus) handles bigger files.
QUANCHENG_MAX_UPLOAD_BYTES = env_int("QUANCHENG_MAX_UPLOAD_BYTES", 2 * 1024 * 1024 * 1024)
# Ordinary footage (linked to no case) is kept at least this many months after upload, then disposed
# (ARCHIVE-03: retention is set per class; evidence linked to a case is kept with the case file, ARCHIVE-01).
QUANCHENG_MEDIA_RETENTION_MONTHS = env_int("QUANCHENG_MEDIA_RETENTION_MONTHS", 6)
if QUANCHENG_MEDIA_RETENTION_MONTHS < 1:
    raise ImproperlyConfigured(
        f"QUANCHENG_MEDIA_RETENTION_MONTHS must be at least 1, got {QUANCHENG_MEDIA_RETENTION_MONTHS}"
    )
# Playback custody (ACCESS-05/06): Range requests by the same user for the same media and purpose within this many
# seconds of the first logged playback are covered by that entry (a player seeking sends dozens); a download of
# the whole file (no Range) is always logged. 0 logs every Range request.
QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS = env_int("QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS", 600)
if QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS < 0:
    raise ImproperlyConfigured("QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS must not be negative")
# Resumable uploads (tus, /api/v1/uploads/): the largest upload accepted (bytes); how long an unfinished upload
# is kept after its last received chunk (seconds) before `quancheng uploads-expire` removes it; how long one PATCH
# may hold an upload (seconds; longer than gunicorn's 300 s timeout, after which a stuck worker is gone anyway).
QUANCHENG_TUS_MAX_SIZE = env_int("QUANCHENG_TUS_MAX_SIZE", 64 * 1024 * 1024 * 1024)
QUANCHENG_TUS_EXPIRY_SECONDS = env_int("QUANCHENG_TUS_EXPIRY_SECONDS", 3 * 24 * 3600)
QUANCHENG_TUS_LEASE_SECONDS = env_int("QUANCHENG_TUS_LEASE_SECONDS", 330)
if min(QUANCHENG_TUS_MAX_SIZE, QUANCHENG_TUS_EXPIRY_SECONDS, QUANCHENG_TUS_LEASE_SECONDS) < 1:
    raise ImproperlyConfigured("QUANCHENG_TUS_MAX_SIZE, _EXPIRY_SECONDS and _LEASE_SECONDS must be positive")
# Ledger witness: (size, root) lines kept outside the database; `quancheng verify` checks and extends it.
QUANCHENG_LEDGER_WITNESS = Path(env_str("QUANCHENG_LEDGER_WITNESS", str(DATA_DIR / "ledger-witness.jsonl")))
# Signed checkpoints (C2SP tlog-checkpoint): the origin line, which is also the signing key's name; the Ed25519
# private key, created at first use with mode 0600 and kept outside the database (never commit it); and how often
# (seconds) the checkpointer signs the log when it has grown.
QUANCHENG_LOG_ORIGIN = env_str("QUANCHENG_LOG_ORIGIN", "zf.example.gov.cn/quancheng")
QUANCHENG_LEDGER_KEY_FILE = Path(env_str("QUANCHENG_LEDGER_KEY_FILE", str(DATA_DIR / "ledger-signing.key")))
QUANCHENG_CHECKPOINT_INTERVAL = env_int("QUANCHENG_CHECKPOINT_INTERVAL", 60)
if QUANCHENG_CHECKPOINT_INTERVAL < 1:
    raise ImproperlyConfigured(
        f"QUANCHENG_CHECKPOINT_INTERVAL must be at least 1 second, got {QUANCHENG_CHECKPOINT_INTERVAL}"
    )
# Periodic work done by the checkpointer process between its rounds (quancheng.core.periodic): dotted path and
# interval in seconds. The rules sweep records deadline yellow/red warnings and other findings (DEADLINE-*).
# Unfinished resumable uploads past their expiry are removed; media past retention (and not linked, held or
# evidence) is disposed of.
QUANCHENG_RULES_SWEEP_INTERVAL = env_int("QUANCHENG_RULES_SWEEP_INTERVAL", 3600)
QUANCHENG_UPLOAD_EXPIRY_INTERVAL = env_int("QUANCHENG_UPLOAD_EXPIRY_INTERVAL", 600)
QUANCHENG_MEDIA_DISPOSAL_INTERVAL = env_int("QUANCHENG_MEDIA_DISPOSAL_INTERVAL", 86400)
QUANCHENG_PERIODIC_JOBS: list[tuple[str, float]] = [
    ("quancheng.rules.services.rules_sweep", QUANCHENG_RULES_SWEEP_INTERVAL),
    ("quancheng.uploads.services.uploads_expire_due", QUANCHENG_UPLOAD_EXPIRY_INTERVAL),
    ("quancheng.evidence.retention.media_dispose_expired", QUANCHENG_MEDIA_DISPOSAL_INTERVAL),
]
# Entry bundles (/log/tile/entries/..., C2SP tlog-tiles) carry no personal data, but by default only signed-in
# users (session or API token) may read them; true makes them public like the hash tiles.
QUANCHENG_LOG_ENTRIES_PUBLIC = env_bool("QUANCHENG_LOG_ENTRIES_PUBLIC", False)

# Django's own in-memory limit for request bodies; uploads stream to disk past this.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("QUANCHENG_LOG_LEVEL", "INFO")},
}
