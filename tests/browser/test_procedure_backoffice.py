"""In real Chromium: the principal head opens the approvals list in the back office, approves the filing request
through the approval service (START-09), and the case page then shows its running decision deadline (DEADLINE-05)
after the handler files the case."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Role
from quancheng.cases import services as cases
from quancheng.cases.models import Approval, ApprovalAction
from quancheng.demo.procedure import Cast, make_record

pytestmark = pytest.mark.django_db(transaction=True)


def test_head_approves_filing_in_the_back_office_then_sees_the_deadline(
    live_server, page, agency, unit, zhangsan, lisi, reviewer, unit_head
) -> None:
    # given: a clue whose filing waits for the principal head's approval
    head = accounts.user_create(
        actor=None,
        username="juzhang",
        full_name="钱局长",
        agency=agency,
        password="head-pass-2026",
        roles=(Role.PRINCIPAL_HEAD,),
        is_staff=True,
    )
    party = cases.party_create(
        actor=zhangsan,
        agency=agency,
        kind="organisation",
        name="示例市鲜果超市有限公司",
        id_number="91350100M000100Y43",
        legal_representative="林大海",
    )
    case = cases.case_open(
        actor=zhangsan,
        agency=agency,
        unit=unit,
        title="涉嫌销售过期食品案",
        act_type="penalty",
        source="inspection",
        procedure="general",
        handlers=[zhangsan, lisi],
        parties=[party],
    )
    cast = Cast(author=zhangsan, partner=lisi, principal_head=head, unit_head=unit_head, reviewer=reviewer, party=party)
    make_record(case, cast, "case_filing_approval")
    approval = cases.approval_request(actor=zhangsan, case=case, action=ApprovalAction.FILE_CASE, reason="拟立案调查")
    # when: the head logs in and approves it from the list
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "juzhang")
    page.fill("#id_password", "head-pass-2026")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/cases/approval/")
    expect(page.locator("#result_list")).to_contain_text("待审批")
    page.check(f"input[name=_selected_action][value='{approval.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    # then: approved through the service, and the handler can file the case
    expect(page.locator(".messagelist")).to_contain_text("已批准")
    assert Approval.objects.get(pk=approval.pk).status == "approved"
    cases.case_transition(actor=zhangsan, case=case, action="file_case")
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    expect(page.locator("body")).to_contain_text("立案后作出处理决定")
    expect(page.locator("body")).to_contain_text("DEADLINE-05")
