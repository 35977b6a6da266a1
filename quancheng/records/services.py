"""Writes for text records: draft, edit a draft, seal, correct, sign. Each appends to the ledger.

Every function runs in one transaction: lock the case row (then the record row), check, write, and append
the ledger entry last, so state and entry commit or roll back together. Lock order matches the cases app:
case row first, the ledger head (inside ``ledger_append``) always last.

Ledger digests: ``row`` is the row's ``ledger_digest()`` (what ``verify`` recomputes), ``content`` is the
SHA-256 of the RFC 8785 canonical JSON of the record's content, so an outsider holding a copy of a record
can check it against the public log without the log holding any personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import rfc8785
from django.db import IntegrityError, transaction
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.models import User
from quancheng.cases.models import Case, Stage
from quancheng.cases.selectors import case_get_for_write
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction, Ledgered, sha256_hex
from quancheng.ledger.services import ledger_append

from . import selectors
from .catalogue import (
    MAX_PAGE_COUNT,
    NON_FIELD,
    Errors,
    FieldType,
    RecordKind,
    first_messages,
    get_kind,
    labels_of,
    validate_content,
    validate_participants,
)
from .models import PersonRole, Record, RecordStatus, Signature, SignatureMethod


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# "Not given" for optional keyword changes, distinct from None (which clears an activity time).
UNSET: Final = _Unset()

PLACE_MAX_LENGTH = Record._meta.get_field("place").max_length
REASON_MAX_LENGTH = Record._meta.get_field("correction_reason").max_length
SIGNER_NAME_MAX_LENGTH = Signature._meta.get_field("signer_name").max_length
REFUSAL_REASON_MAX_LENGTH = Signature._meta.get_field("refusal_reason").max_length
WITNESS_MAX_LENGTH = Signature._meta.get_field("witness_name").max_length
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# A sealed record describes what has happened; a few minutes' grace absorbs clocks of field devices.
FUTURE_TOLERANCE = timedelta(minutes=5)

# Labels for the record's own columns, used in error messages next to the kind's field labels.
COLUMN_LABELS: dict[str, str] = {
    "activity_started_at": "活动开始时间",
    "activity_ended_at": "活动结束时间",
    "place": "地点",
    "participants": "参与人员",
    "page_count": "页数",
}


def content_sha256(content: Any, *, salt: str) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of ``{"content": ..., "salt": ...}``.

    Entries are public, and a record's content can be short and guessable (a name, an ID number); salted with
    the record's own ``ledger_salt``, the digest confirms a copy to whoever holds it, and nothing to a guesser.
    """
    return sha256_hex(rfc8785.dumps({"content": content, "salt": salt}))


def _append(action: LedgerAction, actor: User, obj: Ledgered, record: Record, **extra: str) -> None:
    """Anchor ``obj``'s stored state and the content of ``record`` it concerns (``obj`` is the record itself
    or one of its signatures); re-read first so the digest is what ``verify`` will recompute."""
    obj.refresh_from_db()
    record.refresh_from_db()
    digests = {"row": obj.ledger_digest(), "content": content_sha256(record.content, salt=record.ledger_salt), **extra}
    ledger_append(action=action, actor=actor, subject=obj.ledger_subject(), digests=digests)


def _lock_writable_case(actor: User, case_id: int) -> Case:
    """The case locked for writing: visible and writable to ``actor`` (else NOT_FOUND / PERMISSION_DENIED),
    and not archived (CASE_CLOSED)."""
    case_get_for_write(actor, case_id)
    if not policies.has_enforcement_duty(actor):  # STAFF-05
        raise DomainError(ErrorCode.PERMISSION_DENIED, "记录应当由具备行政执法职责的工作人员制作和修改")
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.is_archived:
        raise DomainError(ErrorCode.CASE_CLOSED, "案件已归档,不得再制作或修改记录")
    return case


def _lock_record(record: Record) -> Record:
    return Record.objects.select_for_update().get(pk=record.pk)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _stage_label(stage: str) -> str:
    try:
        return Stage(stage).label
    except ValueError:
        return stage


def _check_stage(kind: RecordKind, case: Case) -> None:
    """A kind is made only in the stages the catalogue lists for it (GEN-02)."""
    if case.stage not in kind.stages:
        allowed = "、".join(_stage_label(s) for s in kind.stages)
        raise DomainError(
            ErrorCode.TRANSITION_NOT_ALLOWED,
            f"“{kind.name}”只能在{allowed}环节制作,本案当前处于{_stage_label(case.stage)}环节",
        )


