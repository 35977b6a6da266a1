"""``quancheng token create USERNAME [--name 用途]`` prints a new API token once; ``token revoke PREFIX``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quancheng.accounts import services
from quancheng.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "创建或吊销 API 访问令牌(令牌只显示一次,库中仅保存其摘要)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为用户创建令牌")
        create.add_argument("username")
        create.add_argument("--name", default="", help="令牌用途说明")
        revoke = sub.add_parser("revoke", help="按前缀吊销令牌")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            try:
                user = User.objects.get(username=options["username"], is_active=True)
            except User.DoesNotExist as exc:
                raise CommandError(f"用户不存在或已停用:{options['username']}") from exc
            _token, secret = services.token_create(actor=None, user=user, name=options["name"])
            self.stdout.write(secret)
        else:
            token = ApiToken.objects.filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError(f"没有前缀为 {options['prefix']} 的令牌")
            services.token_revoke(actor=None, token=token)
            self.stdout.write(f"已吊销令牌 {token.prefix}")
