"""``quancheng verify``: recompute the ledger, every anchored row and every blob; exit 1 naming each problem.

It also checks the witness file (``QUANCHENG_LEDGER_WITNESS``) and, when everything is intact, appends the
current (size, root) to it, so the next run can tell a rewritten or shortened ledger (``--no-witness``: read
and check it, but do not append).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from quancheng.ledger.verify import VerifyReport, verify
from quancheng.ledger.witness import Checkpoint, append_checkpoint, witness_path

PHASE_LABELS = {"entries": "账本条目 entries", "rows": "数据行 rows", "blobs": "存储对象 blobs"}
# Redraw the progress line at most this often (seconds): a terminal cannot show more, and writes cost.
REDRAW_INTERVAL = 0.1


class ProgressLine:
    """One updating line per phase on a terminal: ``\\r账本条目 entries  42%``, then a newline per phase."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out
        self.phase: str | None = None
        self.last_percent = -1
        self.last_drawn = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        now = time.monotonic()
        if phase != self.phase:
            self.finish()
            self.phase = phase
        elif percent == self.last_percent or (percent < 100 and now - self.last_drawn < REDRAW_INTERVAL):
            return
        self.last_percent, self.last_drawn = percent, now
        self.out.write(f"\r{PHASE_LABELS.get(phase, phase)} {percent:3d}%", style_func=str, ending="")
        self.out.flush()

    def finish(self) -> None:
        if self.phase is not None:
            self.out.write("", style_func=str)
        self.phase, self.last_percent = None, -1


def write_witness(report: VerifyReport, path: Path) -> Checkpoint | None:
    """Append the verified (size, root) to the witness file; None when there was nothing new to witness."""
    if report.root is None or report.size == 0:
        return None  # an empty tree has nothing to vouch for
    try:
        return append_checkpoint(path, size=report.size, root=report.root)
    except OSError as exc:
        raise CommandError(f"见证文件写入失败 / cannot write witness file {path}: {exc}", returncode=2) from exc


def witness_text(report: VerifyReport, appended: Checkpoint | None) -> str:
    checked = f"见证 witness: {report.witness}, 已核对 checked {report.witnessed}"
    if appended is not None:
        return f"{checked}, 已追加 appended size {appended.size}"
    return f"{checked}, 未追加 not appended"


def _size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


class Command(BaseCommand):
    help = "核验防篡改账本、每条数据记录与每个存储对象是否完好;发现问题时逐条列出并以状态码 1 退出。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果(供程序使用)")
        parser.add_argument(
            "--no-witness", action="store_true", help="只核对见证文件,不追加本次的见证点(树的大小与树根)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = ProgressLine(self.stderr) if self.stderr.isatty() else None
        path = witness_path()
        report = verify(progress=progress, witness=path)
        if progress is not None:
            progress.finish()
        appended = write_witness(report, path) if report.ok and not options["no_witness"] else None
        if options["json"]:
            data = report.as_dict() | {"witness_appended": appended is not None}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self._print_text(report)
            self.stdout.write(witness_text(report, appended))
        if not report.ok:
            raise CommandError(
                f"账本核验未通过:发现 {len(report.problems)} 个问题 / verification failed: "
                f"{len(report.problems)} problem(s)",
                returncode=1,
            )

    def _print_text(self, report: VerifyReport) -> None:
        for problem in report.problems:
            self.stdout.write(str(problem))
        self.stdout.write(
            f"已核验 checked: 账本条目 entries {report.entries}, 数据行 rows {report.rows}, "
            f"存储对象 blobs {report.blobs} ({_size_text(report.blob_bytes)}), "
            f"签名检查点 checkpoints {report.checkpoints}, 用时 elapsed {report.elapsed:.2f} s"
        )
        root = report.root.hex() if report.root is not None else "无法重算(账本链断裂) / not computable (broken chain)"
        self.stdout.write(f"默克尔树 tree: size {report.size}, root {root}")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("完好 intact: 未发现问题 / no problems found"))
        else:
            self.stdout.write(
                self.style.ERROR(f"发现 {len(report.problems)} 个问题 / {len(report.problems)} problem(s) found")
            )
