"""``quancheng rules traceability [--output PATH] [--check]``: write (or check) docs/traceability.md.

The table lists every requirement of spec/requirements.yaml with its status (enforced by a rule, met in
code, manual with the reason, or not yet) and the tests that cite it. ``--check`` writes nothing and exits
non-zero when the file differs from a fresh generation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quancheng.rules.traceability import COMMAND, DEFAULT_OUTPUT, ROOT, TraceabilityError, generate


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # reads files and the registry only
    help = (
        "规则相关命令。traceability:生成要求追溯表 docs/traceability.md(--check 只检查是否过期);"
        "sweep:评估提示性规则并记录合规提示(服务运行时由检查点进程定期执行)。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{traceability,sweep}")
        subcommands.add_parser("sweep", help="对所有未归档案件评估提示性规则,记录期限黄色/红色预警等合规提示")
        traceability = subcommands.add_parser(
            "traceability", help="生成要求追溯表:每个要求编号的落实状态(规则、代码、人工、尚未)及引用它的测试"
        )
        traceability.add_argument(
            "--output", type=Path, default=DEFAULT_OUTPUT, help=f"输出文件(默认 {DEFAULT_OUTPUT.relative_to(ROOT)})"
        )
        traceability.add_argument(
            "--check", action="store_true", help="不写文件;文件与重新生成的内容不一致时以非零状态退出"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "traceability":
            self.traceability(options["output"], check=options["check"])
        elif options["subcommand"] == "sweep":
            from quancheng.rules.services import rules_sweep

            result = rules_sweep()
            self.stdout.write(f"已评估案件 {result.cases} 件,新增提示 {result.raised} 条,消除 {result.resolved} 条")

    def traceability(self, output: Path, *, check: bool) -> None:
        try:
            text = generate()
        except TraceabilityError as exc:
            raise CommandError(f"无法生成要求追溯表:\n{exc}") from exc
        if check:
            try:
                current = output.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise CommandError(f"{output} 不存在:请运行 `{COMMAND}`") from None
            if current != text:
                raise CommandError(f"{output} 已过期:请运行 `{COMMAND}` 重新生成")
            self.stdout.write(f"{output} 是最新的")
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"已写入 {output}")
