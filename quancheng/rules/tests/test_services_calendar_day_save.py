"""Saving one day (the back-office path): new, corrected, unchanged and refused saves, each with its ledger."""

from datetime import date

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.rules.calendar import WorkingCalendar
from quancheng.rules.models import SOURCE_ADMIN, CalendarDay, CalendarDayKind
from quancheng.rules.services import calendar_day_save


@pytest.mark.django_db
def test_saving_a_new_day_ledgers_it(zhangsan, ledger_size) -> None:
    # given
    before = ledger_size()
    # when
    row = calendar_day_save(actor=zhangsan, day=date(2027, 1, 1), kind="holiday", name=" 元旦 ", source=SOURCE_ADMIN)
    # then
    assert (row.kind, row.name, row.source, row.created_by) == (CalendarDayKind.HOLIDAY, "元旦", "admin", zhangsan)
    entry = LedgerEntry.objects.get(index=before)
    assert entry.action == LedgerAction.CALENDAR_DAY_SAVED
    assert entry.subject == f"calendar_day:{row.pk}"
    assert entry.digests["row"] == row.ledger_digest()
    assert not WorkingCalendar.from_db().is_working_day(date(2027, 1, 1))


@pytest.mark.django_db
def test_correcting_a_day_ledgers_the_new_state_and_saving_it_unchanged_writes_nothing(zhangsan, ledger_size) -> None:
    # given
    row = calendar_day_save(actor=zhangsan, day=date(2027, 1, 2), kind="holiday", name="元旦", source=SOURCE_ADMIN)
    # when
    before = ledger_size()
    corrected = calendar_day_save(actor=zhangsan, day=date(2027, 1, 2), kind="workday", name="元旦调休", source="x")
    # then
    assert corrected.pk == row.pk
    assert (corrected.kind, corrected.name, corrected.source) == (CalendarDayKind.WORKDAY, "元旦调休", "x")
    entry = LedgerEntry.objects.get(index=before)
    assert entry.digests["row"] == corrected.ledger_digest()
    # when saved again as it stands
    calendar_day_save(actor=zhangsan, day=date(2027, 1, 2), kind="workday", name="元旦调休", source=SOURCE_ADMIN)
    # then
    assert ledger_size() == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "name", "source"),
    [("vacation", "元旦", SOURCE_ADMIN), ("holiday", "长" * 65, SOURCE_ADMIN), ("holiday", "元旦", "")],
)
def test_bad_input_is_refused_and_writes_nothing(zhangsan, ledger_size, kind: str, name: str, source: str) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as caught:
        calendar_day_save(actor=zhangsan, day=date(2027, 1, 1), kind=kind, name=name, source=source)
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert CalendarDay.objects.count() == 0
    assert ledger_size() == before
