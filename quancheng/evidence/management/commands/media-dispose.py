"""``quancheng media-dispose``: dispose of footage whose retention has ended (see ``evidence.retention``).

Never touches media linked to a case, marked evidence or on hold; records every disposal in the ledger before the
bytes go. Safe to run again at any time (a periodic runner calls ``retention.media_dispose_expired`` the same way).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quancheng.evidence.retention import (
    DEFAULT_DISPOSAL_REASON,
    disposal_candidates,
    media_dispose_expired,
    retention_months,
)


class Command(BaseCommand):
    help = "销毁保存期限届满的一般音像资料(关联案件、按证据保存或处于保全状态的不销毁),并记入账本。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只列出到期的音像资料,不销毁")
        parser.add_argument("--limit", type=int, default=None, help="本次最多销毁的数量")
        parser.add_argument("--reason", default=DEFAULT_DISPOSAL_REASON, help="销毁事由(记入销毁记录)")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            ids = list(disposal_candidates().values_list("pk", flat=True)[: options["limit"] or None])
            result: dict[str, Any] = {"dry_run": True, "retention_months": retention_months(), "candidates": ids}
        else:
            run = media_dispose_expired(reason=options["reason"], limit=options["limit"])
            result = {
                "dry_run": False,
                "retention_months": retention_months(),
                "disposed": run.disposed,
                "skipped": {str(k): v for k, v in run.skipped.items()},
                "blobs_removed": run.blobs_removed,
                "bytes_removed": run.bytes_removed,
            }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        elif result["dry_run"]:
            self.stdout.write(f"到期可销毁的音像资料 {len(result['candidates'])} 件:{result['candidates']}")
        else:
            self.stdout.write(
                f"已销毁音像资料 {len(result['disposed'])} 件,删除存储对象 {result['blobs_removed']} 个"
                f"({result['bytes_removed']} 字节);跳过 {len(result['skipped'])} 件"
            )
