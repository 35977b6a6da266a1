"""Writes to the working-day calendar: one day at a time (back office) or a whole yearly arrangement (import).

Each new or changed ``CalendarDay`` is anchored in the ledger (``calendar.day_saved``) in the same transaction;
saving a day exactly as it already stands writes nothing, so re-importing the same file is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from quancheng.accounts.models import User
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record

from .models import CalendarDay, CalendarDayKind

# Lines of an arrangement file: "<YYYY-MM-DD> <holiday|workday> [名称]"; "#" starts a comment.
COMMENT_PREFIX = "#"
NAME_MAX_LENGTH = CalendarDay._meta.get_field("name").max_length
SOURCE_MAX_LENGTH = CalendarDay._meta.get_field("source").max_length


@dataclass(frozen=True)
class ArrangementLine:
    line_number: int
    date: date
    kind: CalendarDayKind
    name: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _validate(kind: str, name: str, source: str) -> CalendarDayKind:
    if kind not in CalendarDayKind.values:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"未知的日期类型“{kind}”,应为 holiday(放假)或 workday(调休上班)")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"名称不能超过 {NAME_MAX_LENGTH} 个字符")
    if not source or len(source) > SOURCE_MAX_LENGTH:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"来源不能为空,且不能超过 {SOURCE_MAX_LENGTH} 个字符")
    return CalendarDayKind(kind)


def _save_day(
    *, actor: User | None, day: date, kind: CalendarDayKind, name: str, source: str
) -> tuple[CalendarDay, str]:
    """Create or change one day under a row lock; returns the row and "created" / "updated" / "unchanged"."""
    existing = CalendarDay.objects.select_for_update().filter(date=day).first()
    if existing is None:
        row = CalendarDay.objects.create(
            date=day, kind=kind, name=name, source=source, created_at=timezone.now(), created_by=actor
        )
        ledger_record(action=LedgerAction.CALENDAR_DAY_SAVED, actor=actor, obj=row)
        return row, "created"
    if existing.kind == kind and existing.name == name:
        # Idempotent: the same arrangement saved again (from any source) changes nothing and writes nothing.
        return existing, "unchanged"
    existing.kind = kind
    existing.name = name
    existing.source = source
    existing.save(update_fields=["kind", "name", "source"])
    ledger_record(action=LedgerAction.CALENDAR_DAY_SAVED, actor=actor, obj=existing)
    return existing, "updated"


@transaction.atomic
def calendar_day_save(*, actor: User | None, day: date, kind: str, name: str = "", source: str) -> CalendarDay:
    """Save one day of the arrangement (a new day, or a correction of an existing one)."""
    checked_kind = _validate(kind, name.strip(), source)
    row, _ = _save_day(actor=actor, day=day, kind=checked_kind, name=name.strip(), source=source)
    row.refresh_from_db()
    return row


def parse_arrangement(lines: Iterable[str]) -> list[ArrangementLine]:
    """Parse and check an arrangement file; raises ``DomainError`` naming the first bad line.

    Repeated identical lines are accepted once; two lines giving the same date different contents are refused.
    """
    entries: dict[date, ArrangementLine] = {}
    for line_number, raw in enumerate(lines, start=1):
        text = raw.split(COMMENT_PREFIX, 1)[0].strip()
        if not text:
            continue
        parts = text.split(maxsplit=2)
        if len(parts) < 2:
            raise DomainError(
                ErrorCode.VALIDATION_ERROR, f"第 {line_number} 行格式错误:应为“日期 类型 [名称]”,实为“{text}”"
            )
        date_text, kind_text = parts[0], parts[1]
        name = parts[2].strip() if len(parts) == 3 else ""
        try:
            day = date.fromisoformat(date_text)
        except ValueError:
            raise DomainError(
                ErrorCode.VALIDATION_ERROR, f"第 {line_number} 行日期“{date_text}”无效,应为 YYYY-MM-DD"
            ) from None
        if kind_text not in CalendarDayKind.values:
            raise DomainError(
                ErrorCode.VALIDATION_ERROR,
                f"第 {line_number} 行类型“{kind_text}”未知,应为 holiday(放假)或 workday(调休上班)",
            )
        if len(name) > NAME_MAX_LENGTH:
            raise DomainError(ErrorCode.VALIDATION_ERROR, f"第 {line_number} 行名称超过 {NAME_MAX_LENGTH} 个字符")
        entry = ArrangementLine(line_number, day, CalendarDayKind(kind_text), name)
        previous = entries.get(day)
        if previous is not None:
            if (previous.kind, previous.name) != (entry.kind, entry.name):
                raise DomainError(
                    ErrorCode.VALIDATION_ERROR,
                    f"第 {line_number} 行与第 {previous.line_number} 行冲突:{day.isoformat()} 被登记了两次且内容不同",
                )
            continue
        entries[day] = entry
    return sorted(entries.values(), key=lambda entry: entry.date)


@transaction.atomic
def calendar_import(*, actor: User | None, lines: Iterable[str], source: str) -> ImportResult:
    """Import a yearly arrangement: all lines are checked before anything is written, then all are saved
    in this one transaction (all or nothing)."""
    if not source or len(source) > SOURCE_MAX_LENGTH:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"来源不能为空,且不能超过 {SOURCE_MAX_LENGTH} 个字符")
    entries = parse_arrangement(lines)
    if not entries:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "文件中没有任何日期安排")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for entry in entries:
        _, outcome = _save_day(actor=actor, day=entry.date, kind=entry.kind, name=entry.name, source=source)
        counts[outcome] += 1
    return ImportResult(**counts)
