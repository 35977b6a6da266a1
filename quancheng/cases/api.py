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
from .models import Case, Party, Stage
from .schemas import (
    CaseIn,
    CaseOut,
    CasePartyIn,
    CaseSummaryOut,
    HandlersIn,
    PartyIn,
    PartyOut,
    StageIn,
)

router = Router(tags=["cases"])
parties_router = Router(tags=["parties"])


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


@router.post("/{case_id}/stage", response={200: CaseOut, **ERRORS}, summary="变更案件环节")
def case_advance_stage(request: HttpRequest, case_id: int, payload: StageIn) -> Case:
    user = request.auth
    case = selectors.case_get_for_write(user, case_id)
    services.case_advance_stage(actor=user, case=case, to_stage=payload.to_stage, note=payload.note)
    return selectors.case_detail_for(user, case_id)


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
