"""Reads of the procedure's state as the rules see it: what a case may do next and why not, its deadlines, its
findings, the parameters in force."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import QuerySet

from quancheng.accounts import policies
from quancheng.accounts.models import User
from quancheng.cases import workflow
from quancheng.cases.models import Case
from quancheng.core.errors import DomainError, ErrorCode

from . import deadlines
from .models import AgencyParameter, Finding
from .parameters import PARAMETERS
from .registry import Severity, evaluate, rules_for
from .services import params_for_agency, rule_params
from .snapshot import case_facts


def case_action_checks(case: Case) -> list[dict[str, Any]]:
    """Each lifecycle action the case's step allows, with the blocking rules that would refuse it now."""
    facts = case_facts(case)
    params = params_for_agency(case.agency_id)
    result = []
    for action in workflow.available_actions(case.step, case.procedure):
        probe = dataclasses.replace(facts, action=action.code)
        problems = [
            {"rule": f.rule.code, "requirement": f.rule.requirement, "message": f.violation.message}
            for f in evaluate(
                probe,
                rules_for(action.code, Severity.BLOCKING),
                rule_params(params),
            )
        ]
        result.append(
            {
                "action": action.code,
                "label": action.label,
                "target_step": action.target,
                "allowed": not problems,
                "problems": problems,
            }
        )
    return result


def case_deadline_list(case: Case) -> list[dict[str, Any]]:
    """The case's deadlines with days remaining and their warning level (DEADLINE-*)."""
    facts = case_facts(case)
    params = params_for_agency(case.agency_id)
    warning_days = int(params["deadline_warning_days"])
    return [
        {
            "code": d.code,
            "requirement": d.requirement,
            "label": d.label,
            "subject": d.subject,
            "start": d.start,
            "due": d.due,
            "period": d.period,
            "status": d.status,
            "remaining_days": d.remaining_days(facts.today),
            "level": d.level(facts.today, warning_days) if not d.waiting else "",
            "provisional": d.provisional,
            "extended_days": d.extended_days,
            "met_on": d.met_on,
            "waiting": d.waiting,
        }
        for d in deadlines.case_deadlines(facts, params)
    ]


def case_findings(case: Case, *, status: str | None = None) -> QuerySet[Finding]:
    rows = Finding.objects.filter(case=case).order_by("raised_at", "pk")
    return rows.filter(status=status) if status else rows


def finding_get_for(user: User, finding_id: int) -> Finding:
    finding = (
        Finding.objects.filter(policies.agency_scope(user, "case__agency"), pk=finding_id)
        .select_related("case")
        .first()
    )
    if finding is None:
        raise DomainError(ErrorCode.NOT_FOUND, "合规提示不存在或无权查看")
    return finding


def parameters_for(user: User) -> list[dict[str, Any]]:
    """The parameters in force for the user's agency, with the national default and the seed's value."""
    if user.agency_id is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "只有行政机关人员可以查看规则参数")
    values = params_for_agency(user.agency_id)
    latest = {row.key: row for row in AgencyParameter.objects.filter(agency_id=user.agency_id).order_by("set_at", "pk")}
    return [
        {
            "key": key,
            "label": spec.label,
            "value": values[key],
            "default": spec.default,
            "seed": spec.seed,
            "basis": spec.basis,
            "requirements": list(spec.requirements),
            "set_at": latest[key].set_at if key in latest else None,
            "reason": latest[key].reason if key in latest else "",
        }
        for key, spec in PARAMETERS.items()
    ]
