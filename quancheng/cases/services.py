"""Writes for parties and cases; each appends to the ledger in its own transaction.

Lock order, to keep concurrent writers from deadlocking: the case number sequence or the case row first,
then (inside ``ledger_record``) the ledger head, always last.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.models import Agency, Certificate, Role, Unit, User
from quancheng.core.dates import as_aware, local_today
from quancheng.core.errors import DomainError, ErrorCode, require
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record
from quancheng.records.models import Record

from . import identifiers, selectors, workflow
from .models import (
    ActType,
    Approval,
    ApprovalAction,
    ApprovalStatus,
    ApproverRole,
    Case,
    CaseExport,
    CaseHandler,
    CaseNumberSequence,
    CaseParty,
    CaseSource,
    Party,
    PartyKind,
    Procedure,
    Stage,
    StageChange,
)

# Field lengths mirrored from the models so bad input is a 422 with a message, not a database error.
PARTY_NAME_MAX = Party._meta.get_field("name").max_length
CASE_TITLE_MAX = Case._meta.get_field("title").max_length
EXPORT_REASON_MAX = CaseExport._meta.get_field("reason").max_length
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def format_case_number(prefix: str, year: int, number: int) -> str:
    """示市监立〔2026〕12号 — the agency's prefix, the year in 六角括号, the sequence number."""
    return f"{prefix}〔{year}〕{number}号"


def _clean_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"{field}不能为空")
    if max_length and len(text) > max_length:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"{field}不能超过{max_length}个字符")
    return text


# --- parties -----------------------------------------------------------------------------------------


@transaction.atomic
def party_create(
    *,
    actor: User,
    agency: Agency,
    kind: PartyKind | str,
    name: str,
    id_number: str,
    legal_representative: str = "",
    address: str = "",
    contact: str = "",
) -> Party:
    """Register a party (GEN-11) with a checked 身份证号码 (person) or 统一社会信用代码 (organisation)."""
    require(policies.can_open_case(actor, agency.pk), ErrorCode.PERMISSION_DENIED, "只有本机关执法人员可以登记当事人")
    if kind not in PartyKind.values:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"未知的当事人类型:{kind}")
    kind = PartyKind(kind)
    name = _clean_text(name, field="姓名或名称", max_length=PARTY_NAME_MAX, required=True)
    legal_representative = _clean_text(
        legal_representative,
        field="法定代表人或负责人",
        max_length=Party._meta.get_field("legal_representative").max_length,
    )
    address = _clean_text(address, field="地址", max_length=Party._meta.get_field("address").max_length)
    contact = _clean_text(contact, field="联系方式", max_length=Party._meta.get_field("contact").max_length)
    if kind == PartyKind.PERSON:
        id_number = identifiers.normalise_id_number(id_number, today=local_today())
    else:
        id_number = identifiers.normalise_uscc(id_number)
        # GEN-11: an organisation is recorded with its 法定代表人或负责人.
        require(bool(legal_representative), ErrorCode.VALIDATION_ERROR, "法人或其他组织须填写法定代表人或负责人")
    if Party.objects.filter(agency=agency, id_number=id_number).exists():
        raise DomainError(ErrorCode.DUPLICATE, "该身份证号码或统一社会信用代码的当事人已登记")
    try:
        with transaction.atomic():
            party = Party.objects.create(
                agency=agency,
                kind=kind,
                name=name,
                id_number=id_number,
                legal_representative=legal_representative,
                address=address,
                contact=contact,
                created_by=actor,
            )
    except IntegrityError as exc:  # a concurrent registration of the same number won the race
        raise DomainError(ErrorCode.DUPLICATE, "该身份证号码或统一社会信用代码的当事人已登记") from exc
    ledger_record(action=LedgerAction.PARTY_CREATED, actor=actor, obj=party)
    return party


