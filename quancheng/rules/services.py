"""Writes to the working-day calendar: one day at a time (back office) or a whole yearly arrangement (import).

Each new or changed ``CalendarDay`` is anchored in the ledger (``calendar.day_saved``) in the same transaction;
saving a day exactly as it already stands writes nothing, so re-importing the same file is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.models import Agency, Role, User
from quancheng.cases.models import Case, Step
from quancheng.core.errors import DomainError, ErrorCode, require
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_append_many, ledger_record

from .calendar import WorkingCalendar
from .facts import CaseFacts
from .models import AgencyParameter, CalendarDay, CalendarDayKind, Finding, FindingLevel, FindingStatus
from .parameters import PARAMETERS
from .parameters import validate as validate_parameter
from .registry import ON_SWEEP, Rule, RuleViolation, Severity, evaluate, rules_for
from .registry import Finding as RuleFinding
from .requirements import quote as requirement_quote
from .snapshot import build_facts, case_facts

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


# --- rule parameters (SUPERVISE-09) ----------------------------------------------------------------------------

PARAMETER_REASON_MAX = 512


def params_for_agency(agency_id: int) -> dict[str, Any]:
    """Every parameter's value in force for the agency: its latest setting, else the national default."""
    return params_by_agency([agency_id])[agency_id]


