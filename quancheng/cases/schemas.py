"""Request and response shapes of the cases and parties API. Enumerations are the models' TextChoices, so a
value outside them is a 422 validation_error before any code runs, and OpenAPI lists the allowed values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from quancheng.core.types import Timestamp

from . import workflow
from .models import (
    ActType,
    Approval,
    ApprovalAction,
    ApprovalStatus,
    ApproverRole,
    Case,
    CaseSource,
    Party,
    PartyKind,
    Procedure,
    Stage,
    StageChange,
    Step,
)
from .selectors import case_current_handler_links

# --- parties -----------------------------------------------------------------------------------------


class PartyIn(Schema):
    kind: PartyKind = Field(..., description="person 自然人 / organisation 法人或其他组织")
    name: str = Field(..., max_length=128, description="姓名或名称")
    id_number: str = Field(..., max_length=64, description="居民身份证号码(自然人)或统一社会信用代码(组织)")
    legal_representative: str = Field("", max_length=64, description="法定代表人或负责人;组织必填")
    address: str = Field("", max_length=256)
    contact: str = Field("", max_length=64)


class PartyOut(Schema):
    id: int
    agency_id: int
    kind: PartyKind
    kind_label: str
    name: str
    id_number: str
    legal_representative: str
    address: str
    contact: str
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: Party) -> str:
        return obj.get_kind_display()


# --- cases -------------------------------------------------------------------------------------------


class CaseIn(Schema):
    unit_id: int | None = Field(None, description="承办机构;缺省为登记人所在内设机构")
    title: str = Field(..., max_length=256, description="案由")
    act_type: ActType = Field(..., description="执法行为类型 (GEN-01)")
    source: CaseSource = Field(..., description="案件来源 (START-*)")
    procedure: Procedure = Field(Procedure.GENERAL, description="simple 简易程序 / general 普通程序")
    summary: str = Field("", description="基本案情")
    occurred_at: Timestamp | None = Field(None, description="案发时间(ISO 8601;无时区时按北京时间)")
    occurred_place: str = Field("", max_length=256, description="案发地点")
    handler_ids: list[int] = Field(default_factory=list, description="承办人,第一位为主办人")
    party_ids: list[int] = Field(default_factory=list, description="当事人")


class HandlersIn(Schema):
    handler_ids: list[int] = Field(..., min_length=1, description="承办人(完整名单,替换现有名单)")
    lead_id: int = Field(..., description="主办人,须在承办人名单中")


class CasePartyIn(Schema):
    party_id: int


class TransitionIn(Schema):
    action: str = Field(..., max_length=40, description="程序操作,见 GET /cases/{id}/actions")
    note: str = Field("", max_length=512, description="说明")


class MajorIn(Schema):
    is_major: bool = Field(..., description="是否为复杂、重大案件 (REVIEW-03)")


class ActionProblemOut(Schema):
    rule: str
    requirement: str
    message: str


class ActionOut(Schema):
    action: str
    label: str
    target_step: Step
    allowed: bool
    problems: list[ActionProblemOut]


class ApprovalIn(Schema):
    action: ApprovalAction
    reason: str = Field(..., max_length=2000)
    record_id: int | None = None
    data: dict[str, Any] = Field(default_factory=dict, description='如延长日数 {"days": 30}')
    emergency: bool = Field(False, description="紧急情况事先请示、事后补办 (EVID-04)")


class ApprovalDecisionIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000)


class ApprovalOut(Schema):
    id: int
    case_id: int
    action: ApprovalAction
    action_label: str
    approver_role: ApproverRole
    approver_role_label: str
    reason: str
    record_id: int | None
    data: dict[str, Any]
    emergency: bool
    requested_by_id: int
    requested_at: datetime
    status: ApprovalStatus
    decided_by_id: int | None
    decided_at: datetime | None
    comment: str

    @staticmethod
    def resolve_action_label(obj: Approval) -> str:
        return obj.get_action_display()

    @staticmethod
    def resolve_approver_role_label(obj: Approval) -> str:
        return obj.get_approver_role_display()


class HandlerOut(Schema):
    user_id: int
    name: str
    is_lead: bool
    assigned_at: datetime


class CasePartyOut(Schema):
    party_id: int
    kind: PartyKind
    name: str
    added_at: datetime


class StageChangeOut(Schema):
    id: int
    action: str
    from_step: str
    to_step: str
    from_stage: Stage
    to_stage: Stage
    changed_at: datetime
    changed_by_id: int
    note: str


class CaseSummaryOut(Schema):
    id: int
    number: str
    title: str
    agency_id: int
    unit_id: int
    act_type: ActType
    source: CaseSource
    procedure: Procedure
    stage: Stage
    stage_label: str
    step: Step
    step_label: str
    is_major: bool
    opened_at: datetime

    @staticmethod
    def resolve_stage_label(obj: Case) -> str:
        return obj.get_stage_display()

    @staticmethod
    def resolve_step_label(obj: Case) -> str:
        return obj.get_step_display()


class CaseOut(CaseSummaryOut):
    agency_name: str
    unit_name: str
    act_type_label: str
    source_label: str
    procedure_label: str
    summary: str
    occurred_at: datetime | None
    occurred_place: str
    opened_by_id: int
    handlers: list[HandlerOut]
    parties: list[CasePartyOut]
    stage_changes: list[StageChangeOut]
    next_actions: list[str] = Field(..., description="按程序表当前可进行的操作(规则检查见 /actions)")

    @staticmethod
    def resolve_agency_name(obj: Case) -> str:
        return obj.agency.name

    @staticmethod
    def resolve_unit_name(obj: Case) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_act_type_label(obj: Case) -> str:
        return obj.get_act_type_display()

    @staticmethod
    def resolve_source_label(obj: Case) -> str:
        return obj.get_source_display()

    @staticmethod
    def resolve_procedure_label(obj: Case) -> str:
        return obj.get_procedure_display()

    @staticmethod
    def resolve_handlers(obj: Case) -> list[dict]:
        return [
            {
                "user_id": link.user_id,
                "name": link.user.display_name,
                "is_lead": link.is_lead,
                "assigned_at": link.assigned_at,
            }
            for link in case_current_handler_links(obj)
        ]

    @staticmethod
    def resolve_parties(obj: Case) -> list[dict]:
        links = getattr(obj, "current_party_links", None)
        if links is None:
            links = obj.party_links.select_related("party")
        return [
            {"party_id": link.party_id, "kind": link.party.kind, "name": link.party.name, "added_at": link.added_at}
            for link in links
        ]

    @staticmethod
    def resolve_stage_changes(obj: Case) -> list[StageChange]:
        return list(obj.stage_changes.all())

    @staticmethod
    def resolve_next_actions(obj: Case) -> list[str]:
        return [a.code for a in workflow.available_actions(obj.step, obj.procedure)]
