"""Back office for the working-day calendar: list, add and correct days (in Chinese); never delete.

Saves go through ``rules.services.calendar_day_save`` so each reaches the ledger. A day's date is its identity:
it is fixed once saved (a wrong date is corrected by saving the right date and re-saving the wrong one).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from quancheng.accounts import policies
from quancheng.accounts.admin import AgencyStaffViewMixin
from quancheng.core.errors import DomainError

from . import services
from .models import SOURCE_ADMIN, AgencyParameter, CalendarDay, Finding


class CalendarDayForm(ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]

    def clean_name(self) -> str:
        return (self.cleaned_data.get("name") or "").strip()


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ["date", "kind", "name", "source", "created_at", "created_by"]
    list_filter = ["kind", "source"]
    search_fields = ["name", "date"]
    date_hierarchy = "date"
    ordering = ["date"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["date", "kind", "name"]
        return ["date", "kind", "name", "source", "created_at", "created_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["date", "source", "created_at", "created_by"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: ModelForm, change: bool) -> None:
        try:
            saved = services.calendar_day_save(
                actor=request.user, day=obj.date, kind=obj.kind, name=obj.name, source=SOURCE_ADMIN
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            raise ValidationError(exc.message) from exc
        # The admin redirects to and reports on ``obj``: point it at the row the service wrote.
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(Finding)
class FindingAdmin(AgencyStaffViewMixin, admin.ModelAdmin):
    """合规提示: read only; waiving one needs a reason, so it is done through the API (POST /findings/{id}/waive)."""

    list_display = ["case", "requirement", "level", "message", "raised_at", "status"]
    list_filter = ["status", "level", "requirement"]
    search_fields = ["case__number", "message"]
    list_select_related = ["case"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Finding]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(policies.agency_scope(request.user, "case__agency"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AgencyParameter)
class AgencyParameterAdmin(admin.ModelAdmin):
    """规则参数的历史:每次设置一行(SUPERVISE-09),经 PUT /api/v1/rules/parameters/{key} 设置。"""

    list_display = ["agency", "key", "value", "reason", "set_by", "set_at"]
    list_filter = ["key"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgencyParameter]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(policies.agency_scope(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