def _validate(
    kind: RecordKind,
    case: Case,
    *,
    content: Any,
    activity_started_at: datetime | None,
    activity_ended_at: datetime | None,
    place: str,
    participants: Any,
    page_count: Any,
    complete: bool,
) -> None:
    """Raise RECORD_CONTENT_INVALID (with ``errors`` per field) unless the record fits its kind.

    ``complete`` is sealing: every required field, and the activity time and place where the kind needs
    them, must be present. Drafts are checked for shape only, so they can be filled in over time.
    """
    errors: Errors = dict(validate_content(kind, content, complete=complete))
    if isinstance(content, dict) and not errors:
        linked = selectors.case_party_ids(case)
        for spec in kind.fields:
            value = content.get(spec.name)
            if spec.type == FieldType.PARTY and isinstance(value, int) and value not in linked:
                errors.setdefault(spec.name, []).append("所选当事人不是本案当事人")

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not isinstance(place, str):
        add("place", "应为文本")
    elif len(place) > PLACE_MAX_LENGTH:
        add("place", f"不得超过{PLACE_MAX_LENGTH}个字符")
    elif complete and kind.place_required and not place.strip():
        add("place", "此项为必填项")  # GEN-09 地点, INV-14 检查场所
    if isinstance(page_count, bool) or not isinstance(page_count, int) or not 1 <= page_count <= MAX_PAGE_COUNT:
        add("page_count", f"应为1至{MAX_PAGE_COUNT}之间的整数")
    participant_errors = validate_participants(kind, participants)
    if participant_errors:
        errors["participants"] = participant_errors
    if complete and kind.activity_time_required:
        if activity_started_at is None:
            add("activity_started_at", "此项为必填项")  # GEN-09 开始时间
        if activity_ended_at is None:
            add("activity_ended_at", "此项为必填项")  # GEN-10 结束时间
    if activity_started_at is not None and activity_ended_at is not None and activity_ended_at < activity_started_at:
        add("activity_ended_at", "结束时间不得早于开始时间")  # GEN-10
    if complete:
        latest = timezone.now() + FUTURE_TOLERANCE
        for key, value in (("activity_started_at", activity_started_at), ("activity_ended_at", activity_ended_at)):
            if value is not None and value > latest:
                add(key, "不得晚于当前时间")  # INTEGRITY-03: a record states what has happened
    if errors:
        labels = {**labels_of(kind.fields), **COLUMN_LABELS, NON_FIELD: "内容"}
        raise DomainError(
            ErrorCode.RECORD_CONTENT_INVALID,
            f"“{kind.name}”的内容不符合要求:{first_messages(errors, labels)}",
            errors=errors,
        )


def _as_list(participants: Sequence[Mapping[str, Any]] | Any) -> Any:
    """Participants as JSON-ready plain data; a wrong shape is passed through for validation to name."""
    if isinstance(participants, list | tuple):
        return [dict(p) if isinstance(p, Mapping) else p for p in participants]
    return participants


@transaction.atomic
def record_draft(
    *,
    actor: User,
    case: Case,
    kind: str,
    content: dict[str, Any],
    activity_started_at: datetime | None = None,
    activity_ended_at: datetime | None = None,
    place: str = "",
    participants: Sequence[Mapping[str, Any]] = (),
    page_count: int = 1,
) -> Record:
    """Start a record of ``kind`` on the case, in the case's current stage. Drafts may be incomplete."""
    case = _lock_writable_case(actor, case.pk)
    spec = get_kind(kind)
    _check_stage(spec, case)
    activity_started_at, activity_ended_at = _aware(activity_started_at), _aware(activity_ended_at)
    participants = _as_list(participants)
    _validate(
        spec,
        case,
        content=content,
        activity_started_at=activity_started_at,
        activity_ended_at=activity_ended_at,
        place=place,
        participants=participants,
        page_count=page_count,
        complete=False,
    )
    now = timezone.now()
    record = Record.objects.create(
        case=case,
        kind=spec.code,
        stage=case.stage,
        content=content,
        activity_started_at=activity_started_at,
        activity_ended_at=activity_ended_at,
        place=place.strip(),
        participants=participants,
        page_count=page_count,
        status=RecordStatus.DRAFT,
        author=actor,
        created_at=now,
        updated_at=now,
    )
    _append(LedgerAction.RECORD_DRAFTED, actor, record, record)
    return record


