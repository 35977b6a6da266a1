"""Text records (文书 and 笔录), their signatures and corrections.

A draft may change; sealing makes it immutable. A correction is a new record that supersedes the old
one (INTEGRITY-05): the old one stays readable and unchanged, and ``supersedes`` links the chain. The
kinds of record and the fields each must carry are data, in ``records/catalogue``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from quancheng.cases.models import Case, Stage
from quancheng.ledger.models import Ledgered


class RecordStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SEALED = "sealed", "已封存"


class PersonRole(models.TextChoices):
    """The capacity in which a person takes part in, or signs, a record (domain-notes §3)."""

    OFFICER = "officer", "执法人员"
    RECORDER = "recorder", "记录人"
    PARTY = "party", "当事人"
    LEGAL_REPRESENTATIVE = "legal_representative", "法定代表人或负责人"
    INTERVIEWEE = "interviewee", "被询问人"
    AGENT = "agent", "代理人"
    WITNESS = "witness", "证人"
    BYSTANDER = "bystander", "在场人员"
    HEARING_HOST = "hearing_host", "听证主持人"
    HEARING_PARTICIPANT = "hearing_participant", "听证参加人"
    ATTENDEE = "attendee", "参会人员"
    RECIPIENT = "recipient", "受送达人"
    APPROVER = "approver", "审批人"
    APPRAISER = "appraiser", "鉴定人"
    EXPERT = "expert", "专家"
    OTHER = "other", "其他"


class Record(Ledgered):
    ledger_kind = "record"
    ledger_final_actions = frozenset({"record.sealed"})  # sealed records are final (INTEGRITY-05)

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
    # INTEGRITY-05: a correction names the record it replaces, why, who (``author``) and when (``created_at``).
    # One-to-one: a version is superseded at most once, so the chain never forks.
    supersedes = models.OneToOneField(
        "self",
        verbose_name="更正的原记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    correction_reason = models.CharField("更正原因", max_length=512, blank=True)
    version = models.PositiveIntegerField("版本", default=1, help_text="原始记录为1,每次更正加1")

    class Meta:
        verbose_name = "文字记录"
        verbose_name_plural = "文字记录"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="record_case_created")]
        constraints = [
            # GEN-10: an activity cannot end before it starts.
            models.CheckConstraint(
                condition=Q(activity_started_at__isnull=True)
                | Q(activity_ended_at__isnull=True)
                | Q(activity_ended_at__gte=F("activity_started_at")),
                name="record_activity_end_after_start",
            ),
            models.CheckConstraint(condition=Q(page_count__gte=1), name="record_page_count_positive"),
            # Sealed rows always say when and by whom; drafts never do.
            models.CheckConstraint(
                condition=(Q(status="sealed") & Q(sealed_at__isnull=False) & Q(sealed_by__isnull=False))
                | (Q(status="draft") & Q(sealed_at__isnull=True) & Q(sealed_by__isnull=True)),
                name="record_seal_fields_match_status",
            ),
            # INTEGRITY-05: a correction carries its reason; an original has none.
            models.CheckConstraint(
                condition=(Q(supersedes__isnull=True) & Q(correction_reason="") & Q(version=1))
                | (Q(supersedes__isnull=False) & ~Q(correction_reason="") & Q(version__gt=1)),
                name="record_correction_has_reason",
            ),
        ]

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
    """One signature (or a recorded refusal) on one page of a record (INV-11/12, GEN-06, DECIDE-03/04)."""

    ledger_kind = "signature"

    record = models.ForeignKey(Record, verbose_name="记录", on_delete=models.PROTECT, related_name="signatures")
    page = models.PositiveIntegerField("页码", null=True, blank=True, help_text="笔录逐页签名时填写")
    signer_name = models.CharField("签名人", max_length=64)
    signer_role = models.CharField("签名人身份", max_length=32, choices=PersonRole.choices)
    signer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField("方式", max_length=16, choices=SignatureMethod.choices)
    # SHA-256 of the scanned signature, seal impression or fingerprint, stored as an evidence Blob.
    image_sha256 = models.CharField("签名图像摘要", max_length=64, blank=True)
    refusal_reason = models.CharField("拒签原因", max_length=512, blank=True)
    witness_name = models.CharField("见证人", max_length=64, blank=True)
    signed_at = models.DateTimeField("签名时间", default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "签名"
        verbose_name_plural = "签名"
        ordering = ["record", "page", "signed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(page__isnull=True) | Q(page__gte=1), name="signature_page_positive"),
            # DECIDE-04: a refusal is noted with its reason and a witness; a signature has its image.
            models.CheckConstraint(
                condition=(Q(method="refused") & ~Q(refusal_reason="") & ~Q(witness_name=""))
                | (~Q(method="refused") & ~Q(image_sha256="") & Q(refusal_reason="")),
                name="signature_method_evidence",
            ),
            # One mark per person, capacity and page.
            models.UniqueConstraint(
                fields=["record", "page", "signer_name", "signer_role"],
                name="signature_unique_per_signer_page",
            ),
        ]

    def __str__(self) -> str:
        page = f" 第{self.page}页" if self.page else ""
        return f"{self.signer_name}({self.get_method_display()}){page}"
