"""STAFF-01 depends on certificate validity; issuing and revoking are ledgered."""

from datetime import date, timedelta

import pytest

from quancheng.accounts import services
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction, LedgerEntry


def test_certificate_issue_records_state_and_ledger_entry(zhangsan, ledger_size) -> None:
    # given
    before = ledger_size()
    today = date.today()
    # when
    cert = services.certificate_issue(
        actor=None,
        holder=zhangsan,
        number="SJ-9",
        issuer="示例市人民政府",
        valid_from=today,
        valid_to=today + timedelta(days=10),
    )
    # then
    assert cert.is_valid_on(today)
    assert not cert.is_valid_on(today + timedelta(days=11))
    entry = LedgerEntry.objects.get(index=before)
    assert entry.action == LedgerAction.CERTIFICATE_SAVED
    assert entry.subject == f"certificate:{cert.pk}"
    assert entry.digests == {"row": cert.ledger_digest()}


def test_certificate_with_inverted_validity_is_refused_and_nothing_written(zhangsan, ledger_size) -> None:
    before = ledger_size()
    today = date.today()
    with pytest.raises(DomainError) as err:
        services.certificate_issue(
            actor=None,
            holder=zhangsan,
            number="SJ-10",
            issuer="x",
            valid_from=today,
            valid_to=today - timedelta(days=1),
        )
    assert err.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before


def test_revoked_certificate_is_not_valid(zhangsan) -> None:
    cert = zhangsan.certificates.get()
    services.certificate_revoke(actor=None, certificate=cert, reason="调离执法岗位")
    cert.refresh_from_db()
    assert not cert.is_valid_on(date.today())