@transaction.atomic
def record_update_draft(
    *,
    actor: User,
    record: Record,
    content: dict[str, Any] | _Unset = UNSET,
    activity_started_at: datetime | _Unset | None = UNSET,
    activity_ended_at: datetime | _Unset | None = UNSET,
    place: str | _Unset = UNSET,
    participants: Sequence[Mapping[str, Any]] | _Unset = UNSET,
    page_count: int | _Unset = UNSET,
) -> Record:
    """Change a draft. ``content`` replaces the whole content (it is not merged). A sealed record is
    immutable (RECORD_SEALED): it can only be corrected. Nothing to change writes nothing."""
    case = _lock_writable_case(actor, record.case_id)
    record = _lock_record(record)
    if record.is_sealed:
        raise DomainError(ErrorCode.RECORD_SEALED)
    if record.signatures.exists():
        # The signatures confirm this wording: a signed draft is changed only by sealing it and correcting it.
        raise DomainError(ErrorCode.RECORD_SEALED, "草稿已有签名,签名确认的内容不得修改;请封存后提交更正记录")
    spec = get_kind(record.kind)
    changes: dict[str, Any] = {}
    if not isinstance(content, _Unset):
        changes["content"] = content
    if not isinstance(activity_started_at, _Unset):
        changes["activity_started_at"] = _aware(activity_started_at)
    if not isinstance(activity_ended_at, _Unset):
        changes["activity_ended_at"] = _aware(activity_ended_at)
    if not isinstance(place, _Unset):
        changes["place"] = place
    if not isinstance(participants, _Unset):
        changes["participants"] = _as_list(participants)
    if not isinstance(page_count, _Unset):
        changes["page_count"] = page_count
    merged = {name: changes.get(name, getattr(record, name)) for name in _EDITABLE}
    _validate(spec, case, **merged, complete=False)
    if isinstance(merged["place"], str):
        merged["place"] = merged["place"].strip()
    changed = [name for name in _EDITABLE if merged[name] != getattr(record, name)]
    if not changed:
        return record
    for name in changed:
        setattr(record, name, merged[name])
    record.updated_at = timezone.now()
    record.save(update_fields=[*changed, "updated_at"])
    _append(LedgerAction.RECORD_UPDATED, actor, record, record)
    return record


_EDITABLE = ("content", "activity_started_at", "activity_ended_at", "place", "participants", "page_count")


@transaction.atomic
def record_seal(*, actor: User, record: Record) -> Record:
    """Make a draft final and immutable, after checking it is complete: every required field, the activity
    time and place where the kind needs them, end not before start (GEN-10)."""
    case = _lock_writable_case(actor, record.case_id)
    record = _lock_record(record)
    if record.is_sealed:
        raise DomainError(ErrorCode.RECORD_ALREADY_SEALED)
    spec = get_kind(record.kind)
    _validate(
        spec,
        case,
        content=record.content,
        activity_started_at=record.activity_started_at,
        activity_ended_at=record.activity_ended_at,
        place=record.place,
        participants=record.participants,
        page_count=record.page_count,
        complete=True,
    )
    _check_seal_rules(case, record)
    now = timezone.now()
    record.status = RecordStatus.SEALED
    record.sealed_at = now
    record.sealed_by = actor
    record.updated_at = now
    record.save(update_fields=["status", "sealed_at", "sealed_by", "updated_at"])
    _append(LedgerAction.RECORD_SEALED, actor, record, record)
    _refresh_findings(case)
    return record


def _check_seal_rules(case: Case, record: Record) -> None:
    """The registry's blocking rules for sealing a record of this kind (signatures every page, approvals first)."""
    import dataclasses

    from quancheng.rules import services as rules
    from quancheng.rules.registry import on_seal
    from quancheng.rules.snapshot import record_fact

    facts = rules.case_facts(case)
    sealing = record_fact(record, record.signatures.all())
    facts = dataclasses.replace(facts, sealing=sealing)
    rules.check_blocking(facts, on_seal(record.kind), rules.params_for_agency(case.agency_id))


def _refresh_findings(case: Case) -> None:
    from quancheng.rules import services as rules

    rules.findings_refresh(case=case)


