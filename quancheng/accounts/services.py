"""Writes for agencies, units, people, roles, certificates and API tokens; each appends to the ledger."""

from __future__ import annotations

import secrets
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record

from .auth import TOKEN_PREFIX, hash_token
from .models import Agency, ApiToken, Certificate, Role, RoleAssignment, Unit, User


@transaction.atomic
def agency_create(
    *,
    actor: User | None,
    name: str,
    case_number_prefix: str,
    short_name: str = "",
    supervising_agency: Agency | None = None,
    address: str = "",
) -> Agency:
    if Agency.objects.filter(name=name).exists():
        raise DomainError(ErrorCode.DUPLICATE, f"机关“{name}”已存在")
    agency = Agency.objects.create(
        name=name,
        short_name=short_name,
        case_number_prefix=case_number_prefix,
        supervising_agency=supervising_agency,
        address=address,
    )
    ledger_record(action=LedgerAction.AGENCY_SAVED, actor=actor, obj=agency)
    return agency


@transaction.atomic
def unit_create(*, actor: User | None, agency: Agency, name: str) -> Unit:
    if Unit.objects.filter(agency=agency, name=name).exists():
        raise DomainError(ErrorCode.DUPLICATE, f"内设机构“{name}”已存在")
    unit = Unit.objects.create(agency=agency, name=name)
    ledger_record(action=LedgerAction.UNIT_SAVED, actor=actor, obj=unit)
    return unit


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    agency: Agency | None,
    unit: Unit | None = None,
    password: str | None = None,
    roles: list[Role] | tuple[Role, ...] = (),
    phone: str = "",
    email: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    if User.objects.filter(username=username).exists():
        raise DomainError(ErrorCode.DUPLICATE, f"用户名“{username}”已存在")
    if unit is not None and agency is not None and unit.agency_id != agency.pk:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "内设机构不属于该机关")
    user = User(
        username=username,
        full_name=full_name,
        agency=agency,
        unit=unit,
        phone=phone,
        email=email,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    ledger_record(action=LedgerAction.USER_SAVED, actor=actor, obj=user)
    for role in roles:
        role_grant(actor=actor, user=user, role=role)
    return user


@transaction.atomic
def role_grant(*, actor: User | None, user: User, role: Role | str) -> RoleAssignment:
    if role not in Role.values:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"未知角色:{role}")
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(user=user, role=str(role))
    except IntegrityError as exc:
        raise DomainError(ErrorCode.DUPLICATE, "该人员已有此角色") from exc
    user._role_cache = None
    ledger_record(action=LedgerAction.ROLE_GRANTED, actor=actor, obj=assignment)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User | None, assignment: RoleAssignment) -> RoleAssignment:
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.revoked_at is None:
        assignment.revoked_at = timezone.now()
        assignment.save(update_fields=["revoked_at"])
        ledger_record(action=LedgerAction.ROLE_REVOKED, actor=actor, obj=assignment)
    assignment.user._role_cache = None
    return assignment


_BACKOFFICE_ACTIONS: dict[type, LedgerAction] = {
    Agency: LedgerAction.AGENCY_SAVED,
    Unit: LedgerAction.UNIT_SAVED,
    User: LedgerAction.USER_SAVED,
    Certificate: LedgerAction.CERTIFICATE_SAVED,
}


@transaction.atomic
def backoffice_save(*, actor: User | None, obj: Agency | Unit | User | Certificate) -> None:
    """Save an agency, unit, person or certificate edited in the back office, and ledger the new state.

    The admin forms have already validated the fields; this is the one place their changes are written.
    """
    action = _BACKOFFICE_ACTIONS.get(type(obj))
    if action is None:
        raise TypeError(f"backoffice_save does not handle {type(obj).__name__}")
    if isinstance(obj, Certificate) and obj.valid_to < obj.valid_from:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "执法证有效期止不能早于有效期起")
    obj.save()
    ledger_record(action=action, actor=actor, obj=obj)


@transaction.atomic
def certificate_issue(
    *,
    actor: User | None,
    holder: User,
    number: str,
    issuer: str,
    valid_from: date,
    valid_to: date,
    scope: str = "",
) -> Certificate:
    if valid_to < valid_from:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "执法证有效期止不能早于有效期起")
    if Certificate.objects.filter(number=number).exists():
        raise DomainError(ErrorCode.DUPLICATE, f"执法证编号“{number}”已存在")
    certificate = Certificate.objects.create(
        holder=holder, number=number, issuer=issuer, scope=scope, valid_from=valid_from, valid_to=valid_to
    )
    ledger_record(action=LedgerAction.CERTIFICATE_SAVED, actor=actor, obj=certificate)
    return certificate


@transaction.atomic
def certificate_revoke(*, actor: User | None, certificate: Certificate, reason: str) -> Certificate:
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked:
        raise DomainError(ErrorCode.DUPLICATE, "执法证已注销")
    certificate.revoked = True
    certificate.revoked_reason = reason
    certificate.save(update_fields=["revoked", "revoked_reason"])
    ledger_record(action=LedgerAction.CERTIFICATE_REVOKED, actor=actor, obj=certificate)
    return certificate


@transaction.atomic
def token_create(*, actor: User | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with its secret; only the secret's SHA-256 is kept."""
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, token_hash=hash_token(secret))
    ledger_record(action=LedgerAction.TOKEN_CREATED, actor=actor, obj=token)
    return token, secret


@transaction.atomic
def token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        ledger_record(action=LedgerAction.TOKEN_REVOKED, actor=actor, obj=token)
    return token
