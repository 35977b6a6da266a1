"""The ``quancheng`` console script: Django's management commands plus demo, serve, token, verify, witness,
checkpoint, ledger key, export-case and verify-bundle."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quancheng.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["quancheng", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
