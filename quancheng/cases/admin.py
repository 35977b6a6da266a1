"""Back office views of cases and parties: read only.

Every change to these rows must go through ``cases.services`` so it lands in the ledger; the admin therefore
never adds, changes or deletes them (a row edited here would fail ``quancheng verify``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from quancheng.accounts.admin import AgencyScopedMixin, AgencyStaffViewMixin
from quancheng.core.errors import DomainError

from . import services
from .models import Approval, Case, CaseHandler, CaseNumberSequence, CaseParty, Party, StageChange


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
    fields = ("action", "from_step", "to_step", "to_stage", "changed_at", "changed_by", "note")
    readonly_fields = fields
    extra = 0


class ApprovalInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Approval
    fields = ("action", "approver_role", "reason", "requested_by", "requested_at", "status", "decided_by", "comment")
    readonly_fields = fields
    extra = 0


LEVEL_COLOURS = {"red": "#c0392b", "yellow": "#b7950b"}


@admin.register(Case)
class CaseAdmin(AgencyStaffViewMixin, AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "agency"
    list_display = ("number", "title", "agency", "unit", "act_type", "procedure", "stage", "step", "opened_at")
    list_filter = ("stage", "step", "is_major", "act_type", "procedure", "source", "agency")
    search_fields = ("number", "title")
    date_hierarchy = "opened_at"
    list_select_related = ("agency", "unit")
    inlines = (CaseHandlerInline, CasePartyInline, StageChangeInline, ApprovalInline)
    readonly_fields = ("deadlines", "open_findings")

    @admin.display(description="期限")
    def deadlines(self, obj: Case) -> str:
        """DEADLINE-*: each running deadline with its due date and the days left, red when overdue."""
        from quancheng.rules.selectors import case_deadline_list

        rows = case_deadline_list(obj)
        if not rows:
            return "—"
        return format_html(
            "<table><tr><th>期限</th><th>依据</th><th>届满日</th><th>剩余</th><th>状态</th></tr>{}</table>",
            format_html_join(
                "",
                '<tr style="color:{}"><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        LEVEL_COLOURS.get(d["level"], "inherit"),
                        d["label"],
                        d["requirement"],
                        d["due"].isoformat(),
                        "(暂定)" if d["provisional"] else "",
                        f"{d['remaining_days']}日",
                        d["status"],
                    )
                    for d in rows
                ),
            ),
        )

    @admin.display(description="未处理的合规提示")
    def open_findings(self, obj: Case) -> str:
        findings = obj.findings.filter(status="open").order_by("raised_at")
        if not findings:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li style="color:{}">[{}] {}</li>',
                ((LEVEL_COLOURS.get(f.level, "inherit"), f.requirement, f.message) for f in findings),
            ),
        )


@admin.register(Approval)
class ApprovalAdmin(AgencyStaffViewMixin, AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """审批: the approver approves or rejects from the list; the decision goes through ``approval_decide``."""

    agency_field = "case__agency"
    list_display = ("case", "action", "approver_role", "requested_by", "requested_at", "status", "decided_by")
    list_filter = ("status", "action", "approver_role")
    search_fields = ("case__number", "reason")
    list_select_related = ("case", "requested_by", "decided_by")
    actions = ("approve_selected",)

    @admin.action(description="批准所选审批")
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Approval]) -> None:
        for approval in queryset:
            try:
                services.approval_decide(actor=request.user, approval=approval, approve=True, comment="同意")
            except DomainError as exc:
                self.message_user(request, f"{approval}:{exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{approval.case}:已批准“{approval.get_action_display()}”")


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