@transaction.atomic
def party_account_link(*, actor: User, party: Party, account: User) -> Party:
    """Give a party its own login (ACCESS-04): the account reads that party's cases, and writes nothing."""
    require(
        policies.can_work_in_agency(actor, party.agency_id),
        ErrorCode.PERMISSION_DENIED,
        "只能为本机关登记的当事人开通账号",
    )
    require(account.has_role(Role.PARTY), ErrorCode.VALIDATION_ERROR, "该账号不是当事人账号")
    require(account.agency_id is None, ErrorCode.VALIDATION_ERROR, "当事人账号不得属于行政机关")
    party = Party.objects.select_for_update().get(pk=party.pk)
    require(party.account_id in (None, account.pk), ErrorCode.DUPLICATE, "该当事人已关联其他账号")
    if party.account_id is None:
        party.account = account
        party.save(update_fields=["account"])
        ledger_record(action=LedgerAction.PARTY_ACCOUNT_LINKED, actor=actor, obj=party)
    return party


# --- cases -------------------------------------------------------------------------------------------


def _next_case_number(agency: Agency, year: int) -> int:
    """Take the next number of the agency's sequence for ``year``; the row stays locked until commit.

    A rolled-back case rolls its number back too, so numbers are gap-free as well as unique.
    """
    try:
        sequence = CaseNumberSequence.objects.select_for_update().get(agency=agency, year=year)
    except CaseNumberSequence.DoesNotExist:
        try:
            with transaction.atomic():
                CaseNumberSequence.objects.create(agency=agency, year=year, last_value=0)
        except IntegrityError:
            pass  # another writer created this year's sequence first; lock theirs
        sequence = CaseNumberSequence.objects.select_for_update().get(agency=agency, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


def _handler_snapshots(users: Sequence[User], day: date) -> tuple[workflow.HandlerSnapshot, ...]:
    """STAFF-01 input: for each user, whether any of their certificates is valid on ``day``."""
    ids = [u.pk for u in users]
    certified: set[int] = set()
    for cert in Certificate.objects.filter(holder_id__in=ids, revoked=False):
        if cert.is_valid_on(day):
            certified.add(cert.holder_id)
    return tuple(
        workflow.HandlerSnapshot(user_id=u.pk, name=u.display_name, has_valid_certificate=u.pk in certified)
        for u in users
    )


def _current_handler_links(case: Case) -> list[CaseHandler]:
    return list(case.handler_links.filter(removed_at__isnull=True).select_related("user").order_by("assigned_at", "pk"))


def _snapshot(case: Case, day: date) -> workflow.CaseSnapshot:
    users = [link.user for link in _current_handler_links(case)]
    return workflow.CaseSnapshot(
        stage=case.stage,
        procedure=case.procedure,
        step=case.step,
        handlers=_handler_snapshots(users, day),
        archived=case.is_archived,
    )


def _check_handlers(agency: Agency, handlers: Sequence[User]) -> list[User]:
    """Handlers are distinct, active officers of the case's own agency."""
    seen: set[int] = set()
    unique: list[User] = []
    for user in handlers:
        if user.pk in seen:
            raise DomainError(ErrorCode.VALIDATION_ERROR, f"承办人“{user.display_name}”重复")
        seen.add(user.pk)
        if not (user.is_active and user.agency_id == agency.pk and user.has_role(Role.OFFICER)):
            raise DomainError(ErrorCode.VALIDATION_ERROR, f"“{user.display_name}”不是本机关的执法人员,不能担任承办人")
        unique.append(user)
    return unique


def _check_party_for(agency: Agency, party: Party) -> None:
    if party.agency_id != agency.pk:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"当事人“{party.name}”不是本机关登记的当事人")


