"""Agencies (行政执法机关), their units, people, roles and 执法证 certificates."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone

from quancheng.ledger.models import Ledgered


class Role(models.TextChoices):
    OFFICER = "officer", "执法人员"
    LEGAL_REVIEWER = "legal_reviewer", "法制审核人员"
    UNIT_HEAD = "unit_head", "单位负责人"
    PRINCIPAL_HEAD = "principal_head", "单位主要负责人"
    LEADER_IN_CHARGE = "leader_in_charge", "分管领导"
    ARCHIVIST = "archivist", "档案管理员"
    SUPERVISOR = "supervisor", "监督人员"
    ADMIN = "admin", "系统管理员"
    # ACCESS-04: a party's own login, belonging to no agency; it reads the cases it is a party to, nothing else.
    PARTY = "party", "当事人"


class Agency(Ledgered):
    ledger_kind = "agency"

    name = models.CharField("机关名称", max_length=128, unique=True)
    short_name = models.CharField("简称", max_length=32, blank=True)
    case_number_prefix = models.CharField(
        "立案编号前缀", max_length=32, help_text="例如 示市监立,编号形如 示市监立〔2026〕12号"
    )
    supervising_agency = models.ForeignKey(
        "self",
        verbose_name="监督机关",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_agencies",
    )
    address = models.CharField("地址", max_length=256, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "行政执法机关"
        verbose_name_plural = "行政执法机关"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(Ledgered):
    ledger_kind = "unit"

    agency = models.ForeignKey(Agency, verbose_name="所属机关", on_delete=models.PROTECT, related_name="units")
    name = models.CharField("内设机构名称", max_length=128)

    class Meta:
        verbose_name = "内设机构"
        verbose_name_plural = "内设机构"
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name_per_agency")]
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return f"{self.agency.short_name or self.agency.name} {self.name}"


class UserManager(DjangoUserManager):
    """``createsuperuser`` goes through ``accounts.services`` too, so the new account is in the ledger."""

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: object
    ) -> User:
        from .services import user_create  # services import this module; resolved at call time

        return user_create(
            actor=None,
            username=username,
            full_name=str(extra_fields.get("full_name") or ""),
            agency=None,
            password=password,
            email=email or "",
            roles=(Role.ADMIN,),
            is_staff=True,
            is_superuser=True,
        )


class User(AbstractUser, Ledgered):
    ledger_kind = "user"
    # Login bookkeeping and password hashes change outside domain actions; they are not record state.
    ledger_exclude: ClassVar[frozenset[str]] = frozenset({"last_login", "password"})

    full_name = models.CharField("姓名", max_length=64, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name="所属机关", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="内设机构", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    phone = models.CharField("联系电话", max_length=32, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def role_set(self) -> frozenset[str]:
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(self.role_assignments.filter(revoked_at__isnull=True).values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_set()


class RoleAssignment(Ledgered):
    ledger_kind = "role"

    user = models.ForeignKey(User, verbose_name="人员", on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField("授予时间", default=timezone.now)
    # A revoked role stays on file (nothing is deleted); only one active grant per role.
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(revoked_at__isnull=True), name="role_unique_active_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class Certificate(Ledgered):
    """行政执法证 — an officer may act in an investigation only on days it is valid (STAFF-01)."""

    ledger_kind = "certificate"

    holder = models.ForeignKey(User, verbose_name="持证人", on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField("证件编号", max_length=64, unique=True)
    issuer = models.CharField("发证机关", max_length=128)
    scope = models.CharField("执法区域/范围", max_length=256, blank=True)
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期止")
    revoked = models.BooleanField("已注销/暂扣", default=False)
    revoked_reason = models.CharField("注销原因", max_length=256, blank=True)

    class Meta:
        verbose_name = "执法证"
        verbose_name_plural = "执法证"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")), name="certificate_valid_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}({self.holder})"

    def is_valid_on(self, day: date) -> bool:
        return not self.revoked and self.valid_from <= day <= self.valid_to


class ApiToken(Ledgered):
    """A per-user API token; only its SHA-256 is stored, the secret is shown once."""

    ledger_kind = "token"
    ledger_exclude: ClassVar[frozenset[str]] = frozenset({"last_used_at"})

    user = models.ForeignKey(User, verbose_name="人员", on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField("用途", max_length=64, blank=True)
    prefix = models.CharField("前缀", max_length=16, unique=True)
    token_hash = models.CharField("令牌摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "访问令牌"
        verbose_name_plural = "访问令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
