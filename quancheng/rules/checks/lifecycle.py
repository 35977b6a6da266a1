"""Blocking rules on lifecycle actions: approvals, workflow order, thresholds and mandatory records at the
moment a case moves (domain-notes §2)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ..facts import CaseFacts
from ..registry import Severity, Violation, on_approve, rule

B = Severity.BLOCKING

APPROVER_LABEL = {
    "unit_head": "单位负责人",
    "principal_head": "单位主要负责人",
    "leader_in_charge": "分管领导",
    "superior_dept": "上级部门",
}


def _approval_missing(facts: CaseFacts, action: str, role: str, what: str) -> Iterator[Violation]:
    if facts.approvals_for(action):
        return
    pending = facts.approvals_for(action, approved=None)
    state = "已提请审批,尚待批准" if any(a.status == "pending" for a in pending) else "尚未提请审批"
    yield Violation(f"{what}须经{APPROVER_LABEL[role]}批准({state})", details={"approval": action, "role": role})


@rule(
    "filing-approved",
    title="立案须经单位主要负责人批准",
    requirements=["START-09"],
    severity=B,
    on=["file_case"],
)
def filing_approved(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    # START-09: 立案案件应当报单位主要负责人批准.
    return _approval_missing(facts, "file_case", "principal_head", "立案")


@rule(
    "filing-record",
    title="立案须有记载启动原因等事项的立案审批表",
    requirements=["START-05", "START-08", "START-14"],
    severity=B,
    on=["file_case"],
)
def filing_record(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    # START-05/08: the 立案审批表 records the initiation; START-14: investigation starts only once it is submitted.
    if not facts.has_record("case_filing_approval"):
        yield Violation("立案前须制作并封存立案审批表,记载启动原因、案件来源、当事人、基本案情等")


@rule(
    "non-initiation-record",
    title="不予立案须记录告知当事人或向社会公示的情况",
    requirements=["START-06"],
    severity=B,
    on=["decline_filing"],
)
def non_initiation_record(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not facts.has_record("non_initiation_record"):
        yield Violation("不予立案须制作并封存不予立案记录,记载告知当事人或者向社会公示的情况")


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@rule(
    "on-the-spot-threshold",
    title="当场处罚限于法定数额以下的罚款或者警告",
    requirements=["DECIDE-01"],
    severity=B,
    on=["impose_on_the_spot", "seal:on_the_spot_penalty_decision"],
    params=["on_the_spot_max_fine_person", "on_the_spot_max_fine_organisation"],
)
def on_the_spot_threshold(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    decisions = [facts.sealing] if facts.sealing else list(facts.current_records("on_the_spot_penalty_decision"))
    if facts.action == "impose_on_the_spot" and not decisions:
        yield Violation("适用简易程序须先制作并封存当场处罚决定书")
        return
    party_kinds = {p.party_id: p.kind for p in facts.parties}
    for decision in decisions:
        if decision is None or decision.content.get("penalty_type") != "fine":
            continue  # a warning is always within the simple procedure
        amount = _amount(decision.content.get("fine_amount"))
        kind = party_kinds.get(decision.content.get("party"), "person")
        key = "on_the_spot_max_fine_organisation" if kind == "organisation" else "on_the_spot_max_fine_person"
        limit = Decimal(params[key])
        if amount is None or amount > limit:
            who = "法人或者其他组织" if kind == "organisation" else "公民"
            yield Violation(
                f"当场处罚对{who}的罚款不得超过{limit}元,本决定为{decision.content.get('fine_amount')}元,应适用普通程序",
                subject=str(decision.record_id),
                details={"limit": str(limit), "amount": str(decision.content.get("fine_amount"))},
            )


@rule(
    "on-the-spot-signed",
    title="当场处罚决定书由承办人员及当事人签名或盖章(拒签的注明情况)",
    requirements=["DECIDE-03", "DECIDE-04"],
    severity=B,
    on=["impose_on_the_spot"],
)
def on_the_spot_signed(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    for decision in facts.current_records("on_the_spot_penalty_decision"):
        roles = {s.role for s in decision.signatures}
        if not roles & {"officer", "recorder"}:
            yield Violation("当场处罚决定书须由承办人员签名", subject=str(decision.record_id))
        if not roles & {"party", "legal_representative", "recipient"}:
            yield Violation(
                "当场处罚决定书须由当事人签名或盖章;当事人拒绝的,应注明情况", subject=str(decision.record_id)
            )


@rule(
    "review-submission",
    title="调查终结后提出处理意见并提交法制部门",
    requirements=["REVIEW-01"],
    severity=B,
    on=["submit_for_review"],
)
def review_submission(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    report = facts.last_record("investigation_report")
    if report is None:
        yield Violation("提交法制审核前须制作并封存案件调查终结报告,提出处理意见")


@rule(
    "preliminary-review",
    title="法制部门初审并提出初审意见后方可告知或决定",
    requirements=["REVIEW-02", "REVIEW-06"],
    severity=B,
    on=["notify", "decide", "decide_no_penalty"],
)
def preliminary_review(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not facts.has_record("preliminary_review_opinion"):
        yield Violation("须有法制部门封存的初审意见")


@rule(
    "major-case-approval",
    title="复杂、重大案件报分管领导审批后联合审理",
    requirements=["REVIEW-03"],
    severity=B,
    on=["refer_to_joint_review"],
)
def major_case_approval(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    return _approval_missing(facts, "major_case_review", "leader_in_charge", "提请联合审理")


@rule(
    "joint-review-held",
    title="复杂、重大案件须经3个以上科室负责人联合审理,审理记录经参会人员签名",
    requirements=["REVIEW-03", "REVIEW-04", "REVIEW-05"],
    severity=B,
    on=["notify", "decide", "decide_no_penalty"],
    params=["joint_review_min_members"],
)
def joint_review_held(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not facts.is_major:
        return
    minimum = int(params["joint_review_min_members"])
    if facts.entered("joint_review") is None:
        yield Violation("重大复杂案件须报分管领导审批并提请联合审理")
        return
    minutes = facts.last_record("collective_discussion")
    if minutes is None:
        yield Violation("联合审理须制作审理记录")
        return
    attendees = minutes.content.get("attendees") or []
    if len(attendees) < minimum:
        yield Violation(f"联合审理须有{minimum}个以上相关科室负责人参加,审理记录仅列{len(attendees)}人")
    signers = {s.role for s in minutes.signatures}
    if "attendee" not in signers:
        yield Violation("审理记录须由参会人员签名")


@rule(
    "penalty-notice",
    title="审理结束后制作并送达行政处罚告知书",
    requirements=["DECIDE-05"],
    severity=B,
    on=["notify"],
)
def penalty_notice(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not facts.has_record("penalty_notice"):
        yield Violation("须制作并封存行政处罚告知书")


@rule(
    "non-penalty-approved",
    title="不予行政处罚、案件移送决定报主要负责人批准",
    requirements=["DECIDE-06"],
    severity=B,
    on=["decide_no_penalty"],
)
def non_penalty_approved(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    return _approval_missing(facts, "non_penalty_or_transfer", "principal_head", "不予行政处罚或案件移送")


@rule(
    "hearing-request",
    title="听证申请须以书面形式提出或由承办人员记录并经当事人签名",
    requirements=["REVIEW-10", "REVIEW-11"],
    severity=B,
    on=["request_hearing"],
)
def hearing_request(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    request = facts.last_record("hearing_request")
    if request is None:
        yield Violation("组织听证须有当事人的书面听证申请,或经当事人签名的口头申请记录")
        return
    if request.content.get("form") == "oral" and not {s.role for s in request.signatures} & {
        "party",
        "legal_representative",
        "agent",
    }:
        yield Violation("口头听证申请记录须由当事人签名或者签章")


@rule(
    "hearing-closed",
    title="听证笔录和案件材料一并提交法制部门审理",
    requirements=["REVIEW-12", "REVIEW-13"],
    severity=B,
    on=["close_hearing"],
)
def hearing_closed(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    transcript = facts.last_record("hearing_transcript")
    if transcript is None:
        yield Violation("听证结束须有封存的听证笔录")
        return
    roles = {s.role for s in transcript.signatures}
    if "hearing_host" not in roles or "hearing_participant" not in roles:
        yield Violation("听证笔录须当场交听证主持人及听证参加人审核无误后签名或者盖章")


@rule(
    "reopen-review-statement",
    title="当事人提出新的申辩事实和理由的,复核后重新审理",
    requirements=["REVIEW-09"],
    severity=B,
    on=["reopen_review"],
)
def reopen_review_statement(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not facts.has_record("statement_defence_transcript"):
        yield Violation("复核重审须有记载新的申辩事实和理由的陈述申辩笔录")


@rule(
    "decision-approved",
    title="行政处罚决定书报主要负责人批准",
    requirements=["DECIDE-08", "REVIEW-16"],
    severity=B,
    on=["decide"],
)
def decision_approved(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    return _approval_missing(facts, "penalty_decision", "principal_head", "作出行政处罚决定")


def _notified_since_last_review(facts: CaseFacts) -> bool:
    notified = facts.entered("notice")
    reviewed = facts.entered("legal_review")
    return notified is not None and (reviewed is None or notified.at >= reviewed.at or _review_upheld(facts))


def _review_upheld(facts: CaseFacts) -> bool:
    """REVIEW-14/15: a re-review that keeps the notified facts, basis and penalty needs no new notice."""
    review = facts.last_record("preliminary_review_opinion")
    return review is not None and review.content.get("outcome") == "upheld"


@rule(
    "decision-after-notice",
    title="作出处罚决定前须告知并经过陈述申辩、听证期限;重新审理改变处罚的重新告知",
    requirements=["DECIDE-07", "DEADLINE-08", "REVIEW-14", "REVIEW-15"],
    severity=B,
    on=["decide"],
    params=["statement_period"],
)
def decision_after_notice(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    from ..deadlines import statement_period

    if not _notified_since_last_review(facts):
        yield Violation(
            "作出行政处罚决定前须送达行政处罚告知书;重新审理改变违法事实、证据、依据或处罚种类、幅度的,应重新告知"
        )
        return
    waiting = statement_period(facts, params)
    if waiting is None or waiting.status != "waiting":
        return
    responded = facts.has_record("statement_defence_transcript") or facts.entered("hearing") is not None
    waived = any(r.content.get("waived_rights") for r in facts.current_records("statement_defence_transcript"))
    if responded and (waived or facts.entered("legal_review") is not None):
        return
    yield Violation(
        f"陈述申辩、要求听证期限({waiting.period})至{waiting.due.isoformat()}届满,期满前当事人未陈述申辩或放弃权利的,不得作出处罚决定",
        details={"due": waiting.due.isoformat()},
    )


@rule(
    "decision-document",
    title="给予行政处罚应当制作行政处罚决定书",
    requirements=["DECIDE-09"],
    severity=B,
    on=["decide"],
)
def decision_document(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not facts.has_record("penalty_decision"):
        yield Violation("须制作并封存行政处罚决定书")


@rule(
    "decision-served",
    title="处罚决定书送达须有送达回证",
    requirements=["SERVE-01"],
    severity=B,
    on=["serve_decision"],
)
def decision_served(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    from ..deadlines import served_on

    if served_on(facts, "penalty_decision") is None:
        yield Violation("须有载明送达行政处罚决定书的送达回证")


@rule(
    "demand-issued",
    title="申请人民法院强制执行前应当催告当事人履行义务",
    requirements=["EXEC-01"],
    severity=B,
    on=["issue_demand", "apply_to_court"],
)
def demand_issued(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    from ..deadlines import served_on

    if not facts.has_record("payment_reminder"):
        yield Violation("须制作并封存催告书")
    elif facts.action == "apply_to_court" and served_on(facts, "payment_reminder") is None:
        yield Violation("申请强制执行前须有催告书的送达回证")


@rule(
    "demand-waiting-period",
    title="催告书送达十日后当事人仍未履行的,方可申请人民法院强制执行",
    requirements=["DEADLINE-07"],
    severity=B,
    on=["apply_to_court"],
    params=["demand_wait_period"],
)
def demand_waiting_period(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    from ..deadlines import demand_wait

    waiting = demand_wait(facts, params)
    if waiting is not None and waiting.status == "waiting":
        yield Violation(
            f"催告书送达后须满{waiting.period}(至{waiting.due.isoformat()})当事人仍未履行的,方可申请强制执行",
            details={"due": waiting.due.isoformat()},
        )


@rule(
    "court-application-document",
    title="申请人民法院强制执行须制作强制执行申请书",
    requirements=["EXEC-01", "DEADLINE-06"],
    severity=B,
    on=["apply_to_court"],
)
def court_application_document(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not facts.has_record("court_enforcement_application"):
        yield Violation("须制作并封存强制执行申请书")


@rule(
    "execution-recorded",
    title="结案前记录执法决定的执行情况和结果,作出执法报告",
    requirements=["EXEC-04", "DECIDE-12"],
    severity=B,
    on=["close_case"],
)
def execution_recorded(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not facts.has_record("enforcement_report"):
        yield Violation("结案前须制作并封存执法报告,记录执行情况和结果")


@rule(
    "stage-has-record",
    title="每个环节至少有一份记录后方可离开",
    requirements=["GEN-02"],
    severity=B,
    on=[
        "file_case",
        "submit_for_review",
        "notify",
        "decide",
        "decide_no_penalty",
        "serve_decision",
        "close_case",
        "impose_on_the_spot",
    ],
)
def stage_has_record(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    # GEN-02: the case moves through the five stages in order, and a stage is not left without a record.
    if not any(r.stage == facts.stage for r in facts.current_records()):
        yield Violation("当前环节尚无任何封存的记录,不能进入下一环节")


# --- granting approvals -------------------------------------------------------------------------------------


@rule(
    "decision-extension-in-time",
    title="案情复杂不能按期决定的,经单位负责人批准延长30日(须在原期限届满前批准)",
    requirements=["DECIDE-13"],
    severity=B,
    on=[on_approve("extend_decision_period")],
    params=["decision_period", "decision_extension_days"],
)
def decision_extension_in_time(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    from ..deadlines import decision

    current = decision(facts, params)
    if current is None:
        yield Violation("案件尚未立案,没有可延长的办案期限")
    elif facts.today > current.due:
        yield Violation(f"办案期限已于{current.due.isoformat()}届满,不能再批准延长")


@rule(
    "further-extension-after-first",
    title="经延期仍不能作出决定的,报请上级部门批准适当延长",
    requirements=["DECIDE-14"],
    severity=B,
    on=[on_approve("further_extend_decision_period")],
)
def further_extension_after_first(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not facts.approvals_for("extend_decision_period"):
        yield Violation("须先经单位负责人批准延长办案期限,仍不能作出决定的,方可报请上级部门再次延长")
    days = (facts.deciding.data.get("days") if facts.deciding else None) or 0
    if not isinstance(days, int) or days <= 0:
        yield Violation("上级部门批准的延长期限须写明日数")


@rule(
    "seizure-extension-in-time",
    title="查封、扣押、封存情况复杂需延长的,经单位负责人批准(原期限届满前),延长不超过30日且仅一次",
    requirements=["EVID-13", "DEADLINE-04"],
    severity=B,
    on=[on_approve("extend_measure")],
    params=["seizure_term", "seizure_extension_max_days"],
)
def seizure_extension_in_time(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    from ..deadlines import seizure

    deciding = facts.deciding
    if deciding is None:
        return
    days = deciding.data.get("days")
    limit = int(params["seizure_extension_max_days"])
    if not isinstance(days, int) or not 1 <= days <= limit:
        yield Violation(f"查封、扣押、封存的延长期限不得超过{limit}日")
    if any(a.record_id == deciding.record_id for a in facts.approvals_for("extend_measure")):
        yield Violation("查封、扣押、封存的期限只能延长一次")
    term = next((d for d in seizure(facts, params) if d.subject == f"seizure:{deciding.record_id}"), None)
    if term is None:
        yield Violation("延长期限须指明已实施的查封扣押决定书")
    elif facts.today > term.due:
        yield Violation(f"查封、扣押、封存期限已于{term.due.isoformat()}届满,不能再批准延长")
