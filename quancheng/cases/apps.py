from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "quancheng.cases"
    label = "cases"
    verbose_name = "案件"