def _lock_case(case: Case) -> Case:
    """Lock the case row and re-read it: checks run against the committed state, not a stale object."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_can_write(actor: User, case: Case) -> None:
    if not policies.can_work_in_agency(actor, case.agency_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "只有本机关人员可以办理本机关的案件")


@transaction.atomic
def case_open(
    *,
    actor: User,
    agency: Agency,
    unit: Unit,
    title: str,
    act_type: ActType | str,
    source: CaseSource | str,
    procedure: Procedure | str,
    summary: str = "",
    occurred_at: datetime | None = None,
    occurred_place: str = "",
    handlers: Sequence[User] = (),
    parties: Sequence[Party] = (),
) -> Case:
    """Open a case in 程序启动 with the next number of the agency's sequence for the local year.

    The first handler given is the lead (主办人).
    """
    require(policies.can_open_case(actor, agency.pk), ErrorCode.PERMISSION_DENIED, "只有本机关执法人员可以登记案件")
    require(unit.agency_id == agency.pk, ErrorCode.VALIDATION_ERROR, "承办机构不属于该机关")
    # GEN-01: every case carries one of the covered act types.
    require(act_type in ActType.values, ErrorCode.VALIDATION_ERROR, f"未知的执法行为类型:{act_type}")
    require(source in CaseSource.values, ErrorCode.VALIDATION_ERROR, f"未知的案件来源:{source}")
    require(procedure in Procedure.values, ErrorCode.VALIDATION_ERROR, f"未知的程序类型:{procedure}")
    title = _clean_text(title, field="案由", max_length=CASE_TITLE_MAX, required=True)
    occurred_place = _clean_text(
        occurred_place, field="案发地点", max_length=Case._meta.get_field("occurred_place").max_length
    )
    summary = (summary or "").strip()
    now = timezone.now()
    if occurred_at is not None:
        occurred_at = as_aware(occurred_at)
        require(occurred_at <= now, ErrorCode.VALIDATION_ERROR, "案发时间不能晚于当前时间")
    handlers = _check_handlers(agency, handlers)
    party_ids: set[int] = set()
    for party in parties:
        _check_party_for(agency, party)
        require(party.pk not in party_ids, ErrorCode.VALIDATION_ERROR, f"当事人“{party.name}”重复")
        party_ids.add(party.pk)

    year = local_today(now).year
    number = _next_case_number(agency, year)
    case = Case.objects.create(
        agency=agency,
        unit=unit,
        number=format_case_number(agency.case_number_prefix, year, number),
        sequence_year=year,
        sequence_no=number,
        title=title,
        act_type=ActType(act_type),
        source=CaseSource(source),
        procedure=Procedure(procedure),
        stage=Stage.PROGRAM_START,
        summary=summary,
        occurred_at=occurred_at,
        occurred_place=occurred_place,
        opened_at=now,
        opened_by=actor,
    )
    handler_links = [
        CaseHandler.objects.create(case=case, user=user, is_lead=position == 0, assigned_at=now)
        for position, user in enumerate(handlers)
    ]
    party_links = [CaseParty.objects.create(case=case, party=party, added_at=now) for party in parties]
    # Every row first, the ledger head (locked by the first append) last: the lock order stated above.
    ledger_record(action=LedgerAction.CASE_OPENED, actor=actor, obj=case)
    for link in handler_links:
        ledger_record(action=LedgerAction.CASE_HANDLERS_SET, actor=actor, obj=link)
    for party_link in party_links:
        ledger_record(action=LedgerAction.CASE_PARTY_ADDED, actor=actor, obj=party_link)
    return case


@transaction.atomic
def case_set_handlers(*, actor: User, case: Case, handlers: Sequence[User], lead: User) -> Case:
    """Make ``handlers`` the case's current handlers with ``lead`` as 主办人.

    Handlers no longer listed are stamped removed (the assignment stays on file); each row created or
    changed gets its own ledger entry. While the case is in investigation, STAFF-01 must still hold after.
    """
    _require_can_write(actor, case)
    case = _lock_case(case)
    require(not case.is_archived, ErrorCode.CASE_CLOSED)
    handlers = _check_handlers(case.agency, handlers)
    require(any(u.pk == lead.pk for u in handlers), ErrorCode.VALIDATION_ERROR, "主办人须为所指定的承办人之一")
    now = timezone.now()
    workflow.check_handler_change(_snapshot(case, local_today(now)), _handler_snapshots(handlers, local_today(now)))

    wanted = {u.pk: u for u in handlers}
    current = {link.user_id: link for link in _current_handler_links(case)}
    changed: list[CaseHandler] = []
    # Removals and lead demotions first, so the "one active lead" constraint never sees two leads.
    for user_id, link in current.items():
        if user_id not in wanted:
            link.removed_at = now
            link.save(update_fields=["removed_at"])
            changed.append(link)
        elif link.is_lead and user_id != lead.pk:
            link.is_lead = False
            link.save(update_fields=["is_lead"])
            changed.append(link)
    for user_id, user in wanted.items():
        link = current.get(user_id)
        if link is None:
            changed.append(
                CaseHandler.objects.create(case=case, user=user, is_lead=user_id == lead.pk, assigned_at=now)
            )
        elif user_id == lead.pk and not link.is_lead:
            link.is_lead = True
            link.save(update_fields=["is_lead"])
            changed.append(link)
    for link in changed:
        ledger_record(action=LedgerAction.CASE_HANDLERS_SET, actor=actor, obj=link)
    return case


@transaction.atomic
def case_add_party(*, actor: User, case: Case, party: Party) -> CaseParty:
    _require_can_write(actor, case)
    case = _lock_case(case)
    require(not case.is_archived, ErrorCode.CASE_CLOSED)
    _check_party_for(case.agency, party)
    if CaseParty.objects.filter(case=case, party=party).exists():
        raise DomainError(ErrorCode.DUPLICATE, f"当事人“{party.name}”已在本案中")
    link = CaseParty.objects.create(case=case, party=party)
    ledger_record(action=LedgerAction.CASE_PARTY_ADDED, actor=actor, obj=link)
    return link


def _actor_approver_roles(actor: User, case: Case) -> set[ApproverRole]:
    """The approver roles ``actor`` may act in for ``case``: heads of its own agency, or (上级部门) any head of the
    agency that supervises it."""
    roles: set[ApproverRole] = set()
    heads = {Role.UNIT_HEAD, Role.PRINCIPAL_HEAD, Role.LEADER_IN_CHARGE}
    if actor.agency_id == case.agency_id:
        for role in (ApproverRole.UNIT_HEAD, ApproverRole.PRINCIPAL_HEAD, ApproverRole.LEADER_IN_CHARGE):
            if actor.has_role(role.value):
                roles.add(role)
    elif actor.agency_id is not None and actor.agency_id == case.agency.supervising_agency_id:
        if actor.role_set() & heads:
            roles.add(ApproverRole.SUPERIOR_DEPT)
    return roles


@transaction.atomic
def case_transition(
    *, actor: User, case: Case, action: str, note: str = "", data: dict[str, Any] | None = None
) -> StageChange:
    """Take one step of the procedure (the only way a case moves; domain-notes §2).

    The lifecycle table (``workflow.ACTIONS``: order, procedure, STAFF-01) and then every blocking rule of the
    registry registered for ``action`` (approvals, mandatory records, waiting periods, thresholds) must pass on the
    locked case; a refusal writes nothing. The warning rules are re-evaluated afterwards, in the same transaction.
    """
    from quancheng.rules import services as rules

    _require_can_write(actor, case)
    case = _lock_case(case)
    note = _clean_text(note, field="说明", max_length=StageChange._meta.get_field("note").max_length)
    now = timezone.now()
    facts = rules.case_facts(case, now=now)
    snapshot = workflow.CaseSnapshot(
        stage=case.stage,
        procedure=case.procedure,
        step=case.step,
        handlers=tuple(
            workflow.HandlerSnapshot(user_id=h.user_id, name=h.name, has_valid_certificate=h.has_valid_certificate)
            for h in facts.handlers
        ),
        archived=case.is_archived,
    )
    lifecycle_action = workflow.check_transition(snapshot, action)
    facts = dataclasses.replace(facts, action=action, action_data=data or {})
    rules.check_blocking(facts, action, rules.params_for_agency(case.agency_id))

    target = lifecycle_action.target
    change = StageChange.objects.create(
        case=case,
        from_stage=case.stage,
        to_stage=workflow.STEP_STAGE[target],
        action=action,
        from_step=case.step,
        to_step=target,
        changed_at=now,
        changed_by=actor,
        note=note,
    )
    case.step = target
    case.stage = workflow.STEP_STAGE[target]
    case.save(update_fields=["step", "stage"])
    ledger_record(action=LedgerAction.CASE_STAGE_CHANGED, actor=actor, obj=change)
    ledger_record(action=LedgerAction.CASE_STAGE_CHANGED, actor=actor, obj=case)
    rules.findings_refresh(case=case, now=now)
    return change


@transaction.atomic
def case_mark_major(*, actor: User, case: Case, is_major: bool) -> Case:
    """Flag a case 复杂、重大 (REVIEW-03): it then needs the leader in charge's approval and a joint review."""
    _require_can_write(actor, case)
    case = _lock_case(case)
    require(not case.is_archived, ErrorCode.CASE_CLOSED)
    if case.is_major != is_major:
        case.is_major = is_major
        case.save(update_fields=["is_major"])
        ledger_record(action=LedgerAction.CASE_STAGE_CHANGED, actor=actor, obj=case)
    return case


