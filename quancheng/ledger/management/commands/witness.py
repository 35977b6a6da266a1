"""``quancheng witness``: check the tree against the witness file, then append its current (size, root).

Cheap enough for cron (entries only: rows and blobs are ``quancheng verify``'s job). Witness often: a rewrite is
caught only if it touches entries that a checkpoint taken before the rewrite covers. Exit 1 naming each problem,
and append nothing, when the tree does not check out.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from quancheng.ledger.verify import verify_tree
from quancheng.ledger.witness import witness_path

from .verify import witness_text, write_witness


class Command(BaseCommand):
    help = "核对账本默克尔树与见证文件,并把当前的树大小与树根追加到见证文件(供定时任务使用)。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果(供程序使用)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = witness_path()
        report = verify_tree(witness=path)
        appended = write_witness(report, path) if report.ok else None
        if options["json"]:
            data = {
                "ok": report.ok,
                "size": report.size,
                "root": report.root.hex() if report.root is not None else None,
                "witness": report.witness,
                "witnessed": report.witnessed,
                "witness_appended": appended is not None,
                "problems": [problem.as_dict() for problem in report.problems],
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for problem in report.problems:
                self.stdout.write(str(problem))
            root = report.root.hex() if report.root is not None else "-"
            self.stdout.write(f"默克尔树 tree: size {report.size}, root {root}")
            self.stdout.write(witness_text(report, appended))
        if not report.ok:
            raise CommandError(
                f"账本核验未通过,未追加见证:发现 {len(report.problems)} 个问题 / not witnessed: "
                f"{len(report.problems)} problem(s)",
                returncode=1,
            )
