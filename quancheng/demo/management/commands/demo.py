"""``quancheng demo``: load the demo agency and cases once, then print where to go and how to log in."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quancheng.demo.builder import DEMO_PASSWORD, build_demo, logins


class Command(BaseCommand):
    help = "载入演示机关、人员和案件(重复运行不会重复创建),并打印登录信息"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("QUANCHENG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("QUANCHENG_PORT", "8000")))

    def handle(self, *args: Any, **options: Any) -> None:
        summary = build_demo()
        verb = "已创建" if summary.created else "已存在(未重复创建)"
        self.stdout.write(f"演示数据{verb}:{summary.agency.name}")
        stages = ",".join(f"{label} {count}" for label, count in summary.cases_by_stage.items())
        self.stdout.write(f"  案件:{stages};文字记录 {summary.records} 份;音像资料 {summary.media} 个")
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(f"网址:{url}    后台:{url}admin/    API 文档:{url}api/v1/docs")
        self.stdout.write(f"演示账号(密码均为 {DEMO_PASSWORD}):")
        for username, full_name, roles in logins():
            self.stdout.write(f"  {username:<10} {full_name:<6} {roles}")
        self.stdout.write("API 令牌:.venv/bin/quancheng token create zhangsan")
