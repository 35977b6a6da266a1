"""The demo loads once, covers every role and stage, and its ledger verifies; running it again adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from quancheng.accounts.models import Certificate, Role, User
from quancheng.cases.models import Case, Stage
from quancheng.cases.selectors import case_list_for
from quancheng.demo.builder import DEMO_AGENCY
from quancheng.ledger.models import LedgerEntry
from quancheng.ledger.verify import verify
from quancheng.records.models import Record, RecordStatus

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


def test_demo_twice_creates_nothing_more() -> None:
    call_command("demo", stdout=StringIO())
    counts = (Case.objects.count(), Record.objects.count(), LedgerEntry.objects.count())
    out = StringIO()
    call_command("demo", stdout=out)
    assert "已存在" in out.getvalue()
    assert (Case.objects.count(), Record.objects.count(), LedgerEntry.objects.count()) == counts
