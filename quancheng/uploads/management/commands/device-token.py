"""``quancheng device-token create --serial SERIAL [--name 用途]`` prints a new device upload token once;
``device-token revoke PREFIX`` revokes one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quancheng.core.errors import DomainError
from quancheng.evidence.models import Device
from quancheng.uploads import services
from quancheng.uploads.models import DeviceToken


class Command(BaseCommand):
    help = "为执法记录仪/采集站签发或吊销上传令牌(令牌只显示一次,库中仅保存其摘要)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为设备签发上传令牌")
        create.add_argument("--serial", required=True, help="设备序列号")
        create.add_argument("--name", default="", help="令牌用途说明")
        revoke = sub.add_parser("revoke", help="按前缀吊销令牌")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                device = Device.objects.filter(serial=options["serial"].strip()).first()
                if device is None:
                    raise CommandError(f"未登记序列号为 {options['serial']} 的设备")
                _token, secret = services.device_token_create(actor=None, device=device, name=options["name"])
                self.stdout.write(secret)
            else:
                token = DeviceToken.objects.filter(prefix=options["prefix"]).first()
                if token is None:
                    raise CommandError(f"没有前缀为 {options['prefix']} 的设备令牌")
                services.device_token_revoke(actor=None, token=token)
                self.stdout.write(f"已吊销设备令牌 {token.prefix}")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
