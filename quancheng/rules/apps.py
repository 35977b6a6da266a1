from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "quancheng.rules"
    label = "rules"
    verbose_name = "规则与期限"
