"""Cases (案件), parties (当事人) and the case's passage through the five stages (GEN-02)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from quancheng.accounts.models import Agency, Unit
from quancheng.ledger.models import Ledgered


class ActType(models.TextChoices):
    """GEN-01: the enforcement acts covered by whole-process recording."""

    LICENSING = "licensing", "行政许可"
    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    CHARGE = "charge", "行政收费"
    INSPECTION = "inspection", "行政检查"
    CONFIRMATION = "confirmation", "行政确认"
    LEVY = "levy", "行政征收"


class CaseSource(models.TextChoices):
    """START-*: how a case begins — on application, or ex officio through one of the seed's channels."""

    APPLICATION = "application", "依申请"
    INSPECTION = "inspection", "监督检查"
    ASSIGNED = "assigned", "上级交办"
    TRANSFERRED = "transferred", "移送转来"
    REPORT = "report", "举报"
    COMPLAINT = "complaint", "投诉"
    INVESTIGATION = "investigation", "侦查"


class Procedure(models.TextChoices):
    SIMPLE = "simple", "简易程序"
    GENERAL = "general", "普通程序"


class Stage(models.TextChoices):
    """GEN-02: 程序启动 → 调查取证 → 审查决定 → 送达执行 → 归档管理."""

    PROGRAM_START = "program_start", "程序启动"
    INVESTIGATION_EVIDENCE = "investigation_evidence", "调查取证"
    REVIEW_DECISION = "review_decision", "审查决定"
    SERVICE_EXECUTION = "service_execution", "送达执行"
    ARCHIVE = "archive", "归档管理"


class PartyKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"


class Party(Ledgered):
    """当事人 (GEN-11): a natural person with a 居民身份证号码, or an organisation with a 统一社会信用代码."""

    ledger_kind = "party"

    agency = models.ForeignKey(Agency, verbose_name="登记机关", on_delete=models.PROTECT, related_name="parties")
    kind = models.CharField("类型", max_length=16, choices=PartyKind.choices)
    name = models.CharField("姓名或名称", max_length=128)
    id_number = models.CharField("身份证号码或统一社会信用代码", max_length=18)
    legal_representative = models.CharField("法定代表人或负责人", max_length=64, blank=True)
    address = models.CharField("地址", max_length=256, blank=True)
    contact = models.CharField("联系方式", max_length=64, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    # ACCESS-04: the login through which this party views and copies the records of its own cases.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="当事人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_profiles",
    )

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        constraints = [models.UniqueConstraint(fields=["agency", "id_number"], name="party_unique_id_per_agency")]

    def __str__(self) -> str:
        return self.name


class Case(Ledgered):
    ledger_kind = "case"

    agency = models.ForeignKey(Agency, verbose_name="执法机关", on_delete=models.PROTECT, related_name="cases")
    unit = models.ForeignKey(Unit, verbose_name="承办机构", on_delete=models.PROTECT, related_name="cases")
    number = models.CharField("案件编号", max_length=64, unique=True)
    # The two parts of ``number`` that the per-agency sequence hands out; kept as integers so that
    # uniqueness and gap-freeness are database facts, not string parsing.
    sequence_year = models.IntegerField("编号年度")
    sequence_no = models.IntegerField("编号序号")
    title = models.CharField("案由", max_length=256)
    act_type = models.CharField("执法行为类型", max_length=16, choices=ActType.choices)
    source = models.CharField("案件来源", max_length=16, choices=CaseSource.choices)
    procedure = models.CharField("程序", max_length=16, choices=Procedure.choices, default=Procedure.GENERAL)
    stage = models.CharField("当前环节", max_length=32, choices=Stage.choices, default=Stage.PROGRAM_START)
    summary = models.TextField("基本案情", blank=True)
    occurred_at = models.DateTimeField("案发时间", null=True, blank=True)
    occurred_place = models.CharField("案发地点", max_length=256, blank=True)
    opened_at = models.DateTimeField("登记时间", default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    # Every handler ever assigned, including removed ones (CaseHandler.removed_at): the assignment history is
    # kept. For the current handlers use ``cases.selectors.case_current_handler_links(case)``.
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CaseHandler", related_name="handled_cases", verbose_name="承办人"
    )
    parties = models.ManyToManyField(Party, through="CaseParty", related_name="cases", verbose_name="当事人")

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "sequence_year", "sequence_no"], name="case_unique_sequence_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_archived(self) -> bool:
        return self.stage == Stage.ARCHIVE


