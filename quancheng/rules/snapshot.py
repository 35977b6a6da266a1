"""Build ``CaseFacts`` from the database: for one case (before a transition, after a write) or for many cases
at once (the sweep), in a fixed number of queries per batch whatever the batch size."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

from quancheng.accounts.models import Certificate
from quancheng.cases.models import Approval, Case, CaseHandler, CaseParty, StageChange
from quancheng.core.dates import local_today
from quancheng.evidence.models import MediaObject
from quancheng.records.models import Record, Signature

from .calendar import WorkingCalendar
from .facts import (
    ApprovalFact,
    CaseFacts,
    HandlerFact,
    MediaFact,
    PartyFact,
    RecordFact,
    SignatureFact,
    TransitionFact,
)


def record_fact(record: Record, signatures: Iterable[Signature], *, current: bool = True) -> RecordFact:
    return RecordFact(
        record_id=record.pk,
        kind=record.kind,
        stage=record.stage,
        sealed=record.status == "sealed",
        content=record.content if isinstance(record.content, Mapping) else {},
        page_count=record.page_count,
        created_at=record.created_at,
        sealed_at=record.sealed_at,
        activity_started_at=record.activity_started_at,
        activity_ended_at=record.activity_ended_at,
        author_id=record.author_id,
        current=current,
        signatures=tuple(
            SignatureFact(page=s.page, role=s.signer_role, method=s.method, signer_user_id=s.signer_user_id)
            for s in signatures
        ),
        version=record.version,
        participants=tuple(p for p in (record.participants or ()) if isinstance(p, Mapping)),
    )


def _group(rows: Iterable[tuple], key: int = 0) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


# Columns read for the facts: plain tuples instead of model instances (the sweep builds facts for every open case;
# model instantiation was most of its time — bench/rules.py).
RECORD_COLUMNS = (
    "pk",
    "case_id",
    "kind",
    "stage",
    "status",
    "content",
    "page_count",
    "created_at",
    "sealed_at",
    "activity_started_at",
    "activity_ended_at",
    "author_id",
    "supersedes_id",
    "version",
    "participants",
)
# Use a range of ids instead of IN (...) when the ids span at most this many times their number.
RANGE_FACTOR = 2
# Selected in place of ``participants`` when they are not needed: a constant, nothing decoded.
NO_PARTICIPANTS = "pk"
APPROVAL_COLUMNS = (
    "case_id",
    "pk",
    "action",
    "approver_role",
    "status",
    "requested_at",
    "decided_at",
    "decided_by_id",
    "requested_by_id",
    "record_id",
    "emergency",
    "data",
)


def _datetime(value: Any) -> datetime | None:
    # SQLite keeps aware datetimes as naive UTC text; PostgreSQL's driver returns aware datetimes.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes | bytearray) else value


def _fetch(
    queryset: QuerySet, *, datetimes: Sequence[int] = (), jsons: Sequence[int] = (), bools: Sequence[int] = ()
) -> list[tuple]:
    """The rows of a ``values_list`` queryset, run on a plain cursor with only the conversions the facts need.

    Django's per-value converters (each reading settings through the lazy settings object) were a fifth of the
    sweep's time; the SQL is still Django's own."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not (datetimes or jsons or bools):
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        row = list(row)
        for index in datetimes:
            row[index] = _datetime(row[index])
        for index in jsons:
            row[index] = _json(row[index])
        for index in bools:
            row[index] = bool(row[index])
        converted.append(tuple(row))
    return converted


