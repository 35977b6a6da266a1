"""The demo loads once, covers every role and stage, and its ledger verifies; running it again adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from quancheng.accounts.models import Certificate, Role, User
from quancheng.cases.models import Approval, ApprovalStatus, Case, Procedure, Stage, StageChange, Step
from quancheng.cases.selectors import case_list_for
from quancheng.cases.workflow import ACTIONS_BY_CODE, STEP_STAGE
from quancheng.demo.builder import DEMO_AGENCY
from quancheng.ledger.models import LedgerEntry
from quancheng.ledger.verify import verify
from quancheng.records.models import Record, RecordStatus, Signature

pytestmark = pytest.mark.django_db


def test_demo_loads_every_role_and_stage_and_verifies() -> None:
    # when
    out = StringIO()
    call_command("demo", stdout=out)
    # then
    text = out.getvalue()
    assert DEMO_AGENCY in text and "zhangsan" in text and "http://127.0.0.1:8000/" in text
    roles = set(
        User.objects.filter(role_assignments__revoked_at__isnull=True).values_list("role_assignments__role", flat=True)
    )
    assert roles == set(Role.values)
    assert {c.stage for c in Case.objects.all()} == set(Stage.values)
    assert 15 <= Case.objects.count() <= 30
    assert Record.objects.filter(status=RecordStatus.SEALED).count() == Record.objects.count() > 0
    # the 执法证 come valid and expired, so STAFF-01 can be tried both ways
    today = timezone.localdate()
    assert Certificate.objects.filter(valid_from__lte=today, valid_to__gte=today, revoked=False).count() >= 2
    assert Certificate.objects.filter(valid_to__lt=today).exists()
    # ACCESS-04: the demo party login sees exactly its own cases
    party_login = User.objects.get(role_assignments__role=Role.PARTY)
    assert set(case_list_for(party_login)) == set(Case.objects.filter(parties__account=party_login))
    report = verify()
    assert report.ok, [p.message_en for p in report.problems]


def test_demo_cases_were_walked_through_the_procedure() -> None:
    """The demo's cases got where they are by the lifecycle actions (GEN-02), resting on the approvals (START-09,
    DECIDE-08) and signatures (INV-11/12) the rules ask for."""
    # when
    call_command("demo", stdout=StringIO())
    # then: both procedures, and each case's step lies in its stage
    cases = list(Case.objects.all())
    assert {c.procedure for c in cases} == set(Procedure.values)
    for case in cases:
        assert case.stage == STEP_STAGE[Step(case.step)], case.number
        # its history is an unbroken chain of actions from 线索核查 to where it is
        changes = list(StageChange.objects.filter(case=case).order_by("changed_at", "pk"))
        step = Step.CLUE
        for change in changes:
            action = ACTIONS_BY_CODE[change.action]
            assert change.from_step == step and step in action.sources, (case.number, change.action)
            assert change.to_step == action.target and change.to_stage == STEP_STAGE[action.target]
            step = Step(change.to_step)
        assert step == case.step, case.number
        taken = {c.action for c in changes}
        # START-09 / DECIDE-08: filed and decided cases carry the principal head's approval
        for action in ("file_case", "decide"):
            if action in taken:
                approval_action = ACTIONS_BY_CODE[action].approval
                assert Approval.objects.filter(
                    case=case,
                    action=approval_action,
                    status=ApprovalStatus.APPROVED,
                    decided_by__role_assignments__role=Role.PRINCIPAL_HEAD,
                ).exists(), (case.number, action)
    # INV-11/12: every sealed 笔录 carries a signature on each of its pages
    transcripts = Record.objects.filter(
        kind__in=["inquiry_transcript", "site_inspection_transcript", "statement_defence_transcript"]
    )
    assert transcripts.exists()
    for record in transcripts:
        signed = set(Signature.objects.filter(record=record, page__isnull=False).values_list("page", flat=True))
        assert signed >= set(range(1, record.page_count + 1)), record.pk


def test_demo_twice_creates_nothing_more() -> None:
    call_command("demo", stdout=StringIO())
    counts = (Case.objects.count(), Record.objects.count(), LedgerEntry.objects.count())
    out = StringIO()
    call_command("demo", stdout=out)
    assert "已存在" in out.getvalue()
    assert (Case.objects.count(), Record.objects.count(), LedgerEntry.objects.count()) == counts
