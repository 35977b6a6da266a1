"""``quancheng uploads-expire``: expire unfinished resumable uploads past their expiry and remove their bytes
(and staging files left by a crash). Safe to run at any time; ``serve`` may run it periodically."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quancheng.uploads.services import uploads_expire_due


class Command(BaseCommand):
    help = "清理过期未完成的断点续传上传及其暂存数据"

    def handle(self, *args: Any, **options: Any) -> None:
        report = uploads_expire_due()
        self.stdout.write(
            f"已清理过期上传 {report.expired} 个,孤立暂存文件 {report.orphans_removed} 个 / "
            f"expired {report.expired} uploads, removed {report.orphans_removed} orphaned staging files"
        )
