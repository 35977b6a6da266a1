"""The editable working-day calendar: per-day overrides of the built-in ``chinese-calendar`` data.

``chinese-calendar`` only knows the years up to the last State Council arrangement it shipped with; each
year's 《国务院办公厅关于××年部分节假日安排的通知》 is entered here (by import or in the back office), and a row
here always wins over the built-in data for its date. Rows are never deleted: a wrong entry is corrected by
saving the day again, and every save is anchored in the ledger.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from quancheng.ledger.models import Ledgered

# Where a row came from when it was not imported from a file (the file's name is the source then).
SOURCE_CHINESE_CALENDAR = "chinese-calendar"
SOURCE_ADMIN = "admin"


class CalendarDayKind(models.TextChoices):
    # A day off by the State Council's arrangement (法定节假日 or a weekday moved into the holiday by 调休).
    HOLIDAY = "holiday", "放假"
    # A Saturday or Sunday worked in exchange for a holiday (调休上班).
    WORKDAY = "workday", "调休上班"


class CalendarDay(Ledgered):
    ledger_kind: ClassVar[str] = "calendar_day"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField("名称", max_length=64, blank=True, help_text="例如:国庆节、国庆节调休")
    source = models.CharField(
        "来源", max_length=128, default=SOURCE_ADMIN, help_text="chinese-calendar、导入文件名或 admin"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()
