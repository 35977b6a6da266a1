"""Embedded single-machine settings: SQLite under ``var/``, used by ``make demo``."""

from .base import *  # noqa: F403
from .base import DATA_DIR, SECRET_KEY, env_bool

DEBUG = env_bool("QUANCHENG_DEBUG", False)

if not SECRET_KEY:
    # The embedded install keeps a generated key beside its database, so sessions survive restarts
    # without anyone having to invent a secret.
    _key_file = DATA_DIR / "secret_key"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
