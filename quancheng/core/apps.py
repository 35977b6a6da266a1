from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "quancheng.core"
    label = "core"
    verbose_name = "核心"
