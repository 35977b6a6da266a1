"""Text records (文书 and 笔录), their signatures and corrections.

A draft may change; sealing makes it immutable. A correction is a new record that supersedes the old
one (INTEGRITY-05): the old one stays readable, and ``supersedes`` links the chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from quancheng.cases.models import Case, Stage
from quancheng.ledger.models import Ledgered


class RecordStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SEALED = "sealed", "已封存"


class Record(Ledgered):
    ledger_kind = "record"

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="records")
    kind = models.CharField("文书类型", max_length=64)
    stage = models.CharField("所属环节", max_length=32, choices=Stage.choices)
    content = models.JSONField("内容")
    activity_started_at = models.DateTimeField("活动开始时间", null=True, blank=True)
    activity_ended_at = models.DateTimeField("活动结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=256, blank=True)
    participants = models.JSONField("参与人员", default=list)
    page_count = models.PositiveIntegerField("页数", default=1)
    status = models.CharField("状态", max_length=16, choices=RecordStatus.choices, default=RecordStatus.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="制作人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    sealed_at = models.DateTimeField("封存时间", null=True, blank=True)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="封存人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name="更正的原记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    correction_reason = models.CharField("更正原因", max_length=512, blank=True)

    class Meta:
        verbose_name = "文字记录"
        verbose_name_plural = "文字记录"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_sealed(self) -> bool:
        return self.status == RecordStatus.SEALED


class SignatureMethod(models.TextChoices):
    HANDWRITTEN = "handwritten", "手写签名"
    SEAL = "seal", "盖章"
    FINGERPRINT = "fingerprint", "押印"
    REFUSED = "refused", "拒绝签名"


class Signature(Ledgered):
    """One signature (or a recorded refusal) on one page of a record (INV-12, GEN-06, DECIDE-03)."""

    ledger_kind = "signature"

    record = models.ForeignKey(Record, verbose_name="记录", on_delete=models.PROTECT, related_name="signatures")
    page = models.PositiveIntegerField("页码", null=True, blank=True, help_text="笔录逐页签名时填写")
    signer_name = models.CharField("签名人", max_length=64)
    signer_role = models.CharField("签名人身份", max_length=32)
    signer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField("方式", max_length=16, choices=SignatureMethod.choices)
    image_sha256 = models.CharField("签名图像摘要", max_length=64, blank=True)
    refusal_reason = models.CharField("拒签原因", max_length=512, blank=True)
    witness_name = models.CharField("见证人", max_length=64, blank=True)
    signed_at = models.DateTimeField("签名时间", default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "签名"
        verbose_name_plural = "签名"
        ordering = ["record", "page", "signed_at"]
