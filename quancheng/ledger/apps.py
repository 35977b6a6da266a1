from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "quancheng.ledger"
    label = "ledger"
    verbose_name = "防篡改账本"
