"""What a rule may know about a case: a frozen snapshot of plain data. Pure: no database.

``rules.snapshot`` builds these from the database (one case, or many cases in a few queries for the sweep);
tests build them by hand. Rules never query anything else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .calendar import WorkingCalendar


@dataclass(frozen=True)
class HandlerFact:
    user_id: int
    name: str
    is_lead: bool
    has_valid_certificate: bool


@dataclass(frozen=True)
class PartyFact:
    party_id: int
    kind: str  # cases.PartyKind: "person" or "organisation"
    name: str


@dataclass(frozen=True)
class SignatureFact:
    page: int | None
    role: str  # records.PersonRole
    method: str  # records.SignatureMethod
    signer_user_id: int | None = None


@dataclass(frozen=True)
class RecordFact:
    record_id: int
    kind: str
    stage: str
    sealed: bool
    content: Mapping[str, Any]
    page_count: int = 1
    created_at: datetime | None = None
    sealed_at: datetime | None = None
    activity_started_at: datetime | None = None
    activity_ended_at: datetime | None = None
    author_id: int | None = None
    # False once a correction supersedes it: rules look at the current version of each record.
    current: bool = True
    signatures: tuple[SignatureFact, ...] = ()
    version: int = 1
    participants: tuple[Mapping[str, Any], ...] = ()

    def signed_pages(self, roles: frozenset[str]) -> set[int]:
        return {s.page or 1 for s in self.signatures if s.role in roles}


@dataclass(frozen=True)
class MediaFact:
    media_id: int
    kind: str  # evidence.MediaKind
    record_id: int | None
    stage: str = ""
    captured_at: datetime | None = None


@dataclass(frozen=True)
class ApprovalFact:
    approval_id: int
    action: str  # cases.ApprovalAction
    approver_role: str
    status: str  # pending / approved / rejected
    requested_at: datetime
    decided_at: datetime | None = None
    decided_by_id: int | None = None
    requested_by_id: int | None = None
    record_id: int | None = None
    emergency: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclass(frozen=True)
class TransitionFact:
    action: str
    from_step: str
    to_step: str
    at: datetime


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    agency_id: int
    procedure: str
    step: str
    stage: str
    act_type: str
    opened_at: datetime
    now: datetime
    today: date
    calendar: WorkingCalendar
    is_major: bool = False
    handlers: tuple[HandlerFact, ...] = ()
    parties: tuple[PartyFact, ...] = ()
    records: tuple[RecordFact, ...] = ()
    media: tuple[MediaFact, ...] = ()
    approvals: tuple[ApprovalFact, ...] = ()
    transitions: tuple[TransitionFact, ...] = ()
    # The lifecycle action being checked (blocking rules), with its request data; empty in the sweep.
    action: str = ""
    action_data: Mapping[str, Any] = field(default_factory=dict)
    # The record being sealed (``seal:<kind>`` rules).
    sealing: RecordFact | None = None
    # The approval being granted (``approve:<action>`` rules).
    deciding: ApprovalFact | None = None

    # --- helpers every rule uses -------------------------------------------------------------------------

    def current_records(self, *kinds: str, sealed: bool = True) -> Iterator[RecordFact]:
        """Current versions of records of ``kinds`` (all kinds if none), sealed ones only unless ``sealed=False``."""
        for r in self.records:
            if r.current and (not kinds or r.kind in kinds) and (r.sealed or not sealed):
                yield r

    def has_record(self, *kinds: str) -> bool:
        return next(self.current_records(*kinds), None) is not None

    def first_record(self, *kinds: str) -> RecordFact | None:
        found = sorted(self.current_records(*kinds), key=lambda r: r.sealed_at or r.created_at or self.now)
        return found[0] if found else None

    def last_record(self, *kinds: str) -> RecordFact | None:
        found = sorted(self.current_records(*kinds), key=lambda r: r.sealed_at or r.created_at or self.now)
        return found[-1] if found else None

    def approvals_for(self, action: str, *, approved: bool | None = True) -> list[ApprovalFact]:
        return [a for a in self.approvals if a.action == action and (approved is None or a.approved == approved)]

    def transition(self, action: str) -> TransitionFact | None:
        """The latest transition made by ``action``, if any."""
        found = [t for t in self.transitions if t.action == action]
        return found[-1] if found else None

    def entered(self, step: str) -> TransitionFact | None:
        found = [t for t in self.transitions if t.to_step == step]
        return found[-1] if found else None

    def media_for_record(self, record_id: int) -> list[MediaFact]:
        return [m for m in self.media if m.record_id == record_id]

    def party_kinds(self) -> set[str]:
        return {p.kind for p in self.parties}
