"""``quancheng verify-bundle FILE.zip --key VERIFIER_KEY``: the standalone bundle verifier, run from the CLI.

The same module that ships in every bundle as ``data/verify_bundle.py`` (``ledger/bundle_verifier.py``). Only
the key given on the command line is trusted, never one found in the bundle. Exit 0 when intact, 1 naming each
failure, 2 when the file or the key cannot be read at all.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quancheng.ledger import bundle_verifier


class Command(BaseCommand):
    help = "离线核验案卷包:BagIt 完整性、每项内容与账本条目、包含证明、检查点签名(只用命令行给出的公钥)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", help="案卷包 zip 文件")
        parser.add_argument("--key", required=True, help="账本公钥(从独立渠道获取,如执法机关网站 /log/key)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = bundle_verifier.parse_verifier_key(options["key"])
        except bundle_verifier.NoteError as exc:
            raise CommandError(f"公钥无法使用 / unusable key: {exc}", returncode=bundle_verifier.EXIT_UNUSABLE) from exc
        try:
            report = bundle_verifier.verify_bundle(options["bundle"], key)
        except bundle_verifier.BundleUnusable as exc:
            raise CommandError(f"{options['bundle']}: {exc}", returncode=bundle_verifier.EXIT_UNUSABLE) from exc
        for line in bundle_verifier.summary_lines(report, options["bundle"]):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                f"案卷包核验未通过,共 {len(report.failures)} 处问题 / bundle failed verification",
                returncode=bundle_verifier.EXIT_FAILED,
            )
