"""Importing the State Council's yearly arrangement: all or nothing, idempotent, one ledger entry per saved day."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.rules.calendar import DeadlineDate, WorkingCalendar
from quancheng.rules.models import CalendarDay, CalendarDayKind
from quancheng.rules.services import calendar_import

ARRANGEMENT_2027 = """\
# 2027 年国庆节安排(示例)
2027-10-01 holiday 国庆节
2027-10-02 holiday 国庆节
2027-10-03 holiday 国庆节
2027-10-04 holiday 国庆节
2027-10-05 holiday 国庆节
2027-10-06 holiday 国庆节
2027-10-07 holiday 国庆节   # 周四
2027-10-09 workday 国庆节调休
2027-10-01 holiday 国庆节
"""
DISTINCT_DAYS = 8


def _assert_ledgered(row: CalendarDay, entry: LedgerEntry) -> None:
    assert entry.action == LedgerAction.CALENDAR_DAY_SAVED
    assert entry.subject == row.ledger_subject()
    assert entry.digests["row"] == row.ledger_digest()


@pytest.mark.django_db
def test_import_saves_each_day_with_its_ledger_entry(zhangsan, ledger_size) -> None:
    # given
    before = ledger_size()
    # when
    result = calendar_import(actor=zhangsan, lines=ARRANGEMENT_2027.splitlines(), source="2027.txt")
    # then every distinct day is saved once (the repeated identical line is accepted once) ...
    assert (result.created, result.updated, result.unchanged) == (DISTINCT_DAYS, 0, 0)
    assert ledger_size() == before + DISTINCT_DAYS
    workday = CalendarDay.objects.get(date=date(2027, 10, 9))
    assert (workday.kind, workday.name, workday.source, workday.created_by) == (
        CalendarDayKind.WORKDAY,
        "国庆节调休",
        "2027.txt",
        zhangsan,
    )
    # ... and each has the entry anchoring its state
    for row in CalendarDay.objects.all():
        _assert_ledgered(row, LedgerEntry.objects.filter(subject=row.ledger_subject()).get())
    assert LedgerEntry.objects.get(subject=workday.ledger_subject()).actor == f"user:{zhangsan.pk}"


@pytest.mark.django_db
def test_imported_days_make_2027_non_provisional(zhangsan) -> None:
    # given 2027 has no data: the weekend-only answer is provisional
    assert WorkingCalendar.from_db().add_working_days(date(2027, 9, 30), 1).provisional
    # when
    calendar_import(actor=zhangsan, lines=ARRANGEMENT_2027.splitlines(), source="2027.txt")
    # then
    calendar = WorkingCalendar.from_db()
    assert calendar.known(2027)
    assert calendar.add_working_days(date(2027, 9, 30), 1) == DeadlineDate(date(2027, 10, 8), provisional=False)
    assert calendar.add_working_days(date(2027, 9, 30), 2) == DeadlineDate(date(2027, 10, 9), provisional=False)


@pytest.mark.django_db
def test_reimport_is_idempotent(zhangsan, ledger_size) -> None:
    # given
    calendar_import(actor=zhangsan, lines=ARRANGEMENT_2027.splitlines(), source="2027.txt")
    before = ledger_size()
    # when
    result = calendar_import(actor=zhangsan, lines=ARRANGEMENT_2027.splitlines(), source="2027.txt")
    # then
    assert (result.created, result.updated, result.unchanged) == (0, 0, DISTINCT_DAYS)
    assert ledger_size() == before
    assert CalendarDay.objects.count() == DISTINCT_DAYS


@pytest.mark.django_db
def test_a_corrected_day_is_updated_and_ledgered_again(zhangsan, ledger_size) -> None:
    # given
    calendar_import(actor=zhangsan, lines=ARRANGEMENT_2027.splitlines(), source="2027.txt")
    before = ledger_size()
    # when the revised notice makes 10/9 a holiday instead
    result = calendar_import(actor=zhangsan, lines=["2027-10-09 holiday 国庆节"], source="2027-revised.txt")
    # then
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    row = CalendarDay.objects.get(date=date(2027, 10, 9))
    assert (row.kind, row.source) == (CalendarDayKind.HOLIDAY, "2027-revised.txt")
    assert ledger_size() == before + 1
    _assert_ledgered(row, LedgerEntry.objects.get(index=before))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad_line", "message_part"),
    [
        ("2027-13-01 holiday 国庆节", "第 3 行日期“2027-13-01”无效"),
        ("2027-10-05 vacation 国庆节", "第 3 行类型“vacation”未知"),
        ("2027-10-05", "第 3 行格式错误"),
        ("2027-10-01 workday 国庆节", "第 3 行与第 2 行冲突"),
        ("2027-10-01 holiday 国庆", "第 3 行与第 2 行冲突"),
    ],
)
def test_a_bad_line_refuses_the_whole_file(zhangsan, ledger_size, bad_line: str, message_part: str) -> None:
    # given a file whose first line is good and third is bad
    lines = ["# 注释", "2027-10-01 holiday 国庆节", bad_line, "2027-10-09 workday 国庆节调休"]
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as caught:
        calendar_import(actor=zhangsan, lines=lines, source="bad.txt")
    # then nothing is written
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert message_part in caught.value.message
    assert CalendarDay.objects.count() == 0
    assert ledger_size() == before


@pytest.mark.django_db
def test_an_empty_file_is_refused(ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as caught:
        calendar_import(actor=None, lines=["# 只有注释", ""], source="empty.txt")
    assert caught.value.message == "文件中没有任何日期安排"
    assert ledger_size() == before


@pytest.mark.django_db
def test_import_holidays_command(tmp_path, ledger_size, capsys) -> None:
    # given
    path = tmp_path / "2027.txt"
    path.write_text(ARRANGEMENT_2027, encoding="utf-8")
    before = ledger_size()
    # when
    call_command("import-holidays", str(path))
    call_command("import-holidays", str(path))
    # then
    out = capsys.readouterr().out
    assert f"新增 {DISTINCT_DAYS} 天" in out
    assert f"未变 {DISTINCT_DAYS} 天" in out
    assert CalendarDay.objects.count() == DISTINCT_DAYS
    assert set(CalendarDay.objects.values_list("source", flat=True)) == {"2027.txt"}
    assert ledger_size() == before + DISTINCT_DAYS
    entry = LedgerEntry.objects.get(index=before)
    assert entry.actor == "system"


@pytest.mark.django_db
def test_import_holidays_command_with_a_bad_line_writes_nothing(tmp_path, ledger_size) -> None:
    # given
    path = tmp_path / "bad.txt"
    path.write_text("2027-10-01 holiday 国庆节\n2027-02-30 holiday 春节\n", encoding="utf-8")
    before = ledger_size()
    # when
    with pytest.raises(CommandError, match="第 2 行日期“2027-02-30”无效"):
        call_command("import-holidays", str(path))
    # then
    assert CalendarDay.objects.count() == 0
    assert ledger_size() == before


@pytest.mark.django_db
def test_import_holidays_command_with_a_missing_file(tmp_path) -> None:
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import-holidays", str(tmp_path / "missing.txt"))
