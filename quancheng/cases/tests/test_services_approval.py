"""Approvals are first-class: the approver role comes from the rule, the decision is the approver's, recorded
once and appended to the ledger (START-09, DECIDE-13, DECIDE-14, EVID-13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Role
from quancheng.cases import services
from quancheng.cases.models import Approval, ApprovalAction, Step
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.rules.registry import RuleViolation

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(clue_case):
    return clue_case


def last_entry() -> LedgerEntry:
    return LedgerEntry.objects.order_by("-index").first()


def test_request_names_the_approver_role_the_rule_requires_start_09(case, zhangsan) -> None:
    approval = services.approval_request(actor=zhangsan, case=case, action=ApprovalAction.FILE_CASE, reason="拟立案")
    assert (approval.approver_role, approval.status) == ("principal_head", "pending")
    assert last_entry().action == LedgerAction.APPROVAL_REQUESTED


def test_only_the_required_role_decides_and_not_the_requester_start_09(
    case, zhangsan, unit_head, principal_head, ledger_size
) -> None:
    approval = services.approval_request(actor=zhangsan, case=case, action=ApprovalAction.FILE_CASE, reason="拟立案")
    before = ledger_size()
    for wrong in (zhangsan, unit_head):
        with pytest.raises(DomainError) as err:
            services.approval_decide(actor=wrong, approval=approval, approve=True)
        assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before
    decided = services.approval_decide(actor=principal_head, approval=approval, approve=True, comment="同意")
    assert (decided.status, decided.decided_by_id, decided.comment) == ("approved", principal_head.pk, "同意")
    assert decided.decided_at is not None
    assert last_entry().action == LedgerAction.APPROVAL_DECIDED
    with pytest.raises(DomainError) as err:
        services.approval_decide(actor=principal_head, approval=approval, approve=False, comment="改变主意")
    assert err.value.code == ErrorCode.APPROVAL_DECIDED


def test_a_head_cannot_approve_their_own_request(case, principal_head, agency) -> None:
    approval = services.approval_request(
        actor=principal_head, case=case, action=ApprovalAction.FILE_CASE, reason="本人提出"
    )
    with pytest.raises(DomainError) as err:
        services.approval_decide(actor=principal_head, approval=approval, approve=True)
    assert err.value.code == ErrorCode.PERMISSION_DENIED


def test_a_rejection_needs_a_comment(case, zhangsan, principal_head) -> None:
    approval = services.approval_request(actor=zhangsan, case=case, action=ApprovalAction.FILE_CASE, reason="拟立案")
    with pytest.raises(DomainError) as err:
        services.approval_decide(actor=principal_head, approval=approval, approve=False)
    assert err.value.code == ErrorCode.VALIDATION_ERROR
    assert Approval.objects.get(pk=approval.pk).status == "pending"


def test_further_extension_is_decided_by_the_superior_department_decide_14(
    case, zhangsan, unit_head, principal_head, supervising_agency, walk_case
) -> None:
    walk_case(case, Step.INVESTIGATION)
    first = services.approval_request(
        actor=zhangsan, case=case, action=ApprovalAction.EXTEND_DECISION_PERIOD, reason="案情复杂"
    )
    services.approval_decide(actor=unit_head, approval=first, approve=True, comment="同意延长30日")
    further = services.approval_request(
        actor=zhangsan,
        case=case,
        action=ApprovalAction.FURTHER_EXTEND_DECISION_PERIOD,
        reason="案情特别复杂",
        data={"days": 60},
    )
    assert further.approver_role == "superior_dept"
    # the principal head of the case's own agency is not the superior department
    with pytest.raises(DomainError) as err:
        services.approval_decide(actor=principal_head, approval=further, approve=True)
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    superior = accounts.user_create(
        actor=None, username="sfj-head", full_name="司法局长", agency=supervising_agency, roles=(Role.PRINCIPAL_HEAD,)
    )
    assert services.approval_decide(actor=superior, approval=further, approve=True, comment="同意").status == "approved"


def test_extension_is_refused_after_the_original_term_decide_13(
    case, zhangsan, unit_head, walk_case, monkeypatch
) -> None:
    walk_case(case, Step.INVESTIGATION)
    approval = services.approval_request(
        actor=zhangsan, case=case, action=ApprovalAction.EXTEND_DECISION_PERIOD, reason="案情复杂"
    )
    # when: the unit head decides 100 days later, after the 90 days ran out
    later = timezone.now() + timedelta(days=100)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(RuleViolation) as err:
        services.approval_decide(actor=unit_head, approval=approval, approve=True, comment="同意")
    assert err.value.extra["requirement"] == "DECIDE-13"
    assert Approval.objects.get(pk=approval.pk).status == "pending"


def test_seizure_extension_at_most_30_days_once_evid_13(case, zhangsan, unit_head, walk_case) -> None:
    from quancheng.demo.procedure import Cast, approve, make_record

    walk_case(case, Step.INVESTIGATION)
    party = case.parties.first()
    cast = Cast(
        author=zhangsan, partner=zhangsan, principal_head=unit_head, unit_head=unit_head, reviewer=zhangsan, party=party
    )
    approve(case, cast, ApprovalAction.COERCIVE_MEASURE)
    seizure = make_record(case, cast, "seizure_decision", term_days=30)
    with pytest.raises(DomainError):
        services.approval_request(
            actor=zhangsan,
            case=case,
            action=ApprovalAction.EXTEND_MEASURE,
            reason="x",
            record=seizure,
            data={"days": 31},
        )
    first = services.approval_request(
        actor=zhangsan,
        case=case,
        action=ApprovalAction.EXTEND_MEASURE,
        reason="情况复杂",
        record=seizure,
        data={"days": 30},
    )
    services.approval_decide(actor=unit_head, approval=first, approve=True, comment="同意")
    with pytest.raises(DomainError) as err:
        services.approval_request(
            actor=zhangsan,
            case=case,
            action=ApprovalAction.EXTEND_MEASURE,
            reason="再延",
            record=seizure,
            data={"days": 10},
        )
    assert err.value.code == ErrorCode.DUPLICATE
