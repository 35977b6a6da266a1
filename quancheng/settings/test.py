"""Test settings. ``QUANCHENG_TEST_DB=postgres`` runs the suite on the local PostgreSQL server."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import database_from_url, env_str

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

_test_db = env_str("QUANCHENG_TEST_DB", "sqlite")
if _test_db == "postgres":
    DATABASES = {
        "default": database_from_url(
            env_str("QUANCHENG_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/quancheng")
        )
    }
    # Parallel sessions on one machine each get their own test database.
    DATABASES["default"]["TEST"] = {"NAME": env_str("QUANCHENG_PG_TEST_NAME", "test_quancheng")}
elif _test_db == "sqlite":
    DATABASES = {"default": database_from_url("sqlite:///" + str(Path(tempfile.gettempdir()) / "qc-test.sqlite3"))}
    # An on-disk test database lets threaded tests share it; pytest-django gives each run its own file.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.mkdtemp(prefix="qc-sqlite-")) / "test.sqlite3")}
else:
    raise ValueError(f"QUANCHENG_TEST_DB must be sqlite or postgres, got {_test_db!r}")

QUANCHENG_BLOB_DIR = Path(os.environ.get("QUANCHENG_BLOB_DIR") or tempfile.mkdtemp(prefix="qc-blobs-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="qc-static-"))
# Tests never append to the checkout's real witness file.
QUANCHENG_LEDGER_WITNESS = Path(tempfile.mkdtemp(prefix="qc-witness-")) / "ledger-witness.jsonl"
# Nor do they sign with, or create, the checkout's real checkpoint signing key.
QUANCHENG_LEDGER_KEY_FILE = Path(tempfile.mkdtemp(prefix="qc-ledger-key-")) / "ledger-signing.key"