def build_facts(
    cases: Sequence[Case],
    *,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
    with_participants: bool = True,
) -> dict[int, CaseFacts]:
    """Facts for each of ``cases`` (keyed by case id), loaded in one query per related table.

    ``with_participants=False`` leaves records' participant lists out (only STAFF-08's rule reads them, and only
    for agencies that require a dedicated recorder): decoding them is a large share of the sweep's time."""
    now = now or timezone.now()
    today = local_today(now)
    calendar = calendar or WorkingCalendar.from_db()
    ids = [c.pk for c in cases]
    if not ids:
        return {}
    # A batch of the sweep is a run of consecutive ids: a range is far cheaper to build and run than IN (...500 ids),
    # and rows of cases in the range but not in the batch (archived ones) are simply not used.
    lo, hi = min(ids), max(ids)
    in_batch: dict[str, Any] = (
        {"case_id__gte": lo, "case_id__lte": hi} if hi - lo < RANGE_FACTOR * len(ids) else {"case_id__in": ids}
    )
    handlers = _group(
        _fetch(
            CaseHandler.objects.filter(**in_batch, removed_at__isnull=True)
            .order_by("assigned_at", "pk")
            .values_list("case_id", "user_id", "is_lead", "user__full_name", "user__username"),
            bools=(2,),
        )
    )
    user_ids = {row[1] for rows in handlers.values() for row in rows}
    certified = _certified_users(user_ids, today)
    parties = _group(
        _fetch(
            CaseParty.objects.filter(**in_batch)
            .order_by()
            .values_list("case_id", "party_id", "party__kind", "party__name")
        )
    )
    columns = RECORD_COLUMNS if with_participants else (*RECORD_COLUMNS[:-1], NO_PARTICIPANTS)
    records = _fetch(
        Record.objects.filter(**in_batch).order_by("created_at", "pk").values_list(*columns),
        datetimes=(7, 8, 9, 10),
        jsons=(5, 14) if with_participants else (5,),
    )
    superseded = {r[12] for r in records if r[12]}
    signatures = _group(
        _fetch(
            Signature.objects.filter(**{f"record__{key}": value for key, value in in_batch.items()})
            .order_by("pk")
            .values_list("record_id", "page", "signer_role", "method", "signer_user_id")
        )
    )
    records_by_case = _group(records, 1)
    media = _group(
        _fetch(
            MediaObject.objects.filter(**in_batch)
            .order_by()
            .values_list("case_id", "pk", "kind", "record_id", "captured_at"),
            datetimes=(4,),
        )
    )
    approvals = _group(
        _fetch(
            Approval.objects.filter(**in_batch).order_by("requested_at", "pk").values_list(*APPROVAL_COLUMNS),
            datetimes=(5, 6),
            bools=(10,),
            jsons=(11,),
        )
    )
    transitions = _group(
        _fetch(
            StageChange.objects.filter(**in_batch)
            .exclude(action="")
            .order_by("changed_at", "pk")
            .values_list("case_id", "action", "from_step", "to_step", "changed_at"),
            datetimes=(4,),
        )
    )

    facts: dict[int, CaseFacts] = {}
    for case in cases:
        facts[case.pk] = CaseFacts(
            case_id=case.pk,
            agency_id=case.agency_id,
            procedure=case.procedure,
            step=case.step,
            stage=case.stage,
            act_type=case.act_type,
            opened_at=case.opened_at,
            now=now,
            today=today,
            calendar=calendar,
            is_major=case.is_major,
            handlers=tuple(
                HandlerFact(
                    user_id=user_id,
                    name=full_name or username,
                    is_lead=is_lead,
                    has_valid_certificate=user_id in certified,
                )
                for _case, user_id, is_lead, full_name, username in handlers.get(case.pk, ())
            ),
            parties=tuple(
                PartyFact(party_id=party_id, kind=kind, name=name)
                for _case, party_id, kind, name in parties.get(case.pk, ())
            ),
            records=tuple(
                _record_fact_from_row(r, signatures.get(r[0], ()), current=r[0] not in superseded)
                for r in records_by_case.get(case.pk, ())
            ),
            media=tuple(
                MediaFact(media_id=pk, kind=kind, record_id=record_id, captured_at=captured_at)
                for _case, pk, kind, record_id, captured_at in media.get(case.pk, ())
            ),
            approvals=tuple(_approval_fact_from_row(a) for a in approvals.get(case.pk, ())),
            transitions=tuple(
                TransitionFact(action=action, from_step=from_step, to_step=to_step, at=at)
                for _case, action, from_step, to_step, at in transitions.get(case.pk, ())
            ),
        )
    return facts


def _signature_facts(rows: Iterable[tuple]) -> tuple[SignatureFact, ...]:
    return tuple(
        SignatureFact(page=page, role=role, method=method, signer_user_id=user_id)
        for _record, page, role, method, user_id in rows
    )


def _record_fact_from_row(r: tuple, signatures: Iterable[tuple], *, current: bool) -> RecordFact:
    (pk, _case, kind, stage, status, content, pages, created, sealed, started, ended, author, _sup, version, parts) = r
    return RecordFact(
        record_id=pk,
        kind=kind,
        stage=stage,
        sealed=status == "sealed",
        content=content if isinstance(content, Mapping) else {},
        page_count=pages,
        created_at=created,
        sealed_at=sealed,
        activity_started_at=started,
        activity_ended_at=ended,
        author_id=author,
        current=current,
        signatures=_signature_facts(signatures),
        version=version,
        participants=tuple(p for p in parts if isinstance(p, Mapping)) if isinstance(parts, list) else (),
    )


def _approval_fact_from_row(a: tuple) -> ApprovalFact:
    _case, pk, action, role, status, requested, decided, decided_by, requested_by, record_id, emergency, data = a
    return ApprovalFact(
        approval_id=pk,
        action=action,
        approver_role=role,
        status=status,
        requested_at=requested,
        decided_at=decided,
        decided_by_id=decided_by,
        requested_by_id=requested_by,
        record_id=record_id,
        emergency=emergency,
        data=data if isinstance(data, Mapping) else {},
    )


def case_facts(case: Case, *, now: datetime | None = None, calendar: WorkingCalendar | None = None) -> CaseFacts:
    return build_facts([case], now=now, calendar=calendar)[case.pk]


def approval_fact(a: Approval) -> ApprovalFact:
    return ApprovalFact(
        approval_id=a.pk,
        action=a.action,
        approver_role=a.approver_role,
        status=a.status,
        requested_at=a.requested_at,
        decided_at=a.decided_at,
        decided_by_id=a.decided_by_id,
        requested_by_id=a.requested_by_id,
        record_id=a.record_id,
        emergency=a.emergency,
        data=a.data if isinstance(a.data, Mapping) else {},
    )


def _certified_users(user_ids: set[int], day: date) -> set[int]:
    """STAFF-01: the users holding a certificate valid on ``day`` (``Certificate.is_valid_on`` as a query)."""
    return set(
        Certificate.objects.filter(
            holder_id__in=user_ids, revoked=False, valid_from__lte=day, valid_to__gte=day
        ).values_list("holder_id", flat=True)
    )