@transaction.atomic
def record_correct(
    *,
    actor: User,
    record: Record,
    content: dict[str, Any],
    reason: str,
    activity_started_at: datetime | _Unset | None = UNSET,
    activity_ended_at: datetime | _Unset | None = UNSET,
    place: str | _Unset = UNSET,
    participants: Sequence[Mapping[str, Any]] | _Unset = UNSET,
    page_count: int | _Unset = UNSET,
    seal: bool = True,
) -> Record:
    """Correct a sealed record (INTEGRITY-05) with a new version that supersedes it.

    The original row is not touched and stays readable; the new row names it, the reason, the corrector
    (its author) and the time (its creation). Only the latest version can be corrected, so the chain never
    forks. Columns not given are carried over from the original. ``seal=False`` leaves the correction as a
    draft to finish and seal later; by default it is sealed at once and must be complete.
    """
    case = _lock_writable_case(actor, record.case_id)
    original = _lock_record(record)
    if not original.is_sealed:
        raise DomainError(ErrorCode.RECORD_NOT_SEALED, "草稿可直接修改,只有已封存的记录才需要更正")
    if Record.objects.filter(supersedes=original).exists():
        raise DomainError(ErrorCode.RECORD_SUPERSEDED)
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "请填写更正原因")  # INTEGRITY-05
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"更正原因不得超过{REASON_MAX_LENGTH}个字符")
    spec = get_kind(original.kind)
    values: dict[str, Any] = {
        "content": content,
        "activity_started_at": original.activity_started_at
        if isinstance(activity_started_at, _Unset)
        else _aware(activity_started_at),
        "activity_ended_at": original.activity_ended_at
        if isinstance(activity_ended_at, _Unset)
        else _aware(activity_ended_at),
        "place": original.place if isinstance(place, _Unset) else place,
        "participants": original.participants if isinstance(participants, _Unset) else _as_list(participants),
        "page_count": original.page_count if isinstance(page_count, _Unset) else page_count,
    }
    _validate(spec, case, **values, complete=seal)
    values["place"] = values["place"].strip()
    now = timezone.now()
    try:
        with transaction.atomic():
            correction = Record.objects.create(
                case=case,
                kind=original.kind,
                stage=original.stage,
                author=actor,
                created_at=now,
                updated_at=now,
                status=RecordStatus.SEALED if seal else RecordStatus.DRAFT,
                sealed_at=now if seal else None,
                sealed_by=actor if seal else None,
                supersedes=original,
                correction_reason=reason,
                version=original.version + 1,
                **values,
            )
    except IntegrityError as exc:  # another correction of the same version won the race
        raise DomainError(ErrorCode.RECORD_SUPERSEDED) from exc
    _append(
        LedgerAction.RECORD_CORRECTED,
        actor,
        correction,
        correction,
        supersedes=original.ledger_digest(),
    )
    if seal:
        # A correction sealed at once is sealed like any record: the same rules (a 笔录's correction is confirmed
        # by the interviewee's signature first, INV-12 — so it is drafted with seal=False, signed, then sealed;
        # a refusal here rolls the whole correction back), and the same final action, so verify refuses any
        # later change to it exactly as it does for a record sealed in its own step.
        _check_seal_rules(case, correction)
        _append(LedgerAction.RECORD_SEALED, actor, correction, correction)
        _refresh_findings(case)
    return correction


