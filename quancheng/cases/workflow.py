"""The case lifecycle as data (GEN-02), and the checks a stage change must pass. Pure: no database.

Services build a ``CaseSnapshot`` from the locked case row and call ``check_transition`` before they write
anything; a refusal raises ``DomainError`` and nothing is written (Dispatch's flows, minus warn-only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from quancheng.core.errors import DomainError, ErrorCode

from .models import ApprovalAction, ApproverRole, Procedure, Stage, Step

# GEN-02: 程序启动 → 调查取证 → 审查决定 → 送达执行 → 归档管理, in this order.
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.PROGRAM_START,
    Stage.INVESTIGATION_EVIDENCE,
    Stage.REVIEW_DECISION,
    Stage.SERVICE_EXECUTION,
    Stage.ARCHIVE,
)

# STAFF-01: 由2名以上持有效行政执法证件的人员负责承办调查取证工作.
STAFF_01_MIN_OFFICERS = 2

# Stages whose work is investigation and so needs STAFF-01's staffing while the case is in them.
STAFF_01_STAGES: frozenset[Stage] = frozenset({Stage.INVESTIGATION_EVIDENCE})


# Each step lies in one stage (GEN-02).
STEP_STAGE: dict[Step, Stage] = {
    Step.CLUE: Stage.PROGRAM_START,
    Step.NOT_FILED: Stage.PROGRAM_START,
    Step.INVESTIGATION: Stage.INVESTIGATION_EVIDENCE,
    Step.LEGAL_REVIEW: Stage.REVIEW_DECISION,
    Step.JOINT_REVIEW: Stage.REVIEW_DECISION,
    Step.NOTICE: Stage.REVIEW_DECISION,
    Step.HEARING: Stage.REVIEW_DECISION,
    Step.DECIDED: Stage.REVIEW_DECISION,
    Step.EXECUTION: Stage.SERVICE_EXECUTION,
    Step.DEMAND: Stage.SERVICE_EXECUTION,
    Step.COURT_ENFORCEMENT: Stage.SERVICE_EXECUTION,
    Step.CLOSED: Stage.SERVICE_EXECUTION,
    Step.ARCHIVED: Stage.ARCHIVE,
}


@dataclass(frozen=True)
class LifecycleAction:
    """One move of the procedure: from which steps, to which step, under which procedures, and whose approval it
    waits for (the approval itself is checked by a blocking rule in ``quancheng.rules.checks``)."""

    code: str
    label: str
    sources: frozenset[Step]
    target: Step
    procedures: frozenset[Procedure] = frozenset({Procedure.GENERAL})
    approval: ApprovalAction | None = None


BOTH = frozenset({Procedure.GENERAL, Procedure.SIMPLE})
S = Step

# domain-notes §2, in the order a case meets them.
ACTIONS: tuple[LifecycleAction, ...] = (
    # 程序启动: file (START-09), record a decision not to file (START-06), or punish on the spot (DECIDE-01..04).
    LifecycleAction("file_case", "立案", frozenset({S.CLUE}), S.INVESTIGATION, approval=ApprovalAction.FILE_CASE),
    LifecycleAction("decline_filing", "不予立案", frozenset({S.CLUE}), S.NOT_FILED, procedures=BOTH),
    LifecycleAction(
        "impose_on_the_spot",
        "当场作出处罚决定",
        frozenset({S.CLUE}),
        S.EXECUTION,
        procedures=frozenset({Procedure.SIMPLE}),
    ),
    # 调查取证 → 审查决定 (REVIEW-01, REVIEW-02).
    LifecycleAction("submit_for_review", "调查终结,提交法制审核", frozenset({S.INVESTIGATION}), S.LEGAL_REVIEW),
    LifecycleAction(
        "refer_to_joint_review",
        "提请集体审理",
        frozenset({S.LEGAL_REVIEW}),
        S.JOINT_REVIEW,
        approval=ApprovalAction.MAJOR_CASE_REVIEW,
    ),
    LifecycleAction("notify", "送达行政处罚告知书", frozenset({S.LEGAL_REVIEW, S.JOINT_REVIEW}), S.NOTICE),
    LifecycleAction(
        "decide_no_penalty",
        "不予行政处罚或移送",
        frozenset({S.LEGAL_REVIEW, S.JOINT_REVIEW}),
        S.CLOSED,
        approval=ApprovalAction.NON_PENALTY_OR_TRANSFER,
    ),
    LifecycleAction("request_hearing", "当事人要求听证", frozenset({S.NOTICE}), S.HEARING),
    LifecycleAction("close_hearing", "听证结束,提交法制部门审理", frozenset({S.HEARING}), S.LEGAL_REVIEW),
    LifecycleAction("reopen_review", "新的申辩事实和理由,复核重审", frozenset({S.NOTICE}), S.LEGAL_REVIEW),
    LifecycleAction(
        "decide",
        "作出行政处罚决定",
        frozenset({S.NOTICE, S.LEGAL_REVIEW, S.JOINT_REVIEW}),
        S.DECIDED,
        approval=ApprovalAction.PENALTY_DECISION,
    ),
    # 送达执行.
    LifecycleAction("serve_decision", "送达行政处罚决定书", frozenset({S.DECIDED}), S.EXECUTION),
    LifecycleAction("issue_demand", "催告当事人履行", frozenset({S.EXECUTION}), S.DEMAND),
    LifecycleAction("apply_to_court", "申请人民法院强制执行", frozenset({S.DEMAND}), S.COURT_ENFORCEMENT),
    LifecycleAction(
        "close_case",
        "执行完毕,结案",
        frozenset({S.EXECUTION, S.DEMAND, S.COURT_ENFORCEMENT}),
        S.CLOSED,
        procedures=BOTH,
    ),
    # 归档管理.
    LifecycleAction("archive", "归档", frozenset({S.CLOSED, S.NOT_FILED}), S.ARCHIVED, procedures=BOTH),
)
ACTIONS_BY_CODE: dict[str, LifecycleAction] = {a.code: a for a in ACTIONS}

# Who decides each kind of approval (START-09, START-11, EVID-03/05/13, REVIEW-03, DECIDE-06/08/13/14, EXEC-03,
# DISPOSAL-02, DISCRETION-04).
APPROVER_ROLE: dict[ApprovalAction, ApproverRole] = {
    ApprovalAction.FILE_CASE: ApproverRole.PRINCIPAL_HEAD,
    ApprovalAction.FIELD_INSPECTION: ApproverRole.LEADER_IN_CHARGE,
    ApprovalAction.COERCIVE_MEASURE: ApproverRole.UNIT_HEAD,
    ApprovalAction.RELEASE_MEASURE: ApproverRole.UNIT_HEAD,
    ApprovalAction.EXTEND_MEASURE: ApproverRole.UNIT_HEAD,
    ApprovalAction.MAJOR_CASE_REVIEW: ApproverRole.LEADER_IN_CHARGE,
    ApprovalAction.NON_PENALTY_OR_TRANSFER: ApproverRole.PRINCIPAL_HEAD,
    ApprovalAction.PENALTY_DECISION: ApproverRole.PRINCIPAL_HEAD,
    ApprovalAction.EXTEND_DECISION_PERIOD: ApproverRole.UNIT_HEAD,
    ApprovalAction.FURTHER_EXTEND_DECISION_PERIOD: ApproverRole.SUPERIOR_DEPT,
    ApprovalAction.PAYMENT_DEFERRAL: ApproverRole.PRINCIPAL_HEAD,
    ApprovalAction.DISPOSAL: ApproverRole.PRINCIPAL_HEAD,
    ApprovalAction.DISCRETION_DEVIATION: ApproverRole.PRINCIPAL_HEAD,
}


@dataclass(frozen=True)
class HandlerSnapshot:
    """One current handler, with whether their 执法证 is valid on the day in question (STAFF-01)."""

    user_id: int
    name: str
    has_valid_certificate: bool


@dataclass(frozen=True)
class CaseSnapshot:
    stage: Stage | str
    procedure: Procedure | str
    step: Step | str = Step.CLUE
    handlers: tuple[HandlerSnapshot, ...] = ()
    archived: bool = False


def stage_label(stage: Stage | str) -> str:
    try:
        return Stage(stage).label
    except ValueError:
        return str(stage)


def step_label(step: Step | str) -> str:
    try:
        return Step(step).label
    except ValueError:
        return str(step)


def available_actions(step: Step | str, procedure: Procedure | str) -> list[LifecycleAction]:
    """The lifecycle actions a case at ``step`` under ``procedure`` may take next (before rules are checked)."""
    try:
        step, procedure = Step(step), Procedure(procedure)
    except ValueError:
        return []
    return [a for a in ACTIONS if step in a.sources and procedure in a.procedures]


def check_staffing(handlers: Iterable[HandlerSnapshot]) -> None:
    """STAFF-01: at least ``STAFF_01_MIN_OFFICERS`` handlers hold a certificate valid on the day."""
    handlers = tuple(handlers)
    certified = [h for h in handlers if h.has_valid_certificate]
    if len(certified) >= STAFF_01_MIN_OFFICERS:
        return
    lacking = [h.name for h in handlers if not h.has_valid_certificate]
    message = (
        f"调查取证须由{STAFF_01_MIN_OFFICERS}名以上持有效执法证件的人员承办(STAFF-01),"
        f"目前持有效执法证件的承办人为{len(certified)}名"
    )
    if lacking:
        message += f";以下承办人当日无有效执法证件:{'、'.join(lacking)}"
    raise DomainError(
        ErrorCode.STAFFING_INSUFFICIENT,
        message,
        required=STAFF_01_MIN_OFFICERS,
        certified=len(certified),
        lacking=lacking,
    )


def check_transition(snapshot: CaseSnapshot, action_code: str) -> LifecycleAction:
    """The lifecycle table's own checks for ``action_code`` (order and procedure, GEN-02; STAFF-01 on entering
    调查取证); raise before any write. The compliance rules run after this, in the service."""
    if snapshot.archived or snapshot.step == Step.ARCHIVED:
        raise DomainError(ErrorCode.CASE_CLOSED)
    action = ACTIONS_BY_CODE.get(action_code)
    if action is None:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"未知的程序操作:{action_code}")
    current = Step(snapshot.step)
    if current not in action.sources or Procedure(snapshot.procedure) not in action.procedures:
        options = "、".join(a.label for a in available_actions(current, snapshot.procedure)) or "无"
        raise DomainError(
            ErrorCode.TRANSITION_NOT_ALLOWED,
            f"案件当前处于“{current.label}”,不能“{action.label}”(当前可进行:{options})",
        )
    if STEP_STAGE[action.target] in STAFF_01_STAGES:  # STAFF-01
        check_staffing(snapshot.handlers)
    return action


def check_handler_change(snapshot: CaseSnapshot, new_handlers: Iterable[HandlerSnapshot]) -> None:
    """Raise unless the case may have ``new_handlers`` as its handlers.

    While a case is being investigated, STAFF-01 must keep holding: a change may not leave fewer than
    ``STAFF_01_MIN_OFFICERS`` certified handlers on it.
    """
    if snapshot.archived or snapshot.stage == Stage.ARCHIVE:
        raise DomainError(ErrorCode.CASE_CLOSED)
    new_handlers = tuple(new_handlers)
    if not new_handlers:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "至少须指定一名承办人")
    if Stage(snapshot.stage) in STAFF_01_STAGES:  # STAFF-01
        check_staffing(new_handlers)
