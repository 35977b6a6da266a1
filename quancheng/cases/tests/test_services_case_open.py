"""case_open: number from the agency's yearly sequence, GEN-01 act type, handlers and parties, all ledgered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from quancheng.accounts import services as accounts
from quancheng.cases import services
from quancheng.cases.models import (
    ActType,
    Case,
    CaseHandler,
    CaseNumberSequence,
    CaseParty,
    CaseSource,
    Procedure,
    Stage,
)
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction

from .helpers import assert_entry, entries_since


def test_case_is_opened_in_program_start_with_handlers_parties_and_ledger_entries(
    open_case, zhangsan, lisi, person, company, ledger_size
) -> None:
    # given
    before = ledger_size()
    year = services.local_today().year
    occurred = timezone.now() - timedelta(days=2)
    # when
    case = open_case(
        summary="现场发现超过保质期的食品",
        occurred_at=occurred,
        occurred_place="某超市",
        handlers=[lisi, zhangsan],
        parties=[person, company],
    )
    # then: the case row
    case.refresh_from_db()
    assert case.number == f"示市监立〔{year}〕1号"
    assert (case.sequence_year, case.sequence_no) == (year, 1)
    assert case.stage == Stage.PROGRAM_START
    assert (case.act_type, case.source, case.procedure) == (ActType.PENALTY, CaseSource.INSPECTION, Procedure.GENERAL)
    assert case.opened_by == zhangsan
    assert case.occurred_at == occurred
    # the first handler named is the lead (主办人)
    links = list(CaseHandler.objects.filter(case=case).order_by("pk"))
    assert [(link.user, link.is_lead) for link in links] == [(lisi, True), (zhangsan, False)]
    party_links = list(CaseParty.objects.filter(case=case).order_by("pk"))
    assert [link.party for link in party_links] == [person, company]
    # and one ledger entry per row written, in order
    entries = entries_since(before)
    assert len(entries) == 5
    assert_entry(entries[0], LedgerAction.CASE_OPENED, case)
    assert_entry(entries[1], LedgerAction.CASE_HANDLERS_SET, links[0])
    assert_entry(entries[2], LedgerAction.CASE_HANDLERS_SET, links[1])
    assert_entry(entries[3], LedgerAction.CASE_PARTY_ADDED, party_links[0])
    assert_entry(entries[4], LedgerAction.CASE_PARTY_ADDED, party_links[1])


def test_numbers_follow_the_agency_sequence_and_agencies_count_separately(open_case, outsider, other_agency) -> None:
    # given
    year = services.local_today().year
    other_unit = accounts.unit_create(actor=None, agency=other_agency, name="稽查大队")
    # when
    first = open_case()
    second = open_case(title="涉嫌无照经营案")
    elsewhere = services.case_open(
        actor=outsider,
        agency=other_agency,
        unit=other_unit,
        title="涉嫌虚假宣传案",
        act_type=ActType.PENALTY,
        source=CaseSource.REPORT,
        procedure=Procedure.GENERAL,
    )
    # then
    assert first.number == f"示市监立〔{year}〕1号"
    assert second.number == f"示市监立〔{year}〕2号"
    assert elsewhere.number == f"另市监立〔{year}〕1号"


@pytest.mark.parametrize(
    ("utc_moment", "expected_year"),
    [
        (datetime(2026, 12, 31, 15, 59, tzinfo=UTC), 2026),  # 23:59 in Shanghai
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), 2027),  # 00:00 on 1 January in Shanghai
    ],
)
def test_number_year_is_the_shanghai_local_year(open_case, monkeypatch, utc_moment, expected_year) -> None:
    # given: the clock stands at a moment where UTC and Asia/Shanghai disagree about the year
    monkeypatch.setattr(timezone, "now", lambda: utc_moment)
    # when
    case = open_case()
    # then
    assert case.number == f"示市监立〔{expected_year}〕1号"
    assert CaseNumberSequence.objects.get(year=expected_year).last_value == 1


def test_each_year_starts_again_at_one(open_case, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    open_case()
    open_case()
    monkeypatch.setattr(timezone, "now", lambda: datetime(2027, 6, 1, 2, 0, tzinfo=UTC))
    assert open_case().number == "示市监立〔2027〕1号"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"act_type": "parking"}, ErrorCode.VALIDATION_ERROR),  # GEN-01: not a covered act type
        ({"source": "rumour"}, ErrorCode.VALIDATION_ERROR),
        ({"procedure": "summary"}, ErrorCode.VALIDATION_ERROR),
        ({"title": "  "}, ErrorCode.VALIDATION_ERROR),
        ({"title": "案" * 257}, ErrorCode.VALIDATION_ERROR),
        ({"occurred_at": "future"}, ErrorCode.VALIDATION_ERROR),
        ({"handlers": "outsider"}, ErrorCode.VALIDATION_ERROR),  # not an officer of this agency
        ({"handlers": "reviewer"}, ErrorCode.VALIDATION_ERROR),  # of the agency, but not an officer
        ({"handlers": "twice"}, ErrorCode.VALIDATION_ERROR),
        ({"unit": "other"}, ErrorCode.VALIDATION_ERROR),
        ({"parties": "other"}, ErrorCode.VALIDATION_ERROR),
    ],
)
def test_bad_case_is_refused_and_nothing_written(
    request, open_case, zhangsan, other_agency, outsider, ledger_size, overrides, code
) -> None:
    # given
    resolved = dict(overrides)
    if resolved.get("occurred_at") == "future":
        resolved["occurred_at"] = timezone.now() + timedelta(hours=1)
    if resolved.get("handlers") == "twice":
        resolved["handlers"] = [zhangsan, zhangsan]
    elif "handlers" in resolved:
        resolved["handlers"] = [request.getfixturevalue(resolved["handlers"])]
    if resolved.get("unit") == "other":
        resolved["unit"] = accounts.unit_create(actor=None, agency=other_agency, name="稽查大队")
    if resolved.get("parties") == "other":
        resolved["parties"] = [
            services.party_create(
                actor=outsider, agency=other_agency, kind="person", name="外某", id_number="440524188001010014"
            )
        ]
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as err:
        open_case(**resolved)
    # then
    assert err.value.code == code
    assert ledger_size() == before
    assert not Case.objects.exists()
    assert not CaseNumberSequence.objects.filter(last_value__gt=0).exists()


@pytest.mark.parametrize("who", ["outsider", "supervisor", "reviewer"])
def test_only_officers_of_the_agency_open_its_cases(request, open_case, ledger_size, who) -> None:
    actor = request.getfixturevalue(who)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        open_case(actor=actor)
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before


def test_fault_between_row_and_ledger_entry_leaves_neither(open_case, monkeypatch, ledger_size) -> None:
    """State and ledger entry commit or roll back together: a failure after the case row is written (while
    anchoring it in the ledger) leaves no case, no used number and no entry."""

    # given
    def broken_ledger_record(**kwargs: object) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(services, "ledger_record", broken_ledger_record)
    before = ledger_size()
    # when
    with pytest.raises(RuntimeError):
        open_case()
    # then
    assert ledger_size() == before
    assert not Case.objects.exists()
    assert not CaseNumberSequence.objects.filter(last_value__gt=0).exists()
    # and the next case still gets number 1: the failed one left no gap
    monkeypatch.undo()
    assert open_case().sequence_no == 1
