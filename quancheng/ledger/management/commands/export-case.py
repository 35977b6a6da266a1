"""``quancheng export-case CASE_NUMBER -o FILE.zip --reason "..." [--actor USERNAME]``: a verifiable case bundle.

Writes the BagIt zip (``ledger/bundle.py``) next to FILE first and renames it into place only when complete, so
a failed export never leaves a partial file under the name. The export is recorded in the ledger (who, when,
why). Prints the bundle's SHA-256 and the command that verifies it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quancheng.core.errors import DomainError
from quancheng.ledger.bundle import export_case
from quancheng.ledger.checkpoints import SigningKeyError, verifier_key


class Command(BaseCommand):
    help = "把案件导出为可离线核验的案卷包(BagIt zip),并把本次导出(导出人、时间、事由)记入账本。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case_number", help="案件编号,如 示市监立〔2026〕1号")
        parser.add_argument("-o", "--output", required=True, help="输出的 zip 文件(不得已存在)")
        parser.add_argument("--reason", required=True, help="导出事由(记入账本)")
        parser.add_argument("--actor", help="导出人用户名(须有权查看该案件);省略时以 system 身份导出")

    def handle(self, *args: Any, **options: Any) -> None:
        from quancheng.accounts.models import User
        from quancheng.cases.models import Case

        case = Case.objects.filter(number=options["case_number"].strip()).first()
        if case is None:
            raise CommandError(f"案件“{options['case_number']}”不存在 / no such case", returncode=1)
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"用户“{options['actor']}”不存在或已停用 / no such active user", returncode=1)
        target = Path(options["output"])
        if target.exists():
            raise CommandError(f"{target} 已存在,不会覆盖 / {target} exists, not overwritten", returncode=1)
        fd, partial = tempfile.mkstemp(
            dir=target.parent if str(target.parent) else ".", prefix=".export-", suffix=".part"
        )
        try:
            with os.fdopen(fd, "wb") as out:
                result = export_case(actor=actor, case=case, reason=options["reason"], out=out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except DomainError as exc:
            raise CommandError(f"{exc.message} ({exc.code})", returncode=1) from exc
        except SigningKeyError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            Path(partial).unlink(missing_ok=True)
        self.stdout.write(f"案卷包已导出 / bundle written: {target}")
        self.stdout.write(f"  大小 size: {result.size} 字节 bytes, 文件 files: {result.payload_files}")
        self.stdout.write(f"  SHA-256: {result.sha256}(已记入账本 / recorded in the ledger)")
        self.stdout.write(
            f"  签名检查点 checkpoint: 树大小 size {result.checkpoint.size}, 账本条目 entries: {result.entries}"
        )
        self.stdout.write("核验 / verify (请把公钥经独立渠道交给接收方 / give the key to the recipient separately):")
        self.stdout.write(f"  python3 verify_bundle.py {target.name} --key '{verifier_key()}'")