def params_by_agency(agency_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = set(agency_ids)
    result = {agency_id: {key: spec.default for key, spec in PARAMETERS.items()} for agency_id in ids}
    for row in AgencyParameter.objects.filter(agency_id__in=ids).order_by("set_at", "pk"):
        if row.key in PARAMETERS:
            result[row.agency_id][row.key] = row.value
    return result


@transaction.atomic
def agency_parameter_set(*, actor: User, agency: Agency, key: str, value: Any, reason: str) -> AgencyParameter:
    """Set one rule parameter for an agency (e.g. the seed's 50/1000 yuan on-the-spot limits).

    SUPERVISE-09: a change of the recording rules takes the agency's own decision — only its principal head or
    an administrator of the agency may make it, with the reason on record; earlier values stay as history.
    """
    require(
        actor.agency_id == agency.pk and (actor.has_role(Role.PRINCIPAL_HEAD) or actor.has_role(Role.ADMIN)),
        ErrorCode.PERMISSION_DENIED,
        "规则参数须经本机关批准后调整:只有本机关主要负责人或系统管理员可以设置",
    )
    problem = validate_parameter(key, value)
    if problem:
        raise DomainError(ErrorCode.VALIDATION_ERROR, problem)
    reason = (reason or "").strip()
    require(bool(reason), ErrorCode.VALIDATION_ERROR, "请填写调整依据")
    require(
        len(reason) <= PARAMETER_REASON_MAX, ErrorCode.VALIDATION_ERROR, f"调整依据不得超过{PARAMETER_REASON_MAX}个字符"
    )
    row = AgencyParameter.objects.create(agency=agency, key=key, value=value, reason=reason, set_by=actor)
    ledger_record(action=LedgerAction.PARAMETER_SET, actor=actor, obj=row)
    return row


# --- evaluation ------------------------------------------------------------------------------------------------


def rule_params(values: Mapping[str, Any]) -> Callable[[Rule], Mapping[str, Any]]:
    return lambda r: {key: values[key] for key in r.params}


def check_blocking(facts: CaseFacts, event: str, params: Mapping[str, Any]) -> None:
    """Refuse ``event`` (a lifecycle action code or ``seal:<kind>``) if a blocking rule reports anything: 409 with
    the rule, the requirement and the seed's own words."""
    for finding in evaluate(facts, rules_for(event, Severity.BLOCKING), rule_params(params)):
        raise RuleViolation(finding, quote=requirement_quote(finding.rule.requirement))


def warning_findings(facts: CaseFacts, params: Mapping[str, Any]) -> list[RuleFinding]:
    return list(evaluate(facts, rules_for(ON_SWEEP, Severity.WARNING), rule_params(params)))


def _level(finding: RuleFinding) -> str:
    return finding.violation.level if finding.violation.level in FindingLevel.values else FindingLevel.WARNING


def _diff_findings(
    case_id: int, found: Sequence[RuleFinding], existing: Sequence[Finding], now: datetime
) -> tuple[list[Finding], list[Finding]]:
    """(findings to raise, open findings to resolve): raise what the rules report and is not open yet, resolve what
    they no longer report; a waived finding stays waived while its rule keeps reporting it."""
    reported = {f.key: f for f in found}
    open_by_key = {(f.rule, f.subject): f for f in existing if f.status == FindingStatus.OPEN}
    waived = {(f.rule, f.subject) for f in existing if f.status == FindingStatus.WAIVED}
    to_resolve = [row for key, row in open_by_key.items() if key not in reported]
    to_raise = [
        Finding(
            case_id=case_id,
            rule=finding.rule.code,
            requirement=finding.rule.requirement,
            subject=finding.violation.subject[:SUBJECT_MAX],
            level=_level(finding),
            message=finding.violation.message,
            raised_at=now,
        )
        for key, finding in reported.items()
        if key not in open_by_key and key not in waived
    ]
    return to_raise, to_resolve


def _write_findings(to_raise: list[Finding], to_resolve: list[Finding], now: datetime) -> None:
    """Write the changes in bulk and anchor each changed row in the ledger (as stored: re-read after writing)."""
    if to_resolve:
        for row in to_resolve:
            row.status, row.closed_at = FindingStatus.RESOLVED, now
        Finding.objects.bulk_update(to_resolve, ["status", "closed_at"])
    created = Finding.objects.bulk_create(to_raise) if to_raise else []
    changed = {row.pk: LedgerAction.FINDING_RESOLVED for row in to_resolve}
    changed.update({row.pk: LedgerAction.FINDING_RAISED for row in created})
    if not changed:
        return
    stored = Finding.objects.in_bulk(list(changed))
    ledger_append_many(
        {
            "action": changed[pk],
            "actor": None,
            "subject": stored[pk].ledger_subject(),
            "digests": {"row": stored[pk].ledger_digest()},
        }
        for pk in sorted(changed, key=lambda pk: (changed[pk] == LedgerAction.FINDING_RAISED, pk))
    )


SUBJECT_MAX = Finding._meta.get_field("subject").max_length


@transaction.atomic
def findings_refresh(*, case: Case, facts: CaseFacts | None = None, now: datetime | None = None) -> tuple[int, int]:
    """Re-evaluate the warning rules on one case and bring its findings up to date (after each write to it)."""
    now = now or timezone.now()
    facts = facts or case_facts(case, now=now)
    found = warning_findings(facts, params_for_agency(case.agency_id))
    existing = list(Finding.objects.filter(case_id=case.pk).exclude(status=FindingStatus.RESOLVED))
    to_raise, to_resolve = _diff_findings(case.pk, found, existing, now)
    _write_findings(to_raise, to_resolve, now)
    return len(to_raise), len(to_resolve)


# The case columns ``build_facts`` reads (the sweep loads nothing else of each case).
FACT_CASE_FIELDS = ("id", "agency_id", "procedure", "step", "stage", "act_type", "opened_at", "is_major")


@dataclass(frozen=True)
class SweepResult:
    cases: int
    raised: int
    resolved: int


def rules_sweep(*, now: datetime | None = None, batch_size: int = 500) -> SweepResult:
    """The periodic task: evaluate the warning rules (deadline yellow/red, missing audio/video...) on every case
    not yet archived and record the findings. Each batch commits on its own."""
    now = now or timezone.now()
    calendar = WorkingCalendar.from_db()
    open_cases = Case.objects.exclude(step=Step.ARCHIVED).order_by("pk").only(*FACT_CASE_FIELDS)
    total = raised = resolved = 0
    last_pk = 0
    while True:
        batch = list(open_cases.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        last_pk = batch[-1].pk
        params = params_by_agency({c.agency_id for c in batch})
        # STAFF-08's rule is the only reader of participant lists, and only where an agency asks for a recorder.
        participants = any(p["dedicated_recorder_required"] for p in params.values())
        facts = build_facts(batch, now=now, calendar=calendar, with_participants=participants)
        with transaction.atomic():
            existing = _group_findings(
                Finding.objects.filter(case_id__in=[c.pk for c in batch]).exclude(status=FindingStatus.RESOLVED)
            )
            to_raise: list[Finding] = []
            to_resolve: list[Finding] = []
            for case in batch:
                found = warning_findings(facts[case.pk], params[case.agency_id])
                new, gone = _diff_findings(case.pk, found, existing.get(case.pk, []), now)
                to_raise.extend(new)
                to_resolve.extend(gone)
            _write_findings(to_raise, to_resolve, now)
            raised += len(to_raise)
            resolved += len(to_resolve)
        total += len(batch)
    return SweepResult(cases=total, raised=raised, resolved=resolved)


def _group_findings(rows: Iterable[Finding]) -> dict[int, list[Finding]]:
    grouped: dict[int, list[Finding]] = {}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)
    return grouped


WAIVE_REASON_MAX = Finding._meta.get_field("waive_reason").max_length


@transaction.atomic
def finding_waive(*, actor: User, finding: Finding, reason: str) -> Finding:
    """Waive an open warning with a recorded reason (who, when, why); the rule's later reports of the same thing
    on the same subject stay waived."""
    finding = Finding.objects.select_for_update().select_related("case").get(pk=finding.pk)
    require(
        policies.can_work_in_agency(actor, finding.case.agency_id)
        and bool(actor.role_set() & {Role.UNIT_HEAD, Role.PRINCIPAL_HEAD, Role.LEADER_IN_CHARGE, Role.LEGAL_REVIEWER}),
        ErrorCode.PERMISSION_DENIED,
        "只有本机关负责人或法制审核人员可以豁免合规提示",
    )
    require(finding.status == FindingStatus.OPEN, ErrorCode.DUPLICATE, "该合规提示已处理")
    reason = (reason or "").strip()
    require(bool(reason), ErrorCode.VALIDATION_ERROR, "请填写豁免理由")
    require(len(reason) <= WAIVE_REASON_MAX, ErrorCode.VALIDATION_ERROR, f"豁免理由不得超过{WAIVE_REASON_MAX}个字符")
    finding.status = FindingStatus.WAIVED
    finding.waived_by = actor
    finding.waive_reason = reason
    finding.closed_at = timezone.now()
    finding.save(update_fields=["status", "waived_by", "waive_reason", "closed_at"])
    ledger_record(action=LedgerAction.FINDING_WAIVED, actor=actor, obj=finding)
    return finding
