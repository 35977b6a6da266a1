"""Back office views of cases and parties: read only.

Every change to these rows must go through ``cases.services`` so it lands in the ledger; the admin therefore
never adds, changes or deletes them (a row edited here would fail ``quancheng verify``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from quancheng.accounts.admin import AgencyScopedMixin

from .models import Case, CaseHandler, CaseNumberSequence, CaseParty, Party, StageChange


class ReadOnlyAdminMixin:
    """No add, change or delete: the admin may look, only services write."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseHandlerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseHandler
    fields = ("user", "is_lead", "assigned_at", "removed_at")
    readonly_fields = fields
    extra = 0


class CasePartyInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseParty
    fields = ("party", "added_at")
    readonly_fields = fields
    extra = 0


class StageChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StageChange
    fields = ("from_stage", "to_stage", "changed_at", "changed_by", "note")
    readonly_fields = fields
    extra = 0


@admin.register(Case)
class CaseAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "agency"
    list_display = ("number", "title", "agency", "unit", "act_type", "procedure", "stage", "opened_at")
    list_filter = ("stage", "act_type", "procedure", "source", "agency")
    search_fields = ("number", "title")
    date_hierarchy = "opened_at"
    list_select_related = ("agency", "unit")
    inlines = (CaseHandlerInline, CasePartyInline, StageChangeInline)


@admin.register(Party)
class PartyAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "agency"
    list_display = ("name", "kind", "id_number", "legal_representative", "agency", "created_at")
    list_filter = ("kind", "agency")
    search_fields = ("name", "id_number")
    list_select_related = ("agency",)


@admin.register(StageChange)
class StageChangeAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "case__agency"
    list_display = ("case", "from_stage", "to_stage", "changed_at", "changed_by")
    list_filter = ("to_stage",)
    search_fields = ("case__number",)
    list_select_related = ("case", "changed_by")


@admin.register(CaseNumberSequence)
class CaseNumberSequenceAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "agency"
    list_display = ("agency", "year", "last_value")
    list_filter = ("year",)
