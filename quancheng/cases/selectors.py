"""Reads of cases and parties, already limited to what the requesting user may see.

An object the user may not see is reported as NOT_FOUND, never as forbidden: its existence is not revealed.
Other apps (records, evidence) resolve a case through ``case_get_for`` / ``case_get_for_write``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from quancheng.accounts import policies
from quancheng.accounts.models import Agency, Role, Unit, User
from quancheng.core.errors import DomainError, ErrorCode

from .models import Approval, Case, CaseHandler, CaseParty, Party, Stage

if TYPE_CHECKING:
    from quancheng.records.models import Record


def party_case_ids(user: User) -> QuerySet[CaseParty]:
    """Ids of the cases ``user`` is a party to through a linked party account (ACCESS-04)."""
    return CaseParty.objects.filter(party__account=user, party__account__is_active=True).values("case_id")


def case_scope(user: User) -> Q:
    """The cases a user may read: those of the agencies they may see, and, for a party's own login, the
    cases that party is in (ACCESS-04: 当事人有权查阅、复制有关自己的记录)."""
    scope = policies.agency_scope(user)
    if user.is_authenticated and user.has_role(Role.PARTY):
        scope |= Q(pk__in=party_case_ids(user))
    return scope


def _case_queryset(user: User) -> QuerySet[Case]:
    return Case.objects.filter(case_scope(user)).select_related("agency", "unit", "opened_by")


def case_list_for(user: User, *, stage: Stage | str | None = None, q: str | None = None) -> QuerySet[Case]:
    """Cases the user may see, newest first; ``q`` matches the case number or 案由."""
    cases = _case_queryset(user)
    if stage:
        cases = cases.filter(stage=stage)
    if q and q.strip():
        term = q.strip()
        cases = cases.filter(Q(number__icontains=term) | Q(title__icontains=term))
    return cases


def case_get_for(user: User, case_id: int) -> Case:
    """The case (with agency and unit), or NOT_FOUND when it does not exist or the user may not see it."""
    case = _case_queryset(user).filter(pk=case_id).first()
    if case is None:
        raise DomainError(ErrorCode.NOT_FOUND, "案件不存在或无权查看")
    return case


def case_detail_for(user: User, case_id: int) -> Case:
    """Like ``case_get_for``, with current handlers, parties and stage history prefetched for display."""
    case = (
        _case_queryset(user)
        .prefetch_related(
            Prefetch(
                "handler_links",
                queryset=CaseHandler.objects.filter(removed_at__isnull=True).select_related("user"),
                to_attr="current_handler_links",
            ),
            Prefetch("party_links", queryset=CaseParty.objects.select_related("party"), to_attr="current_party_links"),
            "stage_changes",
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise DomainError(ErrorCode.NOT_FOUND, "案件不存在或无权查看")
    return case


def case_get_for_write(user: User, case_id: int) -> Case:
    """The case if the user may also work on it (their own agency); a supervisor who can only read it gets
    PERMISSION_DENIED, anyone who cannot see it NOT_FOUND. Archived cases are returned: services refuse
    writes to them with CASE_CLOSED.
    """
    case = case_get_for(user, case_id)
    if not policies.can_work_in_agency(user, case.agency_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "只读:无权办理其他机关的案件")
    return case


def case_current_handler_links(case: Case) -> list[CaseHandler]:
    """The case's current handler assignments (removed ones excluded), lead first."""
    prefetched = getattr(case, "current_handler_links", None)
    links = (
        list(prefetched)
        if prefetched is not None
        else list(case.handler_links.filter(removed_at__isnull=True).select_related("user"))
    )
    return sorted(links, key=lambda link: (not link.is_lead, link.assigned_at, link.pk))


def case_is_handler(case: Case, user: User) -> bool:
    """Whether ``user`` is currently one of the case's handlers."""
    return case.handler_links.filter(user=user, removed_at__isnull=True).exists()


def _party_queryset(user: User) -> QuerySet[Party]:
    return Party.objects.filter(policies.agency_scope(user) | Q(account=user)).select_related("agency")


def party_list_for(user: User, *, q: str | None = None) -> QuerySet[Party]:
    parties = _party_queryset(user).order_by("-created_at", "-pk")
    if q and q.strip():
        term = q.strip()
        parties = parties.filter(Q(name__icontains=term) | Q(id_number__iexact=term.upper()))
    return parties


