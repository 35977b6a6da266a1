"""``quancheng ledger key``: print the verifier key that checks the ledger's signed checkpoints.

The key is ``<origin>+<key ID>+<base64(0x01 ‖ Ed25519 public key)>`` (C2SP signed-note), the same text as
``GET /log/key``; give it to anyone who will verify a checkpoint or a case bundle. The signing key is created on
first use if it does not exist yet.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quancheng.ledger.checkpoints import SigningKeyError, verifier_key


class Command(BaseCommand):
    help = "账本相关操作。key:显示核验签名检查点所用的公钥(C2SP verifier key)。"

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, title="子命令 subcommands")
        subcommands.add_parser("key", help="显示核验签名检查点所用的公钥(verifier key)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "key":
            try:
                self.stdout.write(verifier_key())
            except SigningKeyError as exc:
                raise CommandError(str(exc), returncode=2) from exc
