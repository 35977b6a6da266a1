"""Back office for the working-day calendar: list, add and correct days (in Chinese); never delete.

Saves go through ``rules.services.calendar_day_save`` so each reaches the ledger. A day's date is its identity:
it is fixed once saved (a wrong date is corrected by saving the right date and re-saving the wrong one).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from quancheng.core.errors import DomainError

from . import services
from .models import SOURCE_ADMIN, CalendarDay


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