def party_get_for(user: User, party_id: int) -> Party:
    party = _party_queryset(user).filter(pk=party_id).first()
    if party is None:
        raise DomainError(ErrorCode.NOT_FOUND, "当事人不存在或无权查看")
    return party


def parties_get_for(user: User, party_ids: Sequence[int]) -> list[Party]:
    """Resolve party ids in the order given; each must be visible to the user (else NOT_FOUND)."""
    return [party_get_for(user, pid) for pid in party_ids]


def officers_for_assignment(user: User, *, agency_id: int, user_ids: Sequence[int]) -> list[User]:
    """Resolve handler ids to users of ``agency_id``, in the order given.

    Only someone who may work in the agency resolves its staff; an id that is not a user of the agency is a
    VALIDATION_ERROR naming the id (staff lists are not secret within the agency).
    """
    if not policies.can_work_in_agency(user, agency_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    found = {u.pk: u for u in User.objects.filter(pk__in=list(user_ids), agency_id=agency_id, is_active=True)}
    missing = [uid for uid in user_ids if uid not in found]
    if missing:
        raise DomainError(
            ErrorCode.VALIDATION_ERROR, f"以下人员不是本机关在职人员:{'、'.join(str(m) for m in missing)}"
        )
    return [found[uid] for uid in user_ids]


def case_opening_context(user: User, unit_id: int | None) -> tuple[Agency, Unit]:
    """The agency and unit a new case of ``user``'s would belong to: their own agency, and the unit named
    (which must be one of that agency's) or else their own unit."""
    if user.agency_id is None or not policies.can_open_case(user, user.agency_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "只有执法人员可以登记本机关的案件")
    if unit_id is None:
        if user.unit_id is None:
            raise DomainError(ErrorCode.VALIDATION_ERROR, "请指定承办机构(unit_id)")
        unit_id = user.unit_id
    unit = Unit.objects.select_related("agency").filter(pk=unit_id, agency_id=user.agency_id).first()
    if unit is None:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"承办机构 {unit_id} 不是本机关的内设机构")
    return unit.agency, unit


def party_agency_for(user: User) -> Agency:
    """The agency a party registered by ``user`` belongs to: their own."""
    if user.agency_id is None or not policies.can_open_case(user, user.agency_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "只有执法人员可以登记本机关的当事人")
    return Agency.objects.get(pk=user.agency_id)


def case_record_for(case: Case, record_id: int) -> Record:
    """A record of ``case`` (for requests that name one, such as an approval about it)."""
    from quancheng.records.models import Record

    record = Record.objects.filter(pk=record_id, case=case).first()
    if record is None:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "所涉记录不存在或不属于该案件")
    return record


def approvals_visible_to(user: User) -> QuerySet[Approval]:
    """Approvals of the cases of the agencies the user may see (staff only: a party's login sees none)."""
    scope = policies.agency_scope(user, "case__agency")
    if user.is_authenticated and user.agency_id is not None:
        # 上级部门: heads of the supervising agency see the approvals addressed to them.
        scope |= Q(case__agency__supervising_agency_id=user.agency_id, approver_role="superior_dept")
    return Approval.objects.filter(scope).select_related("case")


def approval_get_for(user: User, approval_id: int) -> Approval:
    approval = approvals_visible_to(user).filter(pk=approval_id).first()
    if approval is None:
        raise DomainError(ErrorCode.NOT_FOUND, "审批不存在或无权查看")
    return approval


def approvals_pending_for(user: User) -> QuerySet[Approval]:
    """Pending approvals whose approver role the user holds: in their own agency, or as a head of the agency
    that supervises it (上级部门)."""
    own = {r for r in ("unit_head", "principal_head", "leader_in_charge") if user.has_role(r)}
    scope = Q(case__agency_id=user.agency_id, approver_role__in=own)
    if own:
        scope |= Q(case__agency__supervising_agency_id=user.agency_id, approver_role="superior_dept")
    return (
        Approval.objects.filter(scope, status="pending")
        .exclude(requested_by=user)
        .select_related("case")
        .order_by("requested_at", "pk")
    )
