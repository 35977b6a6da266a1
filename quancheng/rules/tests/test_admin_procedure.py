"""The back office shows each case's deadlines with the days left (DEADLINE-05) and its open findings, and a
head approves pending requests from the approvals list through the approval service (START-09)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Role
from quancheng.cases import services as cases
from quancheng.cases.models import Approval, ApprovalAction, Step

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(clue_case):
    return clue_case


def staff(agency, username: str, role: Role) -> Client:
    user = accounts.user_create(
        actor=None, username=username, full_name=username, agency=agency, roles=(role,), is_staff=True
    )
    client = Client()
    client.force_login(user)
    return client


def test_case_page_shows_deadlines_with_days_left_deadline_05(case, agency, walk_case) -> None:
    walk_case(case, Step.INVESTIGATION)
    page = staff(agency, "kz", Role.UNIT_HEAD).get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "立案后作出处理决定" in page and "DEADLINE-05" in page
    assert "90日" in page or "89日" in page


def test_head_approves_from_the_list_through_the_service_start_09(case, zhangsan, agency, ledger_size) -> None:
    approval = cases.approval_request(actor=zhangsan, case=case, action=ApprovalAction.FILE_CASE, reason="拟立案")
    url = reverse("admin:cases_approval_changelist")
    # a unit head is not the approver the rule names: nothing changes
    staff(agency, "kz", Role.UNIT_HEAD).post(url, {"action": "approve_selected", "_selected_action": [approval.pk]})
    assert Approval.objects.get(pk=approval.pk).status == "pending"
    before = ledger_size()
    staff(agency, "jz", Role.PRINCIPAL_HEAD).post(
        url, {"action": "approve_selected", "_selected_action": [approval.pk]}
    )
    assert Approval.objects.get(pk=approval.pk).status == "approved"
    assert ledger_size() > before
