"""The catalogue of text-record kinds (TEXT-01, TEXT-05, domain-notes §1).

Each kind says which of the five stages (GEN-02) it may be drafted in, whether it is a 笔录 signed page by
page (INV-11/12), and its fields with the requirement ids they come from. Codes are stable identifiers
stored on every record; names and labels are what users read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quancheng.cases.models import CaseSource, Stage

from .schema import Errors, FieldSpec, FieldType, RecordKind, is_blank

# DEADLINE-04: 查封、扣押、封存的期限不得超过30日 (an extension is a separate, approved notice).
SEIZURE_MAX_TERM_DAYS = 30
# A record of more pages than this is a typo, not a transcript.
MAX_PAGE_COUNT = 500
# INV-09: 询问调查应当个别进行.
INQUIRY_MAX_INTERVIEWEES = 1

PROGRAM_START = Stage.PROGRAM_START
INVESTIGATION = Stage.INVESTIGATION_EVIDENCE
REVIEW = Stage.REVIEW_DECISION
SERVICE = Stage.SERVICE_EXECUTION
# Archived cases take no new records at all; every stage before archiving.
ACTIVE_STAGES: tuple[Stage, ...] = (PROGRAM_START, INVESTIGATION, REVIEW, SERVICE)

T = FieldType


def f(
    name: str,
    label: str,
    type_: FieldType,
    *requirements: str,
    required: bool = False,
    choices: tuple[tuple[str, str], ...] = (),
    columns: tuple[FieldSpec, ...] = (),
    max_length: int | None = None,
    min_value: int | None = None,
    max_value: int | None = None,
    help: str = "",
) -> FieldSpec:
    return FieldSpec(
        name=name,
        label=label,
        type=type_,
        required=required,
        requirements=requirements,
        choices=choices,
        columns=columns,
        max_length=max_length,
        min_value=min_value,
        max_value=max_value,
        help=help,
    )


def req(name: str, label: str, type_: FieldType, *requirements: str, **kwargs: Any) -> FieldSpec:
    return f(name, label, type_, *requirements, required=True, **kwargs)


# --- shared field groups --------------------------------------------------------------------------

OFFICER_COLUMNS = (
    req("name", "姓名", T.TEXT, max_length=64),
    req("certificate_number", "执法证号", T.TEXT, max_length=64),
)


def officers_field(*requirements: str) -> FieldSpec:
    # STAFF-02: 执法人员数量、姓名、执法证件编号 — the count is the number of rows.
    return req("officers", "执法人员", T.ROWS, *requirements, columns=OFFICER_COLUMNS)


RIGHTS = (
    ("statement", "陈述"),
    ("defence", "申辩"),
    ("recusal", "申请回避"),
    ("hearing", "要求听证"),
)
NOTICE_METHODS = (("written", "书面告知"), ("oral", "口头告知"), ("served", "送达告知"))
SEIZURE_MEASURES = (("seal_up", "查封"), ("seize", "扣押"), ("impound", "封存"))
SERVICE_METHODS = (
    ("direct", "直接送达"),
    ("left", "留置送达"),
    ("mail", "邮寄送达"),
    ("entrusted", "委托送达"),
    ("electronic", "电子送达"),
    ("announcement", "公告送达"),
)
ON_THE_SPOT_PENALTIES = (("fine", "罚款"), ("warning", "警告"))
INTERVIEWEE_CAPACITIES = (("party", "当事人"), ("agent", "代理人"), ("witness", "证人"), ("other", "其他有关人员"))
COMPLAINT_CHANNELS = (("letter", "信件"), ("phone", "电话"), ("visit", "来访"), ("online", "网络"), ("other", "其他"))
REVIEW_OUTCOMES = (("upheld", "维持原处理意见"), ("changed", "改变原处理意见"))
SERVED_KINDS = (
    ("penalty_notice", "行政处罚告知书"),
    ("penalty_decision", "行政处罚决定书"),
    ("payment_reminder", "催告书"),
    ("seizure_decision", "查封扣押决定书"),
    ("measure_extension_notice", "延长查封扣押期限通知书"),
    ("preservation_notice", "登记保存证据通知书"),
    ("evidence_collection_notice", "调取证据通知书"),
    ("non_initiation_record", "不予立案告知书"),
    ("other", "其他文书"),
)
RELEASE_REASONS = (("facts_not_established", "违法事实不成立"), ("no_longer_needed", "不需要继续采取行政强制措施"))
HEARING_REQUEST_FORMS = (("written", "书面申请"), ("oral", "口头申请"))
PAYMENT_ARRANGEMENTS = (("deferral", "延期缴纳"), ("instalments", "分期缴纳"))
DISPOSAL_METHODS = (
    ("destruction", "监督销毁"),
    ("auction", "拍卖"),
    ("technical", "技术处理"),
    ("transfer", "移交有关部门"),
)
NON_INITIATION_NOTICES = (("notice_to_party", "告知当事人"), ("public_announcement", "向社会公示"))


def agency_name_field(*requirements: str) -> FieldSpec:
    return req("agency_name", "行政机关名称", T.TEXT, *requirements, max_length=128)


def remedy_field(*requirements: str) -> FieldSpec:
    return req("remedy", "申请行政复议或者提起行政诉讼的途径和期限", T.TEXT, *requirements)


# --- cross-field rules ----------------------------------------------------------------------------


def _fine_needs_amount(content: Mapping[str, Any], complete: bool) -> Errors:
    """DECIDE-02: a fine states its amount; a warning carries none."""
    penalty, amount = content.get("penalty_type"), content.get("fine_amount")
    if penalty == "warning" and not is_blank(amount):
        return {"fine_amount": ["警告不得填写罚款数额"]}
    if complete and penalty == "fine" and is_blank(amount):
        return {"fine_amount": ["处以罚款的,应当载明罚款数额"]}
    return {}


def _left_service_needs_witness(content: Mapping[str, Any], complete: bool) -> Errors:
    """SERVE-01: 留置送达 is only valid with a witness noted on the proof of service."""
    if complete and content.get("method") == "left" and is_blank(content.get("witness")):
        return {"witness": ["留置送达应当载明见证人"]}
    return {}


def _unpunished_needs_report(content: Mapping[str, Any], complete: bool) -> Errors:
    """DECIDE-11: an unpunished violation is recorded and reported to the relevant department."""
    if complete and not is_blank(content.get("unpunished_violations")) and is_blank(content.get("reported_to")):
        return {"reported_to": ["有未处罚的违法行为的,应当载明上报部门"]}
    return {}


# --- the catalogue --------------------------------------------------------------------------------

KINDS: tuple[RecordKind, ...] = (
    # 程序启动 ---------------------------------------------------------------------------------------
    RecordKind(
        code="case_filing_approval",
        name="立案审批表",
        stages=(PROGRAM_START,),
        requirements=("START-05", "START-08", "START-09"),
        description="依职权启动的立案记录,报单位主要负责人批准",
        fields=(
            req("reason", "启动原因", T.TEXT, "START-05"),
            req(
                "case_source",
                "案件来源",
                T.CHOICE,
                "START-05",
                "START-08",
                choices=tuple((c.value, c.label) for c in CaseSource),
            ),
            req("party", "当事人", T.PARTY, "START-05", "START-08", "GEN-11"),
            req("case_nature", "案件性质", T.TEXT, "START-08", max_length=256),
            req("incident_time", "案发时间", T.DATETIME, "START-08"),
            req("incident_place", "案发地点", T.TEXT, "START-08", max_length=256),
            req("case_summary", "基本案情", T.TEXT, "START-05"),
            f("investigation_status", "案件调查情况", T.TEXT, "START-08"),
            req("handler_opinion", "承办人意见", T.TEXT, "START-05"),
            req("handling_unit_opinion", "承办机构意见", T.TEXT, "START-05"),
            req("principal_head_opinion", "单位主要负责人意见", T.TEXT, "START-05", "START-09"),
            req("approved_at", "批准时间", T.DATETIME, "START-05", "START-09"),
        ),
    ),
    RecordKind(
        code="non_initiation_record",
        name="不予立案记录",
        stages=(PROGRAM_START,),
        requirements=("START-06",),
        description="依法不启动行政执法程序的,记录告知当事人或者向社会公示的情况",
        fields=(
            req("reason", "不予立案的理由", T.TEXT, "START-06"),
            f("legal_basis", "法律依据", T.TEXT, "START-06", "GEN-08"),
            req("notice_method", "告知或公示方式", T.CHOICE, "START-06", choices=NON_INITIATION_NOTICES),
            req("notice_detail", "告知或公示情况", T.TEXT, "START-06"),
            req("notified_at", "告知或公示时间", T.DATETIME, "START-06"),
        ),
    ),
    RecordKind(
        code="complaint_registration",
        name="投诉举报登记",
        stages=(PROGRAM_START,),
        requirements=("START-07", "TEXT-04"),
        description="投诉、举报人情况依法保密",
        fields=(
            req("complainant_info", "投诉、举报人基本情况", T.TEXT, "START-07"),
            f("channel", "投诉举报方式", T.CHOICE, "START-07", choices=COMPLAINT_CHANNELS),
            req("received_at", "接收时间", T.DATETIME, "START-07"),
            req("content", "投诉、举报的内容", T.TEXT, "START-07"),
            req("recorder_info", "记录人情况", T.TEXT, "START-07", max_length=256),
            req("handling_status", "投诉、举报处理情况", T.TEXT, "START-07"),
            f("source_documents", "所附来信、领导批示或督办文件", T.TEXT_LIST, "TEXT-04"),
        ),
    ),
    RecordKind(
        code="inspection_approval",
        name="执法检查审批表",
        stages=(PROGRAM_START, INVESTIGATION),
        requirements=("START-10", "START-11"),
        description="外出执法检查事前明确被检查单位和检查内容,由分管领导批准",
        fields=(
            req("target_unit", "被检查单位", T.TEXT, "START-10", max_length=256),
            req("inspection_content", "检查内容", T.TEXT, "START-10"),
            f("legal_basis", "检查依据", T.TEXT, "GEN-08"),
            req("approver", "批准人(分管领导)", T.TEXT, "START-11", max_length=64),
            req("approver_opinion", "批准意见", T.TEXT, "START-11"),
            req("approved_at", "批准时间", T.DATETIME, "START-11"),
        ),
    ),
    RecordKind(
        code="task_assignment",
        name="任务交办记录",
        stages=(PROGRAM_START, INVESTIGATION, REVIEW, SERVICE),
        requirements=("START-12",),
        fields=(
            req("assigner", "交办人", T.TEXT, "START-12", max_length=64),
            req(
                "assignees",
                "执法人员及分工",
                T.ROWS,
                "START-12",
                columns=(req("name", "姓名", T.TEXT, max_length=64), req("duty", "分工", T.TEXT, max_length=256)),
            ),
            req("task", "执法任务", T.TEXT, "START-12"),
            req("received_at", "接到任务的时间", T.DATETIME, "START-12"),
            req("received_place", "接到任务的地点", T.TEXT, "START-12", max_length=256),
        ),
    ),
    RecordKind(
        code="equipment_preparation",
        name="执法装备准备记录",
        stages=ACTIVE_STAGES,
        requirements=("DEVICE-03",),
        fields=(
            req(
                "equipment",
                "执法装备",
                T.ROWS,
                "DEVICE-03",
                columns=(
                    req("name", "装备名称", T.TEXT, max_length=128),
                    req("model", "型号", T.TEXT, max_length=128),
                    f("serial", "编号", T.TEXT, max_length=64),
                    req("in_good_order", "检查完好", T.BOOLEAN),
                ),
            ),
            req("checked_by", "检查人", T.TEXT, "DEVICE-03", max_length=64),
            req("checked_at", "检查时间", T.DATETIME, "DEVICE-03"),
        ),
    ),
    # 调查取证 ---------------------------------------------------------------------------------------
    RecordKind(
        code="site_inspection_transcript",
        name="现场检查笔录",
        # INV-13: a violation found on inspection is recorded before a case is filed, too.
        stages=(PROGRAM_START, INVESTIGATION),
        requirements=("INV-04", "INV-13", "INV-14", "INV-15", "INV-08", "STAFF-02"),
        per_page_signatures=True,
        activity_time_required=True,  # INV-14 检查时间
        place_required=True,  # INV-14 检查场所
        fields=(
            req("inspected_party", "被检查人", T.PARTY, "INV-14", "GEN-11"),
            officers_field("STAFF-02", "STAFF-04"),
            req("certificates_shown", "是否出示执法证件", T.BOOLEAN, "STAFF-02", "STAFF-03"),
            f("legal_basis", "检查依据", T.TEXT, "GEN-08"),
            req("findings", "检查情况", T.TEXT, "INV-14", "INV-17"),
            f("site_conditions", "现场实际情况及证据材料", T.TEXT, "INV-18"),
            f("photos_or_video_taken", "是否拍照、录像", T.BOOLEAN, "INV-15"),
            f("party_complied", "当事人是否服从执法", T.BOOLEAN, "GEN-10"),
        ),
    ),
    RecordKind(
        code="inquiry_transcript",
        name="询问笔录",
        stages=(INVESTIGATION, REVIEW),
        requirements=("INV-02", "INV-09", "INV-10", "INV-11", "INV-12", "STAFF-02", "STAFF-03"),
        per_page_signatures=True,
        activity_time_required=True,
        place_required=True,
        max_interviewees=INQUIRY_MAX_INTERVIEWEES,
        fields=(
            req("interviewee_name", "被询问人姓名", T.TEXT, "INV-09", "GEN-13", max_length=64),
            req("interviewee_capacity", "被询问人身份", T.CHOICE, "GEN-13", choices=INTERVIEWEE_CAPACITIES),
            req("interviewee_id_document", "被询问人身份证明及号码", T.TEXT, "INV-10", max_length=128),
            f("party", "所涉当事人", T.PARTY, "GEN-11"),
            officers_field("STAFF-02"),
            req("certificates_shown", "是否出示执法证件", T.BOOLEAN, "STAFF-02", "STAFF-03"),
            req("identity_verified", "是否核对身份证明", T.BOOLEAN, "INV-10"),
            req("rights_informed", "是否告知权利义务", T.BOOLEAN, "INV-10", "INV-01"),
            f("recusal_requested", "是否申请回避", T.BOOLEAN, "INV-01"),
            req(
                "questions_answers",
                "询问内容",
                T.ROWS,
                "INV-02",
                "GEN-12",
                "GEN-13",
                columns=(req("question", "问", T.TEXT), req("answer", "答", T.TEXT)),
            ),
            f("evidence_submitted", "提供的证据材料", T.TEXT_LIST, "GEN-13"),
            f("interviewee_confirmation", "被询问人确认意见", T.TEXT, "INV-11", max_length=512),
        ),
    ),
    RecordKind(
        code="evidence_collection_notice",
        name="调取证据通知书",
        stages=(INVESTIGATION,),
        requirements=("INV-03", "INV-08"),
        fields=(
            req("recipient", "被调取单位或个人", T.TEXT, "INV-03", max_length=256),
            f("party", "所涉当事人", T.PARTY, "GEN-11"),
            req("legal_basis", "调取依据", T.TEXT, "INV-03", "GEN-08"),
            req("evidence_items", "调取的证据", T.TEXT_LIST, "INV-03"),
            f("deadline", "提供期限", T.DATE, "INV-03"),
            f("delivery_place", "提供地点", T.TEXT, "INV-03", max_length=256),
            agency_name_field("INV-03"),
            req("issued_on", "日期", T.DATE, "INV-03"),
        ),
    ),
    RecordKind(
        code="evidence_register",
        name="证据登记保存清单",
        stages=(INVESTIGATION,),
        requirements=("INV-03", "EVID-01", "EVID-02"),
        fields=(
            req(
                "items",
                "证据",
                T.ROWS,
                "EVID-01",
                columns=(
                    req("name", "证据名称", T.TEXT, max_length=256),
                    req("source", "来源", T.TEXT, max_length=256),
                    req("storage", "保存方式", T.TEXT, max_length=256),
                    req("collection_method", "采集过程和方法", T.TEXT),
                    f("quantity", "数量", T.TEXT, max_length=64),
                ),
            ),
            req("collected_at", "采集时间", T.DATETIME, "EVID-02"),
            req("collected_place", "采集地点", T.TEXT, "EVID-02", max_length=256),
            req("custodian", "保管人", T.TEXT, "EVID-02", max_length=64),
        ),
    ),
    RecordKind(
        code="preservation_notice",
        name="登记保存证据通知书",
        stages=(INVESTIGATION,),
        requirements=("EVID-03", "EVID-06", "EVID-07", "EVID-08"),
        description="连同物品清单当场交付,一式二份,由当事人和行政机关分别保存",
        fields=(
            req("owner", "被登记保存物品所有人", T.PARTY, "EVID-07"),
            req("reason", "实施登记保存措施的理由", T.TEXT, "EVID-07"),
            req(
                "items",
                "物品清单",
                T.ROWS,
                "EVID-06",
                "EVID-07",
                columns=(
                    req("name", "名称", T.TEXT, max_length=256),
                    req("quantity", "数量", T.TEXT, max_length=64),
                    req("specification", "规格型号", T.TEXT, max_length=128, help="无规格型号的填“无”"),
                    req("storage_place", "保存地点", T.TEXT, max_length=256),
                ),
            ),
            req("approved_by", "批准人(单位负责人)", T.TEXT, "EVID-03", max_length=64),
            agency_name_field("EVID-07"),
            req("issued_on", "日期", T.DATE, "EVID-07"),
        ),
    ),
    RecordKind(
        code="seizure_decision",
        name="查封扣押决定书",
        stages=(INVESTIGATION,),
        requirements=("EVID-03", "EVID-10", "EVID-11", "EVID-12", "DEADLINE-04"),
        description="查封、扣押、封存决定书连同清单当场交付,一式二份",
        fields=(
            req("party", "当事人", T.PARTY, "EVID-11"),
            req("measure", "措施", T.CHOICE, "EVID-10", choices=SEIZURE_MEASURES),
            req("reason", "理由", T.TEXT, "EVID-11"),
            req("legal_basis", "依据", T.TEXT, "EVID-11"),
            req(
                "term_days",
                "期限(日)",
                T.INTEGER,
                "EVID-11",
                "DEADLINE-04",
                min_value=1,
                max_value=SEIZURE_MAX_TERM_DAYS,
            ),
            req(
                "objects",
                "场所、设施或者财物清单",
                T.ROWS,
                "EVID-10",
                "EVID-11",
                columns=(
                    req("name", "名称", T.TEXT, max_length=256),
                    req("quantity", "数量", T.TEXT, max_length=64),
                    f("location", "所在地点", T.TEXT, max_length=256),
                ),
            ),
            req("approved_by", "批准人(单位负责人)", T.TEXT, "EVID-03", max_length=64),
            remedy_field("EVID-11"),
            agency_name_field("EVID-11"),
            req("issued_on", "日期", T.DATE, "EVID-11"),
        ),
    ),
    RecordKind(
        code="rights_notice",
        name="权利告知书",
        stages=(INVESTIGATION, REVIEW),
        requirements=("INV-01", "INV-05", "INV-08"),
        fields=(
            req("party", "当事人", T.PARTY, "INV-01"),
            req("rights", "告知的权利", T.CHOICES, "INV-01", choices=RIGHTS),
            req("method", "告知方式", T.CHOICE, "INV-01", choices=NOTICE_METHODS),
            req("notified_at", "告知时间", T.DATETIME, "INV-01"),
            f("content", "告知内容", T.TEXT, "INV-05"),
        ),
    ),
    RecordKind(
        code="statement_defence_transcript",
        name="陈述申辩笔录",
        stages=(INVESTIGATION, REVIEW),
        requirements=("INV-05", "INV-08", "REVIEW-07"),
        per_page_signatures=True,
        activity_time_required=True,
        place_required=True,
        fields=(
            req("party", "当事人", T.PARTY, "INV-05"),
            req("speaker_name", "陈述申辩人", T.TEXT, "GEN-13", max_length=64),
            officers_field("STAFF-02"),
            req("statement", "陈述内容", T.TEXT, "REVIEW-07", "GEN-13"),
            f("defence", "申辩意见", T.TEXT, "REVIEW-07"),
            f("evidence_submitted", "提供的证据材料", T.TEXT_LIST, "GEN-13"),
            f("waived_rights", "当事人明确放弃陈述申辩和听证权利", T.BOOLEAN, "DECIDE-07"),
        ),
    ),
    RecordKind(
        code="appraisal_opinion",
        name="鉴定意见书",
        stages=(INVESTIGATION, REVIEW),
        requirements=("INV-07", "TEXT-01", "INV-08"),
        description="由鉴定机构出具",
        fields=(
            req("institution", "鉴定机构", T.TEXT, "INV-07", max_length=256),
            f("report_number", "鉴定文书编号", T.TEXT, "INV-07", max_length=64),
            req("subject", "鉴定事项", T.TEXT, "INV-07"),
            req("conclusion", "鉴定意见", T.TEXT, "INV-07"),
            req("issued_on", "出具日期", T.DATE, "INV-07"),
        ),
    ),
    RecordKind(
        code="expert_opinion_report",
        name="专家论证报告",
        stages=(INVESTIGATION, REVIEW),
        requirements=("TEXT-01", "TEXT-05"),
        fields=(
            req("experts", "论证专家", T.TEXT_LIST, "TEXT-01"),
            req("topic", "论证事项", T.TEXT, "TEXT-01"),
            req("conclusion", "论证意见", T.TEXT, "TEXT-01"),
            req("issued_on", "日期", T.DATE, "TEXT-01"),
        ),
    ),
    # 审查决定 ---------------------------------------------------------------------------------------
    RecordKind(
        code="hearing_transcript",
        name="听证笔录",
        stages=(REVIEW,),
        requirements=("INV-06", "REVIEW-12", "REVIEW-13"),
        per_page_signatures=True,
        activity_time_required=True,
        place_required=True,
        description="当场交听证主持人以及听证参加人审核无误后签名或者盖章",
        fields=(
            req("party", "当事人", T.PARTY, "INV-06"),
            req("host_name", "听证主持人", T.TEXT, "REVIEW-12", max_length=64),
            req("hearing_participants", "听证参加人", T.TEXT_LIST, "REVIEW-12"),
            req("process", "听证过程", T.TEXT, "INV-06", "GEN-12"),
            req("result", "听证结果", T.TEXT, "INV-06", "GEN-12"),
        ),
    ),
    RecordKind(
        code="hearing_report",
        name="听证报告",
        stages=(REVIEW,),
        requirements=("INV-06", "TEXT-01"),
        fields=(
            req("host_name", "听证主持人", T.TEXT, "INV-06", max_length=64),
            req("summary", "听证情况", T.TEXT, "INV-06"),
            req("opinion", "处理意见", T.TEXT, "INV-06"),
            req("reported_on", "日期", T.DATE, "INV-06"),
        ),
    ),
    RecordKind(
        code="preliminary_review_opinion",
        name="初审意见",
        stages=(REVIEW,),
        requirements=("REVIEW-02", "REVIEW-06", "REVIEW-08"),
        description="法制部门对案件初审提出的意见",
        fields=(
            req("reviewer", "审核人", T.TEXT, "REVIEW-02", max_length=64),
            req("legal_compliance", "是否符合法律法规", T.TEXT, "REVIEW-06"),
            f("rights_infringement", "是否侵犯当事人合法权益", T.TEXT, "REVIEW-06"),
            req("procedure_legality", "程序是否合法", T.TEXT, "REVIEW-06"),
            f("evidence_review", "证据审查情况", T.TEXT, "REVIEW-08"),
            req("opinion", "初审意见", T.TEXT, "REVIEW-02"),
            req("reviewed_on", "日期", T.DATE, "REVIEW-02"),
            # REVIEW-14/15: a re-review either keeps the notified opinion (upheld) or changes it (notify again).
            f("outcome", "重新审理结论", T.CHOICE, "REVIEW-14", "REVIEW-15", choices=REVIEW_OUTCOMES),
            f("statement_handling", "对陈述申辩的复核及采纳情况", T.TEXT, "REVIEW-07"),
        ),
    ),
    RecordKind(
        code="collective_discussion",
        name="集体讨论记录",
        stages=(REVIEW,),
        requirements=("TEXT-05", "REVIEW-03", "REVIEW-04", "REVIEW-05"),
        activity_time_required=True,
        place_required=True,
        description="参会人员均应在记录上签名",
        fields=(
            req("host", "主持人", T.TEXT, "REVIEW-04", max_length=64),
            req("attendees", "参加人员", T.TEXT_LIST, "REVIEW-03", "REVIEW-05"),
            req("recorder", "记录人", T.TEXT, "REVIEW-05", max_length=64),
            req("deliberation", "审议情况", T.TEXT, "REVIEW-04"),
            req("handling_opinion", "处理意见", T.TEXT, "REVIEW-04"),
        ),
    ),
    RecordKind(
        code="penalty_notice",
        name="行政处罚告知书",
        stages=(REVIEW,),
        requirements=("DECIDE-05", "INV-01", "REVIEW-14"),
        fields=(
            req("party", "当事人", T.PARTY, "DECIDE-05"),
            req("facts", "违法事实", T.TEXT, "DECIDE-05"),
            req("legal_basis", "处罚依据", T.TEXT, "DECIDE-05"),
            req("proposed_penalty", "拟作出的行政处罚", T.TEXT, "DECIDE-05"),
            f("proposed_fine", "拟罚款数额(元)", T.MONEY, "DECIDE-05"),
            req("rights", "告知的权利", T.CHOICES, "INV-01", choices=RIGHTS),
            agency_name_field("DECIDE-05"),
            req("issued_on", "日期", T.DATE, "DECIDE-05"),
        ),
    ),
    RecordKind(
        code="penalty_decision",
        name="行政处罚决定书",
        stages=(REVIEW,),
        requirements=("DECIDE-08", "DECIDE-09", "DECIDE-10"),
        description="报单位主要负责人批准后送达并执行",
        fields=(
            f("document_number", "文书编号", T.TEXT, "DECIDE-10", max_length=64),
            req("party", "当事人(姓名或者名称、地址)", T.PARTY, "DECIDE-10"),
            req("facts_evidence", "违反法律、法规或者规章的事实和证据", T.TEXT, "DECIDE-10"),
            req("penalty_types", "行政处罚的种类", T.TEXT, "DECIDE-10", max_length=512),
            req("legal_basis", "行政处罚的依据", T.TEXT, "DECIDE-10"),
            f("fine_amount", "罚款数额(元)", T.MONEY, "DECIDE-10"),
            # DISCRETION-02/04: the benchmark band applied, and why the fine leaves it (with approval).
            f("benchmark_code", "适用的裁量基准编号", T.TEXT, "DISCRETION-02", max_length=64),
            f("deviation_reason", "偏离裁量基准的理由", T.TEXT, "DISCRETION-04"),
            f("confiscation", "没收违法所得、非法财物", T.TEXT, "DECIDE-10"),
            req("performance", "行政处罚的履行方式和期限", T.TEXT, "DECIDE-10"),
            remedy_field("DECIDE-10"),
            agency_name_field("DECIDE-10"),
            req("agency_stamp_affixed", "已加盖行政机关印章", T.BOOLEAN, "DECIDE-10"),
            req("decided_on", "日期", T.DATE, "DECIDE-10"),
            req("approved_by", "批准人(主要负责人)", T.TEXT, "DECIDE-08", max_length=64),
        ),
    ),
    RecordKind(
        code="on_the_spot_penalty_decision",
        name="当场处罚决定书",
        # The simple procedure decides on the spot, often before or without a formal investigation stage.
        stages=(PROGRAM_START, INVESTIGATION, REVIEW, SERVICE),
        requirements=("DECIDE-01", "DECIDE-02", "DECIDE-03", "DECIDE-04"),
        activity_time_required=True,  # DECIDE-02 时间
        place_required=True,  # DECIDE-02 地点
        description="由承办人员及当事人签名或者盖章后当场交付;当事人拒绝签名的,承办人员注明情况",
        checks=(_fine_needs_amount,),
        fields=(
            # Current law (2021 行政处罚法 第五十二条): a numbered, preset form.
            req("document_number", "文书编号", T.TEXT, "DECIDE-02", max_length=64),
            req("party", "当事人", T.PARTY, "DECIDE-02"),
            req("facts", "违法事实", T.TEXT, "DECIDE-02"),
            req("legal_basis", "行政处罚依据", T.TEXT, "DECIDE-02"),
            req("penalty_type", "行政处罚的种类", T.CHOICE, "DECIDE-01", "DECIDE-02", choices=ON_THE_SPOT_PENALTIES),
            f("fine_amount", "罚款数额(元)", T.MONEY, "DECIDE-01", "DECIDE-02"),
            remedy_field("DECIDE-02"),
            agency_name_field("DECIDE-02"),
        ),
    ),
    # 送达执行 ---------------------------------------------------------------------------------------
    RecordKind(
        code="service_receipt",
        name="送达回证",
        stages=(INVESTIGATION, REVIEW, SERVICE),
        requirements=("SERVE-01", "TEXT-05"),
        checks=(_left_service_needs_witness,),
        fields=(
            req("document_served", "送达文书", T.TEXT, "SERVE-01", max_length=256),
            f("document_number", "文书编号", T.TEXT, "SERVE-01", max_length=64),
            req("recipient", "受送达人", T.TEXT, "SERVE-01", max_length=128),
            req("method", "送达方式", T.CHOICE, "SERVE-01", choices=SERVICE_METHODS),
            req("served_at", "送达时间", T.DATETIME, "SERVE-01"),
            req("served_place", "送达地点", T.TEXT, "SERVE-01", max_length=256),
            f("witness", "见证人", T.TEXT, "SERVE-01", "AV-15", max_length=64),
            # Which document this proves served: the deadlines that run from service start here (SERVE-01).
            f("served_kind", "送达文书类型", T.CHOICE, "SERVE-01", choices=SERVED_KINDS),
            f("note", "备注", T.TEXT, "SERVE-01"),
        ),
    ),
    RecordKind(
        code="payment_reminder",
        name="催告书",
        stages=(SERVICE,),
        requirements=("EXEC-01", "DEADLINE-07"),
        description="申请人民法院强制执行前应当催告;催告书送达十日后当事人仍未履行的方可申请",
        fields=(
            req("party", "当事人", T.PARTY, "EXEC-01"),
            req("decision_reference", "所依据的决定", T.TEXT, "EXEC-01", max_length=256),
            req("obligation", "履行义务的内容", T.TEXT, "EXEC-01"),
            f("amount", "金钱给付数额(元)", T.MONEY, "EXEC-01"),
            req("method", "履行方式", T.TEXT, "EXEC-01"),
            req("deadline", "履行期限", T.DATE, "EXEC-01"),
            f("statement_rights", "陈述权和申辩权的告知", T.TEXT, "EXEC-01"),
            agency_name_field("EXEC-01"),
            req("issued_on", "日期", T.DATE, "EXEC-01"),
        ),
    ),
    RecordKind(
        code="enforcement_report",
        name="执法报告",
        stages=(SERVICE,),
        requirements=("DECIDE-11", "DECIDE-12", "EXEC-04", "EXEC-05"),
        checks=(_unpunished_needs_report,),
        fields=(
            req("summary", "执法情况", T.TEXT, "DECIDE-12"),
            req("results", "执法结果", T.TEXT, "DECIDE-12"),
            f("execution_status", "决定的执行情况", T.TEXT, "EXEC-04"),
            f("follow_up", "跟踪服务结果", T.TEXT, "EXEC-05"),
            f("unpunished_violations", "未处罚的违法行为", T.TEXT, "DECIDE-11"),
            f("reported_to", "上报部门", T.TEXT, "DECIDE-11", max_length=256),
            req("reported_on", "日期", T.DATE, "DECIDE-12"),
        ),
    ),
    # Any stage ---------------------------------------------------------------------------------------
    RecordKind(
        code="internal_approval",
        name="内部程序审批表",
        stages=ACTIVE_STAGES,
        requirements=("TEXT-05", "GEN-20"),
        fields=(
            req("matter", "审批事项", T.TEXT, "TEXT-05", max_length=256),
            req("request", "申请理由", T.TEXT, "TEXT-05"),
            f("legal_basis", "依据", T.TEXT, "GEN-08"),
            req(
                "approvals",
                "审批意见",
                T.ROWS,
                "GEN-20",
                columns=(
                    req("approver", "审批人", T.TEXT, max_length=64),
                    f("position", "职务", T.TEXT, max_length=64),
                    req("opinion", "意见", T.TEXT),
                    req("at", "时间", T.DATETIME),
                ),
            ),
        ),
    ),
    RecordKind(
        code="general_activity_record",
        name="一般执法活动记录",
        stages=ACTIVE_STAGES,
        requirements=(*(f"GEN-{n:02d}" for n in range(8, 22)), "STAFF-04"),
        activity_time_required=True,  # GEN-09 开始时间, GEN-10 结束时间
        place_required=True,  # GEN-09 地点
        description="未列入其他文书的执法活动,按通用记录项目记录",
        fields=(
            req("legal_basis", "执法依据", T.TEXT, "GEN-08"),
            req("purpose", "执法目的", T.TEXT, "GEN-08"),
            f("procedure", "执法程序", T.TEXT, "GEN-08"),
            f("agency_name", "执法机关", T.TEXT, "STAFF-04", max_length=128),
            officers_field("GEN-09", "STAFF-04"),
            f("end_place", "结束地点", T.TEXT, "GEN-10", max_length=256),
            f("party_complied", "当事人是否服从执法", T.BOOLEAN, "GEN-10"),
            f("party", "当事人", T.PARTY, "GEN-11"),
            req("process", "过程", T.TEXT, "GEN-12"),
            req("result", "结果", T.TEXT, "GEN-12"),
            f("statements", "当事人、代理人、证人的陈述和意见", T.TEXT, "GEN-13"),
            f("evidence_submitted", "提供的证据材料", T.TEXT_LIST, "GEN-13"),
            f("officer_conduct", "执法人员的行为、态度和言语", T.TEXT, "GEN-14"),
            f("risk_assessment", "风险评估", T.TEXT, "GEN-15"),
            f("risk_controls", "风险控制及措施", T.TEXT, "GEN-15"),
            f(
                "measures",
                "采取的执法措施",
                T.ROWS,
                "GEN-16",
                columns=(
                    req("measure_type", "措施", T.TEXT, max_length=128),
                    req("reason", "原因", T.TEXT),
                    req("legal_basis", "依据", T.TEXT),
                ),
            ),
            f("coercion_used", "是否使用强制措施或武器", T.BOOLEAN, "GEN-16"),
            f("legal_aid_given", "是否给予法律援助", T.BOOLEAN, "GEN-17"),
            f("family_notified", "是否通知家属", T.BOOLEAN, "GEN-17"),
            f("feedback", "当事人的反馈和投诉", T.TEXT, "GEN-18"),
            f(
                "communications",
                "沟通情况",
                T.ROWS,
                "GEN-19",
                columns=(
                    req("channel", "方式(口头/书面)", T.TEXT, max_length=32),
                    req("counterpart", "对方", T.TEXT, max_length=128),
                    req("content", "内容", T.TEXT),
                    f("at", "时间", T.DATETIME),
                ),
            ),
            f("approvals", "审批、决定和结果", T.TEXT, "GEN-20"),
            f("proceedings", "申诉、复核、诉讼等程序的过程和结果", T.TEXT, "GEN-21"),
        ),
    ),
    # Added with the procedure (issue 3): the documents the lifecycle's steps are proved by.
    RecordKind(
        code="investigation_report",
        name="案件调查终结报告",
        stages=(INVESTIGATION,),
        requirements=("REVIEW-01",),
        description="调查取证结束后,承办人员整理案件材料,提出处理意见并提交法制部门",
        fields=(
            req("facts", "调查认定的事实", T.TEXT, "REVIEW-01"),
            req("evidence", "证据材料", T.TEXT_LIST, "REVIEW-01"),
            req("handling_opinion", "处理意见", T.TEXT, "REVIEW-01"),
            req("submitted_on", "提交日期", T.DATE, "REVIEW-01"),
        ),
    ),
    RecordKind(
        code="hearing_request",
        name="听证申请记录",
        stages=(REVIEW,),
        requirements=("REVIEW-10", "REVIEW-11"),
        description="当事人书面提出的听证申请,或承办人员记录并经当事人签名的口头申请",
        fields=(
            req("form", "申请方式", T.CHOICE, "REVIEW-10", "REVIEW-11", choices=HEARING_REQUEST_FORMS),
            req("party", "当事人", T.PARTY, "REVIEW-11"),
            req("request_items", "听证请求事项", T.TEXT, "REVIEW-11"),
            req("facts_reasons", "事实和理由", T.TEXT, "REVIEW-11"),
            req("received_on", "收到日期", T.DATE, "REVIEW-10"),
        ),
    ),
    RecordKind(
        code="payment_schedule_decision",
        name="延期(分期)缴纳罚款决定",
        stages=(SERVICE,),
        requirements=("EXEC-02", "EXEC-03"),
        description="当事人书面申请,经主要负责人批准后延期或分期缴纳罚款",
        fields=(
            req("party", "当事人", T.PARTY, "EXEC-02"),
            req("arrangement", "方式", T.CHOICE, "EXEC-03", choices=PAYMENT_ARRANGEMENTS),
            req("application_received_on", "书面申请收到日期", T.DATE, "EXEC-02"),
            req("schedule", "缴纳期限及数额", T.TEXT, "EXEC-03"),
            req("decided_on", "决定日期", T.DATE, "EXEC-03"),
        ),
    ),
    RecordKind(
        code="court_enforcement_application",
        name="强制执行申请书",
        stages=(SERVICE,),
        requirements=("EXEC-01", "DEADLINE-06", "DEADLINE-07"),
        description="催告书送达十日后当事人仍未履行的,向有管辖权的人民法院申请强制执行",
        fields=(
            req("court", "受理法院", T.TEXT, "DEADLINE-07", max_length=128),
            req("party", "被申请人", T.PARTY, "EXEC-01"),
            req("decision_reference", "行政决定书文号", T.TEXT, "EXEC-01", max_length=64),
            req("obligation", "应履行的义务", T.TEXT, "EXEC-01"),
            req("applied_on", "申请日期", T.DATE, "DEADLINE-06"),
        ),
    ),
    RecordKind(
        code="measure_release_decision",
        name="解除登记保存(强制措施)决定书",
        stages=(INVESTIGATION, REVIEW, SERVICE),
        requirements=("EVID-05",),
        description="违法事实不成立或不需要继续采取措施的,经单位负责人批准后解除",
        fields=(
            req("measure_record", "所解除措施的文书编号(本系统记录编号)", T.INTEGER, "EVID-05", min_value=1),
            req("reason", "解除理由", T.CHOICE, "EVID-05", choices=RELEASE_REASONS),
            f("detail", "情况说明", T.TEXT, "EVID-05"),
            req("released_on", "解除日期", T.DATE, "EVID-05"),
        ),
    ),
    RecordKind(
        code="disposal_record",
        name="罚没物品处置记录",
        stages=(SERVICE,),
        requirements=("DISPOSAL-01", "DISPOSAL-02"),
        description="罚没物品按规定采取监督销毁、拍卖或技术处理等方式处置,报主要负责人批准",
        fields=(
            req("items", "处置物品清单", T.TEXT_LIST, "DISPOSAL-01"),
            req("method", "处置方式", T.CHOICE, "DISPOSAL-01", choices=DISPOSAL_METHODS),
            req("result", "处置结果", T.TEXT, "DISPOSAL-01"),
            req("disposed_on", "处置日期", T.DATE, "DISPOSAL-01"),
        ),
    ),
)

KINDS_BY_CODE: dict[str, RecordKind] = {kind.code: kind for kind in KINDS}
