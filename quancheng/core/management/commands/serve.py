"""``quancheng serve``: collect static files and run the production server (gunicorn + whitenoise)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "启动生产级 Web 服务(gunicorn;静态文件由 whitenoise 提供)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("QUANCHENG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("QUANCHENG_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("QUANCHENG_WORKERS", "2")))
        parser.add_argument("--no-migrate", action="store_true", help="启动前不执行数据库迁移")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"全程已启动:http://{bind}/  (后台 http://{bind}/admin/ ,API http://{bind}/api/v1/docs)")
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "quancheng.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            "--timeout",
            "300",  # large evidence uploads stream for minutes on weak networks
        ]
        os.execv(sys.executable, argv)
