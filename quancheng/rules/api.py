"""Deadlines and findings of a case (mounted under /api/v1/cases), waivers (/api/v1/findings), and the rule
registry and parameters (/api/v1/rules)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from quancheng.accounts import policies
from quancheng.accounts.models import Agency
from quancheng.cases.api import ERRORS
from quancheng.cases.selectors import case_get_for
from quancheng.core.errors import DomainError, ErrorCode

from . import selectors, services
from .models import Finding, FindingLevel, FindingStatus
from .registry import all_rules
from .requirements import quote

case_router = Router(tags=["rules"])
findings_router = Router(tags=["rules"])
router = Router(tags=["rules"])


class DeadlineOut(Schema):
    code: str
    requirement: str
    label: str
    subject: str
    start: date
    due: date
    period: str
    status: str = Field(
        ..., description="open 进行中 / met 按期完成 / met_late 逾期完成 / overdue 已逾期 / waiting / elapsed"
    )
    remaining_days: int
    level: str = Field(..., description="yellow 临近届满 / red 已逾期 / 空")
    provisional: bool = Field(..., description="该年度节假日安排未录入,按周末推算")
    extended_days: int
    met_on: date | None
    waiting: bool = Field(..., description="等待期(期满前不得进行下一步),而非办理期限")


class FindingOut(Schema):
    id: int
    case_id: int
    rule: str
    requirement: str
    subject: str
    level: FindingLevel
    message: str
    raised_at: datetime
    status: FindingStatus
    closed_at: datetime | None
    waived_by_id: int | None
    waive_reason: str


class FindingFilter(Schema):
    status: FindingStatus | None = None


class WaiveIn(Schema):
    reason: str = Field(..., max_length=512)


class RuleOut(Schema):
    code: str
    title: str
    severity: str
    requirements: list[str]
    quote: str
    on: list[str]
    params: list[str]


class ParameterOut(Schema):
    key: str
    label: str
    value: Any
    default: Any
    seed: Any
    basis: str
    requirements: list[str]
    set_at: datetime | None
    reason: str


class ParameterIn(Schema):
    value: Any
    reason: str = Field(..., max_length=512)


@case_router.get("/{case_id}/deadlines", response={200: list[DeadlineOut], **ERRORS}, summary="案件期限")
def case_deadlines(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    return selectors.case_deadline_list(case_get_for(request.auth, case_id))


@case_router.get("/{case_id}/findings", response={200: list[FindingOut], **ERRORS}, summary="合规提示")
def case_findings(request: HttpRequest, case_id: int, filters: Query[FindingFilter]) -> QuerySet[Finding]:
    # Findings are the agency's own compliance work: staff of the case's agency (and supervisors) read them.
    case = case_get_for(request.auth, case_id)
    if not policies.can_view_agency(request.auth, case.agency_id):
        raise DomainError(ErrorCode.NOT_FOUND, "案件不存在或无权查看")
    return selectors.case_findings(case, status=filters.status)


@findings_router.post("/{finding_id}/waive", response={200: FindingOut, **ERRORS}, summary="豁免合规提示")
def finding_waive(request: HttpRequest, finding_id: int, payload: WaiveIn) -> Finding:
    finding = selectors.finding_get_for(request.auth, finding_id)
    return services.finding_waive(actor=request.auth, finding=finding, reason=payload.reason)


@router.get("", response={200: list[RuleOut], **ERRORS}, summary="合规规则目录")
def rule_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "title": r.title,
            "severity": str(r.severity),
            "requirements": list(r.requirements),
            "quote": quote(r.requirement),
            "on": sorted(r.on),
            "params": list(r.params),
        }
        for r in all_rules()
    ]


@router.get("/parameters", response={200: list[ParameterOut], **ERRORS}, summary="本机关规则参数")
def parameter_list(request: HttpRequest) -> list[dict[str, Any]]:
    return selectors.parameters_for(request.auth)


@router.put("/parameters/{key}", response={200: list[ParameterOut], **ERRORS}, summary="设置本机关规则参数")
def parameter_set(request: HttpRequest, key: str, payload: ParameterIn) -> list[dict[str, Any]]:
    user = request.auth
    agency = Agency.objects.filter(pk=user.agency_id).first() if user.agency_id else None
    if agency is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "只有行政机关人员可以设置规则参数")
    services.agency_parameter_set(actor=user, agency=agency, key=key, value=payload.value, reason=payload.reason)
    return selectors.parameters_for(user)
