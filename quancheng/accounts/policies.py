"""Who may do what. Pure predicates over users and already-loaded objects; selectors build on them."""

from __future__ import annotations

from django.db.models import Q

from .models import Agency, Role, User


def visible_agency_ids(user: User) -> set[int]:
    """Agencies whose cases the user may see: their own, plus the ones they supervise as 监督人员."""
    if not user.is_authenticated or not user.is_active:
        return set()
    ids: set[int] = set()
    if user.agency_id is not None:
        ids.add(user.agency_id)
        if user.has_role(Role.SUPERVISOR):
            ids.update(Agency.objects.filter(supervising_agency_id=user.agency_id).values_list("pk", flat=True))
    return ids


def agency_scope(user: User, field: str = "agency") -> Q:
    """A filter limiting any agency-owned queryset to what the user may see."""
    return Q(**{f"{field}__in": visible_agency_ids(user)})


def can_view_agency(user: User, agency_id: int) -> bool:
    return agency_id in visible_agency_ids(user)


def can_work_in_agency(user: User, agency_id: int) -> bool:
    """Writing (opening cases, recording) is for the agency's own people, never for a supervisor outside it."""
    return user.is_active and user.agency_id == agency_id


def can_open_case(user: User, agency_id: int) -> bool:
    return can_work_in_agency(user, agency_id) and user.has_role(Role.OFFICER)


# STAFF-05: 应当由具备行政执法职责的工作人员 make and change enforcement records — officers, the legal reviewers
# who write review opinions, and the heads who sign off; not archivists, administrators or supervisors.
ENFORCEMENT_DUTY_ROLES = frozenset(
    {Role.OFFICER, Role.LEGAL_REVIEWER, Role.UNIT_HEAD, Role.PRINCIPAL_HEAD, Role.LEADER_IN_CHARGE}
)


def has_enforcement_duty(user: User) -> bool:
    return bool(user.role_set() & ENFORCEMENT_DUTY_ROLES)
