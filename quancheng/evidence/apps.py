from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "quancheng.evidence"
    label = "evidence"
    verbose_name = "音像证据"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the media tools check)
