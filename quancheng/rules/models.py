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


class AgencyParameter(Ledgered):
    """One setting of a rule parameter for an agency (SUPERVISE-09: changed only by the agency's decision, with
    the effective time). Append-only: the latest row per (agency, key) is in force; earlier rows are the history."""

    ledger_kind: ClassVar[str] = "agency_parameter"

    agency = models.ForeignKey("accounts.Agency", verbose_name="机关", on_delete=models.PROTECT, related_name="+")
    key = models.CharField("参数", max_length=64)
    value = models.JSONField("取值")
    reason = models.CharField("调整依据", max_length=512)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设置人", on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField("生效时间", default=timezone.now)

    class Meta:
        verbose_name = "规则参数"
        verbose_name_plural = "规则参数"
        ordering = ["agency", "key", "set_at", "pk"]
        indexes = [models.Index(fields=["agency", "key", "set_at"], name="agency_parameter_lookup")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class FindingStatus(models.TextChoices):
    OPEN = "open", "未处理"
    RESOLVED = "resolved", "已消除"
    WAIVED = "waived", "已豁免"


class FindingLevel(models.TextChoices):
    WARNING = "warning", "提示"
    YELLOW = "yellow", "黄色预警"
    RED = "red", "红色预警"


class Finding(Ledgered):
    """A warning rule's finding on a case: open until the check stops reporting it (resolved) or someone waives it
    with a recorded reason. ``subject`` tells apart several findings of one rule on one case (a record, a
    deadline); a deadline finding that turns from yellow to red is closed and a red one raised."""

    ledger_kind: ClassVar[str] = "finding"

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="findings")
    rule = models.CharField("规则", max_length=64)
    requirement = models.CharField("依据条目", max_length=32)
    subject = models.CharField("对象", max_length=64, blank=True)
    level = models.CharField("级别", max_length=16, choices=FindingLevel.choices, default=FindingLevel.WARNING)
    message = models.TextField("内容")
    raised_at = models.DateTimeField("发现时间", default=timezone.now)
    status = models.CharField("状态", max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    closed_at = models.DateTimeField("处理时间", null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="豁免人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    waive_reason = models.CharField("豁免理由", max_length=512, blank=True)

    class Meta:
        verbose_name = "合规提示"
        verbose_name_plural = "合规提示"
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule", "subject"],
                condition=models.Q(status="open"),
                name="finding_one_open_per_rule_subject",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="waived") | (models.Q(waived_by__isnull=False) & ~models.Q(waive_reason="")),
                name="finding_waiver_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["case", "status"], name="finding_case_status")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"
