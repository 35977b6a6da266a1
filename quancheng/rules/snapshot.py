"""Build ``CaseFacts`` from the database: for one case (before a transition, after a write) or for many cases
at once (the sweep), in a fixed number of queries per batch whatever the batch size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

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


def _group(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def build_facts(
    cases: Sequence[Case],
    *,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> dict[int, CaseFacts]:
    """Facts for each of ``cases`` (keyed by case id), loaded in one query per related table."""
    now = now or timezone.now()
    today = local_today(now)
    calendar = calendar or WorkingCalendar.from_db()
    ids = [c.pk for c in cases]
    handlers = _group(
        CaseHandler.objects.filter(case_id__in=ids, removed_at__isnull=True).select_related("user"), "case_id"
    )
    user_ids = {link.user_id for links in handlers.values() for link in links}
    certified = _certified_users(user_ids, today)
    parties = _group(CaseParty.objects.filter(case_id__in=ids).select_related("party"), "case_id")
    records = list(Record.objects.filter(case_id__in=ids).order_by("created_at", "pk"))
    superseded = {r.supersedes_id for r in records if r.supersedes_id}
    signatures = _group(Signature.objects.filter(record__case_id__in=ids).order_by("pk"), "record_id")
    records_by_case = _group(records, "case_id")
    media = _group(
        MediaObject.objects.filter(case_id__in=ids).only("pk", "kind", "record_id", "captured_at", "case_id"), "case_id"
    )
    approvals = _group(Approval.objects.filter(case_id__in=ids).order_by("requested_at", "pk"), "case_id")
    transitions = _group(StageChange.objects.filter(case_id__in=ids).order_by("changed_at", "pk"), "case_id")

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
                    user_id=link.user_id,
                    name=link.user.display_name,
                    is_lead=link.is_lead,
                    has_valid_certificate=link.user_id in certified,
                )
                for link in handlers.get(case.pk, ())
            ),
            parties=tuple(
                PartyFact(party_id=link.party_id, kind=link.party.kind, name=link.party.name)
                for link in parties.get(case.pk, ())
            ),
            records=tuple(
                record_fact(r, signatures.get(r.pk, ()), current=r.pk not in superseded)
                for r in records_by_case.get(case.pk, ())
            ),
            media=tuple(
                MediaFact(media_id=m.pk, kind=m.kind, record_id=m.record_id, captured_at=m.captured_at)
                for m in media.get(case.pk, ())
            ),
            approvals=tuple(approval_fact(a) for a in approvals.get(case.pk, ())),
            transitions=tuple(
                TransitionFact(action=t.action, from_step=t.from_step, to_step=t.to_step, at=t.changed_at)
                for t in transitions.get(case.pk, ())
                if t.action
            ),
        )
    return facts


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
    certified: set[int] = set()
    for cert in Certificate.objects.filter(holder_id__in=user_ids, revoked=False):
        if cert.is_valid_on(day):
            certified.add(cert.holder_id)
    return certified
