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


class Step(models.TextChoices):
    """Where a case is in its procedure (domain-notes §2); each step lies in one of the five stages (GEN-02)."""

    CLUE = "clue", "线索核查"
    NOT_FILED = "not_filed", "不予立案"
    INVESTIGATION = "investigation", "调查取证"
    LEGAL_REVIEW = "legal_review", "法制审核"
    JOINT_REVIEW = "joint_review", "集体审理"
    NOTICE = "notice", "告知及陈述申辩"
    HEARING = "hearing", "听证"
    DECIDED = "decided", "已作出决定"
    EXECUTION = "execution", "执行"
    DEMAND = "demand", "催告"
    COURT_ENFORCEMENT = "court_enforcement", "申请法院强制执行"
    CLOSED = "closed", "结案"
    ARCHIVED = "archived", "归档"


class ApprovalAction(models.TextChoices):
    """What an approval is asked for; ``cases.workflow.APPROVER_ROLE`` says who must decide it."""

    FILE_CASE = "file_case", "立案"  # START-09
    FIELD_INSPECTION = "field_inspection", "外出执法检查"  # START-11
    COERCIVE_MEASURE = "coercive_measure", "登记保存、查封、扣押、封存"  # EVID-03/04
    RELEASE_MEASURE = "release_measure", "解除登记保存或强制措施"  # EVID-05
    EXTEND_MEASURE = "extend_measure", "延长查封、扣押、封存期限"  # EVID-13
    MAJOR_CASE_REVIEW = "major_case_review", "重大复杂案件集体审理"  # REVIEW-03
    NON_PENALTY_OR_TRANSFER = "non_penalty_or_transfer", "不予行政处罚或案件移送"  # DECIDE-06
    PENALTY_DECISION = "penalty_decision", "行政处罚决定"  # DECIDE-08, REVIEW-16
    EXTEND_DECISION_PERIOD = "extend_decision_period", "延长办案期限"  # DECIDE-13
    FURTHER_EXTEND_DECISION_PERIOD = "further_extend_decision_period", "再次延长办案期限"  # DECIDE-14
    PAYMENT_DEFERRAL = "payment_deferral", "延期或分期缴纳罚款"  # EXEC-03
    DISPOSAL = "disposal", "罚没物品处置"  # DISPOSAL-02
    DISCRETION_DEVIATION = "discretion_deviation", "偏离裁量基准"  # DISCRETION-04


class ApproverRole(models.TextChoices):
    UNIT_HEAD = "unit_head", "单位负责人"
    PRINCIPAL_HEAD = "principal_head", "单位主要负责人"
    LEADER_IN_CHARGE = "leader_in_charge", "分管领导"
    # A head of the supervising agency (上级部门).
    SUPERIOR_DEPT = "superior_dept", "上级部门"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"


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
    step = models.CharField("当前步骤", max_length=32, choices=Step.choices, default=Step.CLUE)
    # REVIEW-03: 复杂、重大案件 go to a joint review with the leader in charge's approval.
    is_major = models.BooleanField("重大复杂案件", default=False)
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
    """One lifecycle transition of a case (``action``: from step to step, and stage to stage); never rewritten."""

    ledger_kind = "stage_change"

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="stage_changes")
    from_stage = models.CharField("原环节", max_length=32, choices=Stage.choices)
    to_stage = models.CharField("新环节", max_length=32, choices=Stage.choices)
    action = models.CharField("程序操作", max_length=32, blank=True)
    from_step = models.CharField("原步骤", max_length=32, choices=Step.choices, blank=True)
    to_step = models.CharField("新步骤", max_length=32, choices=Step.choices, blank=True)
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


class Approval(Ledgered):
    """An approval request and its decision (审批): who asked, for what, which approver role the rule requires, and
    the approver's decision, comment and time. Decided once; the request row gets its decision filled in and both
    moments are appended to the ledger."""

    ledger_kind = "approval"

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="approvals")
    action = models.CharField("审批事项", max_length=40, choices=ApprovalAction.choices)
    approver_role = models.CharField("审批人角色", max_length=32, choices=ApproverRole.choices)
    reason = models.TextField("申请理由")
    # The record the approval is about (e.g. the 查封扣押决定书 it allows), when there is one.
    record = models.ForeignKey(
        "records.Record", verbose_name="相关记录", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField("审批内容", default=dict, blank=True)
    # EVID-04: asked orally beforehand in an emergency; the written approval follows afterwards.
    emergency = models.BooleanField("紧急情况事后补办", default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    status = models.CharField("状态", max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    comment = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "审批"
        verbose_name_plural = "审批"
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="pending") & models.Q(decided_by__isnull=True) & models.Q(decided_at__isnull=True)
                )
                | (
                    ~models.Q(status="pending")
                    & models.Q(decided_by__isnull=False)
                    & models.Q(decided_at__isnull=False)
                ),
                name="approval_decision_fields_match_status",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}({self.get_status_display()})"
