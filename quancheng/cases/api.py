"""Cases (mounted at /api/v1/cases) and parties (``parties_router``, mounted at /api/v1/parties).

Thin: parse with the schema, resolve ids through selectors (which enforce visibility), call one service,
answer with the case as the user now sees it.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from quancheng.core.pagination import LimitOffsetPagination

from . import selectors, services
from .models import Approval, Case, Party, Stage
from .schemas import (
    ActionOut,
    ApprovalDecisionIn,
    ApprovalIn,
    ApprovalOut,
    CaseIn,
    CaseOut,
    CasePartyIn,
    CaseSummaryOut,
    HandlersIn,
    MajorIn,
    PartyIn,
    PartyOut,
    TransitionIn,
)

router = Router(tags=["cases"])
parties_router = Router(tags=["parties"])
approvals_router = Router(tags=["approvals"])


class ErrorOut(Schema):
    code: str
    message: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CaseFilter(Schema):
    stage: Stage | None = None
    q: str | None = None


class PartyFilter(Schema):
    q: str | None = None


@router.post("", response={201: CaseOut, **ERRORS}, summary="登记案件")
def case_open(request: HttpRequest, payload: CaseIn) -> Status[Case]:
    user = request.auth
    agency, unit = selectors.case_opening_context(user, payload.unit_id)
    handlers = selectors.officers_for_assignment(user, agency_id=agency.pk, user_ids=payload.handler_ids)
    parties = selectors.parties_get_for(user, payload.party_ids)
    case = services.case_open(
        actor=user,
        agency=agency,
        unit=unit,
        title=payload.title,
        act_type=payload.act_type,
        source=payload.source,
        procedure=payload.procedure,
        summary=payload.summary,
        occurred_at=payload.occurred_at,
        occurred_place=payload.occurred_place,
        handlers=handlers,
        parties=parties,
    )
    return Status(201, selectors.case_detail_for(user, case.pk))


@router.get("", response={200: list[CaseSummaryOut], **ERRORS}, summary="案件列表")
@paginate(LimitOffsetPagination)
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> QuerySet[Case]:
    return selectors.case_list_for(request.auth, stage=filters.stage, q=filters.q)


@router.get("/{case_id}", response={200: CaseOut, **ERRORS}, summary="案件详情")
def case_detail(request: HttpRequest, case_id: int) -> Case:
    return selectors.case_detail_for(request.auth, case_id)


@router.put("/{case_id}/handlers", response={200: CaseOut, **ERRORS}, summary="指定承办人")
def case_set_handlers(request: HttpRequest, case_id: int, payload: HandlersIn) -> Case:
    user = request.auth
    case = selectors.case_get_for_write(user, case_id)
    handlers = selectors.officers_for_assignment(user, agency_id=case.agency_id, user_ids=payload.handler_ids)
    lead = next((h for h in handlers if h.pk == payload.lead_id), None)
    if lead is None:
        lead = selectors.officers_for_assignment(user, agency_id=case.agency_id, user_ids=[payload.lead_id])[0]
    services.case_set_handlers(actor=user, case=case, handlers=handlers, lead=lead)
    return selectors.case_detail_for(user, case_id)


@router.post("/{case_id}/parties", response={201: CaseOut, **ERRORS}, summary="添加当事人")
def case_add_party(request: HttpRequest, case_id: int, payload: CasePartyIn) -> Status[Case]:
    user = request.auth
    case = selectors.case_get_for_write(user, case_id)
    party = selectors.party_get_for(user, payload.party_id)
    services.case_add_party(actor=user, case=case, party=party)
    return Status(201, selectors.case_detail_for(user, case_id))


class RuleErrorOut(ErrorOut):
    rule: str | None = None
    requirement: str | None = None
    quote: str | None = None


TRANSITION_ERRORS = {**ERRORS, 409: RuleErrorOut}


@router.post(
    "/{case_id}/transitions",
    response={200: CaseOut, **TRANSITION_ERRORS},
    summary="程序流转",
    description="按程序表和规则进行一步操作;规则不满足时返回 409 及 rule、requirement、quote(制度原文)。",
)
def case_transition(request: HttpRequest, case_id: int, payload: TransitionIn) -> Case:
    user = request.auth
    case = selectors.case_get_for_write(user, case_id)
    services.case_transition(actor=user, case=case, action=payload.action, note=payload.note)
    return selectors.case_detail_for(user, case_id)


@router.get("/{case_id}/actions", response={200: list[ActionOut], **ERRORS}, summary="当前可进行的程序操作")
def case_actions(request: HttpRequest, case_id: int) -> list[dict]:
    from quancheng.rules.selectors import case_action_checks

    return case_action_checks(selectors.case_get_for(request.auth, case_id))


@router.put("/{case_id}/major", response={200: CaseOut, **ERRORS}, summary="标记复杂、重大案件")
def case_mark_major(request: HttpRequest, case_id: int, payload: MajorIn) -> Case:
    user = request.auth
    case = selectors.case_get_for_write(user, case_id)
    services.case_mark_major(actor=user, case=case, is_major=payload.is_major)
    return selectors.case_detail_for(user, case_id)


@router.post("/{case_id}/approvals", response={201: ApprovalOut, **ERRORS}, summary="提请审批")
def approval_request(request: HttpRequest, case_id: int, payload: ApprovalIn) -> Status[Approval]:
    user = request.auth
    case = selectors.case_get_for_write(user, case_id)
    record = selectors.case_record_for(case, payload.record_id) if payload.record_id is not None else None
    approval = services.approval_request(
        actor=user,
        case=case,
        action=payload.action,
        reason=payload.reason,
        record=record,
        data=payload.data,
        emergency=payload.emergency,
    )
    return Status(201, approval)


@router.get("/{case_id}/approvals", response={200: list[ApprovalOut], **ERRORS}, summary="案件的审批")
def approval_list(request: HttpRequest, case_id: int) -> QuerySet[Approval]:
    # Internal approvals are the agency's own work: its staff and supervisors see them, a party's login does not.
    case = selectors.case_get_for(request.auth, case_id)
    return selectors.approvals_visible_to(request.auth).filter(case=case).order_by("requested_at", "pk")


@approvals_router.get("", response={200: list[ApprovalOut], **ERRORS}, summary="待我审批")
@paginate(LimitOffsetPagination)
def approvals_pending(request: HttpRequest) -> QuerySet[Approval]:
    return selectors.approvals_pending_for(request.auth)


@approvals_router.post("/{approval_id}/decision", response={200: ApprovalOut, **ERRORS}, summary="审批决定")
def approval_decide(request: HttpRequest, approval_id: int, payload: ApprovalDecisionIn) -> Approval:
    user = request.auth
    approval = selectors.approval_get_for(user, approval_id)
    return services.approval_decide(actor=user, approval=approval, approve=payload.approve, comment=payload.comment)


@parties_router.post("", response={201: PartyOut, **ERRORS}, summary="登记当事人")
def party_create(request: HttpRequest, payload: PartyIn) -> Status[Party]:
    user = request.auth
    party = services.party_create(
        actor=user,
        agency=selectors.party_agency_for(user),
        kind=payload.kind,
        name=payload.name,
        id_number=payload.id_number,
        legal_representative=payload.legal_representative,
        address=payload.address,
        contact=payload.contact,
    )
    return Status(201, party)


@parties_router.get("", response={200: list[PartyOut], **ERRORS}, summary="当事人列表")
@paginate(LimitOffsetPagination)
def party_list(request: HttpRequest, filters: Query[PartyFilter]) -> QuerySet[Party]:
    return selectors.party_list_for(request.auth, q=filters.q)


@parties_router.get("/{party_id}", response={200: PartyOut, **ERRORS}, summary="当事人详情")
def party_detail(request: HttpRequest, party_id: int) -> Party:
    return selectors.party_get_for(request.auth, party_id)
