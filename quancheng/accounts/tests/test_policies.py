"""Agency scoping: own agency, plus the supervised agencies for a 监督人员; never another agency."""

from quancheng.accounts import policies, services
from quancheng.accounts.models import Role


def test_officer_sees_only_own_agency(zhangsan, agency, other_agency) -> None:
    assert policies.visible_agency_ids(zhangsan) == {agency.pk}


def test_supervisor_sees_supervised_agencies_but_cannot_work_in_them(supervisor, agency, other_agency) -> None:
    visible = policies.visible_agency_ids(supervisor)
    assert agency.pk in visible
    assert other_agency.pk not in visible
    assert not policies.can_work_in_agency(supervisor, agency.pk)


def test_supervisor_role_revoked_loses_supervised_view(supervisor, agency) -> None:
    assignment = supervisor.role_assignments.get(role=Role.SUPERVISOR)
    services.role_revoke(actor=None, assignment=assignment)
    supervisor.refresh_from_db()
    supervisor._role_cache = None
    assert agency.pk not in policies.visible_agency_ids(supervisor)


def test_only_officers_open_cases(zhangsan, reviewer, agency) -> None:
    assert policies.can_open_case(zhangsan, agency.pk)
    assert not policies.can_open_case(reviewer, agency.pk)


def test_inactive_user_sees_nothing(zhangsan) -> None:
    zhangsan.is_active = False
    assert policies.visible_agency_ids(zhangsan) == set()