# Signatures are collected on the finished text. INV-11: the interviewee signs "经被询问人确认无误后", i.e. after
# confirming the transcript as written, and then it is sealed (the seal rules refuse a 笔录 without its
# signatures); REVIEW-12 likewise has the hearing transcript checked before signing. A signed draft cannot be
# changed any more (record_update_draft refuses), so a signature never vouches for words that change later; a
# superseded version no longer carries the text that counts (RECORD_SUPERSEDED): its correction is signed
# afresh, which is how INV-12 has corrections confirmed by the interviewee's signature, seal or fingerprint.
@transaction.atomic
def signature_add(
    *,
    actor: User,
    record: Record,
    signer_name: str,
    signer_role: PersonRole | str,
    method: SignatureMethod | str,
    page: int | None = None,
    image_sha256: str = "",
    refusal_reason: str = "",
    witness_name: str = "",
    signer_user: User | None = None,
) -> Signature:
    """Add one signature, seal impression, fingerprint or noted refusal to a record.

    A draft is signed before it is sealed (the interviewee confirms the final wording page by page, then the
    record is sealed — INV-11); once signed, the draft's wording can no longer change. A sealed record may take
    further signatures (a late signer), never on a superseded version.

    笔录 kinds are signed page by page (INV-11/12): ``page`` is required and within the record's pages. A
    mark needs the SHA-256 of its stored image; a refusal needs its reason and a witness (DECIDE-04).
    """
    case = _lock_writable_case(actor, record.case_id)
    record = _lock_record(record)
    if Record.objects.filter(supersedes=record).exists():
        raise DomainError(ErrorCode.RECORD_SUPERSEDED, "该记录已被更正,请在最新版本上签名")
    spec = get_kind(record.kind)
    signer_name = signer_name.strip() if isinstance(signer_name, str) else ""
    image_sha256 = image_sha256.strip().lower() if isinstance(image_sha256, str) else ""
    refusal_reason = refusal_reason.strip() if isinstance(refusal_reason, str) else ""
    witness_name = witness_name.strip() if isinstance(witness_name, str) else ""

    problems: list[str] = []
    if not signer_name:
        problems.append("请填写签名人")
    elif len(signer_name) > SIGNER_NAME_MAX_LENGTH:
        problems.append(f"签名人不得超过{SIGNER_NAME_MAX_LENGTH}个字符")
    if signer_role not in PersonRole.values:
        problems.append(f"签名人身份“{signer_role}”无效")
    if method not in SignatureMethod.values:
        problems.append(f"签名方式“{method}”无效")
    if page is not None and (isinstance(page, bool) or not isinstance(page, int)):
        problems.append("页码应为整数")
    elif spec.per_page_signatures and page is None:
        problems.append(f"“{spec.name}”须逐页签名,请填写页码")  # INV-11/INV-12
    elif page is not None and not 1 <= page <= record.page_count:
        problems.append(f"页码应在1至{record.page_count}之间")
    if image_sha256:
        if not SHA256_PATTERN.match(image_sha256):
            problems.append("签名图像摘要应为64位十六进制SHA-256")
        elif not selectors.signature_image_available(case.agency_id, image_sha256):
            problems.append("签名图像尚未上传:本机关没有该摘要对应的文件")
    if method == SignatureMethod.REFUSED:
        # DECIDE-04: 当事人拒绝签名或者盖章的,案件承办人员应当注明情况 — with a witness to the refusal.
        if not refusal_reason:
            problems.append("拒绝签名的,应当注明拒签情况")
        elif len(refusal_reason) > REFUSAL_REASON_MAX_LENGTH:
            problems.append(f"拒签情况不得超过{REFUSAL_REASON_MAX_LENGTH}个字符")
        if not witness_name:
            problems.append("拒绝签名的,应当有见证人")
        elif len(witness_name) > WITNESS_MAX_LENGTH:
            problems.append(f"见证人不得超过{WITNESS_MAX_LENGTH}个字符")
    elif method in SignatureMethod.values:
        if not image_sha256:
            problems.append("签名、盖章或押印须附其图像的SHA-256摘要")
        if refusal_reason:
            problems.append("已签名的,不应填写拒签情况")
        if len(witness_name) > WITNESS_MAX_LENGTH:
            problems.append(f"见证人不得超过{WITNESS_MAX_LENGTH}个字符")
    if signer_user is not None and signer_user.agency_id != case.agency_id:
        problems.append("签名的工作人员不是本机关人员")
    if problems:
        raise DomainError(ErrorCode.INVALID_SIGNATURE, ";".join(problems))

    if Signature.objects.filter(record=record, page=page, signer_name=signer_name, signer_role=signer_role).exists():
        where = f"第{page}页" if page is not None else "该记录"
        raise DomainError(ErrorCode.DUPLICATE, f"{signer_name}已在{where}签名或注明拒签")
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                record=record,
                page=page,
                signer_name=signer_name,
                signer_role=str(signer_role),
                signer_user=signer_user,
                method=str(method),
                image_sha256=image_sha256,
                refusal_reason=refusal_reason,
                witness_name=witness_name,
                signed_at=timezone.now(),
                recorded_by=actor,
            )
    except IntegrityError as exc:  # a concurrent request recorded the same mark first
        raise DomainError(ErrorCode.DUPLICATE, f"{signer_name}已签名") from exc
    record.refresh_from_db()
    _append(LedgerAction.RECORD_SIGNED, actor, signature, record)
    return signature