# --- approvals (审批) -------------------------------------------------------------------------------------------

APPROVAL_REASON_MAX = 2000


def _approval_data(action: ApprovalAction, data: dict[str, Any], record: Record | None, case: Case) -> dict[str, Any]:
    from quancheng.rules.services import params_for_agency

    data = dict(data or {})
    if action == ApprovalAction.EXTEND_MEASURE:
        # EVID-13 / DEADLINE-04: once per measure, by at most the statutory number of days.
        require(
            record is not None and record.kind == "seizure_decision",
            ErrorCode.VALIDATION_ERROR,
            "延长期限须指明所延长的查封扣押决定书",
        )
        limit = int(params_for_agency(case.agency_id)["seizure_extension_max_days"])
        days = data.get("days")
        require(
            isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= limit,
            ErrorCode.VALIDATION_ERROR,
            f"查封、扣押、封存的延长期限应为1至{limit}日",
        )
        require(
            not Approval.objects.filter(case=case, action=action, record=record).exclude(status="rejected").exists(),
            ErrorCode.DUPLICATE,
            "查封、扣押、封存的期限只能延长一次",
        )
    elif action == ApprovalAction.FURTHER_EXTEND_DECISION_PERIOD:
        # DECIDE-14: the superior department approves a stated further period; the rule
        # further-extension-after-first checks, when it is granted, that the first extension came before.
        days = data.get("days")
        require(
            isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= MAX_FURTHER_EXTENSION_DAYS,
            ErrorCode.VALIDATION_ERROR,
            "请写明上级部门批准延长的日数",
        )
    elif action == ApprovalAction.EXTEND_DECISION_PERIOD:
        require(
            not Approval.objects.filter(case=case, action=action).exclude(status="rejected").exists(),
            ErrorCode.DUPLICATE,
            "办案期限经单位负责人批准只能延长一次,再次延长须报上级部门批准",
        )
    return data


