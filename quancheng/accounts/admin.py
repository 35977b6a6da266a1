"""Back office (Django admin, in Chinese) for agencies, units, people, roles and certificates.

Every save goes through ``accounts.services`` so it reaches the ledger; nothing can be deleted here —
people leave by being deactivated, roles and certificates by being revoked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest

from quancheng.core.errors import DomainError

from . import policies, services
from .models import Agency, ApiToken, Certificate, RoleAssignment, Unit, User


class NoDeleteMixin:
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class AgencyScopedMixin:
    """Staff other than superusers see only the agencies they may see (their own, or those they supervise),
    and can pick only from those in foreign-key fields."""

    agency_field = "agency"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return queryset
        return queryset.filter(policies.agency_scope(request.user, self.agency_field))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            visible = policies.visible_agency_ids(request.user)
            related = db_field.related_model
            if related is Agency:
                kwargs["queryset"] = Agency.objects.filter(pk__in=visible)
            elif related in (Unit, User):
                kwargs["queryset"] = related.objects.filter(agency__in=visible)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class LedgeredAdmin(AgencyScopedMixin, NoDeleteMixin, admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        services.backoffice_save(actor=request.user, obj=obj)


@admin.register(Agency)
class AgencyAdmin(LedgeredAdmin):
    agency_field = "pk"

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
class UserAdmin(AgencyScopedMixin, NoDeleteMixin, DjangoUserAdmin):
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


class CertificateForm(ModelForm):
    class Meta:
        model = Certificate
        fields = ["holder", "number", "issuer", "scope", "valid_from", "valid_to", "revoked", "revoked_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        was_revoked = bool(self.instance.pk) and Certificate.objects.filter(pk=self.instance.pk, revoked=True).exists()
        if was_revoked and not data.get("revoked"):
            raise ValidationError("已注销的执法证不能恢复,请重新登记新证")
        if data.get("revoked") and not was_revoked and not (data.get("revoked_reason") or "").strip():
            raise ValidationError("注销执法证须填写注销原因")
        return data


@admin.register(Certificate)
class CertificateAdmin(LedgeredAdmin):
    form = CertificateForm
    agency_field = "holder__agency"
    list_display = ["number", "holder", "issuer", "valid_from", "valid_to", "revoked"]
    list_filter = ["revoked", "holder__agency"]
    search_fields = ["number", "holder__full_name", "holder__username"]

    def save_model(self, request: HttpRequest, obj: Certificate, form: ModelForm, change: bool) -> None:
        # Revoking is its own ledgered action with its reason; any other edit is a plain save.
        newly_revoked = change and obj.revoked and not Certificate.objects.get(pk=obj.pk).revoked
        if newly_revoked:
            reason = obj.revoked_reason
            obj.revoked, obj.revoked_reason = False, ""
            services.backoffice_save(actor=request.user, obj=obj)
            services.certificate_revoke(actor=request.user, certificate=obj, reason=reason)
        else:
            services.backoffice_save(actor=request.user, obj=obj)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AgencyScopedMixin, NoDeleteMixin, admin.ModelAdmin):
    agency_field = "user__agency"

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
class ApiTokenAdmin(AgencyScopedMixin, NoDeleteMixin, admin.ModelAdmin):
    agency_field = "user__agency"

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


class AgencyStaffViewMixin:
    """Staff of an agency (heads, officers, reviewers, supervisors with back-office access) may view these lists
    without per-model Django permissions; what they see is still limited by ``AgencyScopedMixin``, and what they
    change goes through services that check roles (e.g. only the approver the rule names may approve)."""

    def _agency_staff(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and policies.visible_agency_ids(user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._agency_staff(request) or super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._agency_staff(request) or super().has_module_permission(request)  # type: ignore[misc]
