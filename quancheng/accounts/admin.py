"""Back office (Django admin, in Chinese) for agencies, units, people, roles and certificates.

Every save goes through ``accounts.services`` so it reaches the ledger; nothing can be deleted here —
people leave by being deactivated, roles and certificates by being revoked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest

from quancheng.core.errors import DomainError

from . import services
from .models import Agency, ApiToken, Certificate, RoleAssignment, Unit, User


class NoDeleteMixin:
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class LedgeredAdmin(NoDeleteMixin, admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        services.backoffice_save(actor=request.user, obj=obj)


@admin.register(Agency)
class AgencyAdmin(LedgeredAdmin):
    list_display = ["name", "short_name", "case_number_prefix", "supervising_agency"]
    search_fields = ["name", "short_name"]


@admin.register(Unit)
class UnitAdmin(LedgeredAdmin):
    list_display = ["name", "agency"]
    list_filter = ["agency"]
    search_fields = ["name"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    fields = ["role", "granted_at", "revoked_at"]
    readonly_fields = ["granted_at", "revoked_at"]
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a grant is never edited; revoke it with the list action instead


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0
    fields = ["number", "issuer", "scope", "valid_from", "valid_to", "revoked", "revoked_reason"]
    can_delete = False


@admin.register(User)
class UserAdmin(NoDeleteMixin, DjangoUserAdmin):
    list_display = ["username", "full_name", "agency", "unit", "is_active", "roles_display"]
    list_filter = ["agency", "is_active", "role_assignments__role"]
    search_fields = ["username", "full_name"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("人员信息", {"fields": ("full_name", "agency", "unit", "phone")}),
        ("状态与权限", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("人员信息", {"fields": ("full_name", "agency", "unit", "phone")}),
    )
    inlines = [RoleAssignmentInline, CertificateInline]
    actions = ["revoke_all_roles"]

    @admin.display(description="角色")
    def roles_display(self, obj: User) -> str:
        return "、".join(a.get_role_display() for a in obj.role_assignments.all() if a.revoked_at is None)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("role_assignments")

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        services.backoffice_save(actor=request.user, obj=obj)

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: BaseModelFormSet, change: bool) -> None:
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.is_valid():
                continue
            instance = inline_form.instance
            try:
                if isinstance(instance, RoleAssignment) and instance.pk is None:
                    services.role_grant(actor=request.user, user=form.instance, role=instance.role)
                elif isinstance(instance, Certificate):
                    instance.holder = form.instance
                    services.backoffice_save(actor=request.user, obj=instance)
            except DomainError as exc:
                messages.error(request, exc.message)

    @admin.action(description="撤销所选人员的全部角色")
    def revoke_all_roles(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for assignment in RoleAssignment.objects.filter(user__in=queryset, revoked_at__isnull=True):
            services.role_revoke(actor=request.user, assignment=assignment)


@admin.register(Certificate)
class CertificateAdmin(LedgeredAdmin):
    list_display = ["number", "holder", "issuer", "valid_from", "valid_to", "revoked"]
    list_filter = ["revoked", "holder__agency"]
    search_fields = ["number", "holder__full_name", "holder__username"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["user", "role", "granted_at", "revoked_at"]
    list_filter = ["role", "user__agency"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # roles are granted on the person's page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="撤销所选角色")
    def revoke(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        for assignment in queryset.filter(revoked_at__isnull=True):
            services.role_revoke(actor=request.user, assignment=assignment)


@admin.register(ApiToken)
class ApiTokenAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created with `quancheng token create USERNAME`, which shows the secret once

    @admin.action(description="吊销所选令牌")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            services.token_revoke(actor=request.user, token=token)