# A further extension approved by the superior department has no statutory cap (DECIDE-14: 适当延长); a year is
# a typo guard, not law.
MAX_FURTHER_EXTENSION_DAYS = 366


@transaction.atomic
def approval_request(
    *,
    actor: User,
    case: Case,
    action: ApprovalAction | str,
    reason: str,
    record: Record | None = None,
    data: dict[str, Any] | None = None,
    emergency: bool = False,
) -> Approval:
    """Ask for an approval; the approver role comes from the rule (``workflow.APPROVER_ROLE``), not the asker."""
    _require_can_write(actor, case)
    case = _lock_case(case)
    require(not case.is_archived, ErrorCode.CASE_CLOSED)
    require(action in ApprovalAction.values, ErrorCode.VALIDATION_ERROR, f"未知的审批事项:{action}")
    action = ApprovalAction(action)
    reason = _clean_text(reason, field="申请理由", max_length=APPROVAL_REASON_MAX, required=True)
    if record is not None:
        require(record.case_id == case.pk, ErrorCode.VALIDATION_ERROR, "所涉记录不属于该案件")
    # EVID-04: only coercive and preservation measures may be asked for orally first in an emergency.
    require(
        not emergency or action == ApprovalAction.COERCIVE_MEASURE,
        ErrorCode.VALIDATION_ERROR,
        "只有登记保存、查封、扣押、封存可以紧急情况下事后补办批准手续",
    )
    data = _approval_data(action, data or {}, record, case)
    require(
        not Approval.objects.filter(case=case, action=action, record=record, status="pending").exists(),
        ErrorCode.DUPLICATE,
        f"该案件已有待审批的“{action.label}”申请",
    )
    approval = Approval.objects.create(
        case=case,
        action=action,
        approver_role=workflow.APPROVER_ROLE[action],
        reason=reason,
        record=record,
        data=data,
        emergency=emergency,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    ledger_record(action=LedgerAction.APPROVAL_REQUESTED, actor=actor, obj=approval)
    return approval


@transaction.atomic
def approval_decide(*, actor: User, approval: Approval, approve: bool, comment: str = "") -> Approval:
    """The approver's decision, comment and time, appended to the ledger; decided once."""
    from quancheng.rules import services as rules

    approval = Approval.objects.select_for_update().select_related("case__agency").get(pk=approval.pk)
    case = _lock_case(approval.case)
    require(not case.is_archived, ErrorCode.CASE_CLOSED)
    role = ApproverRole(approval.approver_role)
    if role not in _actor_approver_roles(actor, case):
        raise DomainError(ErrorCode.PERMISSION_DENIED, f"“{approval.get_action_display()}”须由{role.label}审批")
    require(approval.status == ApprovalStatus.PENDING, ErrorCode.APPROVAL_DECIDED)
    require(actor.pk != approval.requested_by_id, ErrorCode.PERMISSION_DENIED, "审批人不得审批本人提出的申请")
    comment = _clean_text(comment, field="审批意见", max_length=APPROVAL_REASON_MAX, required=not approve)
    now = timezone.now()
    if approve:
        # The registry's rules for granting this kind of approval (DECIDE-13/14, EVID-13: extensions in time).
        from quancheng.rules.registry import on_approve
        from quancheng.rules.snapshot import approval_fact

        facts = dataclasses.replace(rules.case_facts(case, now=now), deciding=approval_fact(approval))
        rules.check_blocking(facts, on_approve(approval.action), rules.params_for_agency(case.agency_id))
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    approval.decided_by = actor
    approval.decided_at = now
    approval.comment = comment
    approval.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    ledger_record(action=LedgerAction.APPROVAL_DECIDED, actor=actor, obj=approval)
    rules.findings_refresh(case=case, now=now)
    return approval


# --- exports (案卷包) -----------------------------------------------------------------------------------


@transaction.atomic
def case_export_record(*, actor: User | None, case: Case, reason: str, inventory_sha256: str = "") -> CaseExport:
    """Record that ``case`` is exported as a bundle: by whom, when and why, in the ledger in the same transaction.

    ``actor`` is the user the bundle goes to (anyone who may see the case, the party included — ACCESS-04), or
    None for the operator's command line (ledger actor ``system``). The reason is required: a case file leaves
    the system only for a stated purpose. ``inventory_sha256``: the digest of the bundle's list of items.
    """
    require(
        inventory_sha256 == "" or SHA256_HEX.fullmatch(inventory_sha256) is not None,
        ErrorCode.VALIDATION_ERROR,
        "清单摘要应为64位小写十六进制 SHA-256",
    )
    if actor is not None:
        selectors.case_get_for(actor, case.pk)  # NOT_FOUND for a case the actor may not see
    reason = _clean_text(reason, field="导出事由", max_length=EXPORT_REASON_MAX, required=True)
    case = _lock_case(case)
    export = CaseExport.objects.create(
        case=case, actor=actor, reason=reason, exported_at=timezone.now(), inventory_sha256=inventory_sha256
    )
    ledger_record(action=LedgerAction.CASE_EXPORTED, actor=actor, obj=export)
    return export


@transaction.atomic
def case_export_complete(*, export: CaseExport, bundle_sha256: str) -> CaseExport:
    """Once the bundle is written: keep its SHA-256 on the export row and anchor it (``digests["bundle"]``), so
    whoever holds a bundle can show it is exactly the one handed out."""
    require(
        isinstance(bundle_sha256, str) and SHA256_HEX.fullmatch(bundle_sha256) is not None,
        ErrorCode.VALIDATION_ERROR,
        "案卷包摘要应为64位小写十六进制 SHA-256",
    )
    export = CaseExport.objects.select_for_update().get(pk=export.pk)
    require(not export.bundle_sha256, ErrorCode.DUPLICATE, "该次导出的案卷包摘要已登记")
    export.bundle_sha256 = bundle_sha256
    export.save(update_fields=["bundle_sha256"])
    ledger_record(
        action=LedgerAction.CASE_EXPORTED, actor=export.actor, obj=export, extra_digests={"bundle": bundle_sha256}
    )
    return export