class CaseHandler(Ledgered):
    """One assignment of an officer to a case. Removal stamps ``removed_at``; the row stays (who handled when)."""

    ledger_kind = "case_handler"

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="handler_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承办人", on_delete=models.PROTECT)
    is_lead = models.BooleanField("主办人", default=False)
    assigned_at = models.DateTimeField("指定时间", default=timezone.now)
    removed_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "承办人"
        verbose_name_plural = "承办人"
        ordering = ["assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=models.Q(removed_at__isnull=True), name="case_handler_unique_active"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(removed_at__isnull=True, is_lead=True),
                name="case_handler_one_active_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}{'(主办)' if self.is_lead else ''}"

    @property
    def is_current(self) -> bool:
        return self.removed_at is None


class CaseParty(Ledgered):
    ledger_kind = "case_party"

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="party_links")
    party = models.ForeignKey(Party, verbose_name="当事人", on_delete=models.PROTECT, related_name="case_links")
    added_at = models.DateTimeField("添加时间", default=timezone.now)

    class Meta:
        verbose_name = "案件当事人"
        verbose_name_plural = "案件当事人"
        ordering = ["added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "party"], name="case_party_unique")]


class CaseNumberSequence(models.Model):
    """Per-agency, per-year counter behind case numbers; locked while a number is taken."""

    agency = models.ForeignKey(Agency, verbose_name="执法机关", on_delete=models.PROTECT, related_name="+")
    year = models.IntegerField("年度")
    last_value = models.IntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "案件编号序列"
        verbose_name_plural = "案件编号序列"
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="case_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last_value}"


class StageChange(Ledgered):
    """One passage of a case from one stage to the next; the history is never rewritten."""

    ledger_kind = "stage_change"

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="stage_changes")
    from_stage = models.CharField("原环节", max_length=32, choices=Stage.choices)
    to_stage = models.CharField("新环节", max_length=32, choices=Stage.choices)
    changed_at = models.DateTimeField("时间", default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT)
    note = models.CharField("说明", max_length=512, blank=True)

    class Meta:
        verbose_name = "环节变更"
        verbose_name_plural = "环节变更"
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class CaseExport(Ledgered):
    """One export of a case as a verifiable bundle (案卷包): who, when and why, and the SHA-256 of the zip handed out.

    The reason may name people (「应当事人张三申请」), so it lives on this row and only its digest reaches the
    public ledger. ``inventory_sha256`` commits to the list of what the bundle carries. The row is anchored twice:
    when the export is decided (``case.exported`` with the row digest, in the same transaction) and, once the zip
    is written, with ``bundle_sha256`` filled in (``case.exported`` again, with ``digests["bundle"]``): the first
    entry is inside the bundle it describes, the second cannot be.
    """

    ledger_kind = "case_export"

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="exports")
    # Null for an export run by the operator from the command line without naming a user (ledger actor "system").
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导出人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("导出事由", max_length=512)
    exported_at = models.DateTimeField("导出时间", default=timezone.now)
    # SHA-256 of the bundle's data/inventory.txt (every item it carries and the entry anchoring it): committed by
    # the first entry, which is inside the bundle, so an item removed from the bundle later is detected.
    inventory_sha256 = models.CharField("清单 SHA-256", max_length=64, blank=True)
    bundle_sha256 = models.CharField("案卷包 SHA-256", max_length=64, blank=True, help_text="案卷包写完后填写")

    class Meta:
        verbose_name = "案卷包导出"
        verbose_name_plural = "案卷包导出"
        ordering = ["-exported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.exported_at:%Y-%m-%d %H:%M}"
