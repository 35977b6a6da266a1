"""``quancheng import-holidays FILE``: import the State Council's yearly holiday arrangement.

One entry a line, ``#`` starts a comment::

    # 国务院办公厅关于2027年部分节假日安排的通知
    2027-10-01 holiday 国庆节
    2027-10-09 workday 国庆节调休

Every line is checked first; one bad line refuses the whole file and nothing is written. Re-importing the
same file changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quancheng.core.errors import DomainError
from quancheng.rules.services import calendar_import


class Command(BaseCommand):
    help = "导入国务院办公厅年度节假日安排(每行:日期 holiday|workday [名称],# 为注释);任一行有误则全部不导入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="节假日安排文件(UTF-8 文本)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件“{path}”:{exc}") from exc
        try:
            result = calendar_import(actor=None, lines=text.splitlines(), source=path.name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"已导入 {path.name}:新增 {result.created} 天,更新 {result.updated} 天,未变 {result.unchanged} 天"
        )
