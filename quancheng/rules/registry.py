"""The compliance rule registry: each rule names the requirement ids it enforces, a severity, the parameters it
reads, when it runs, and a pure check over a ``CaseFacts`` snapshot. Pure: no database.

- A **blocking** rule runs before a lifecycle action (or before sealing a record of a kind) and refuses it:
  the service raises ``RuleViolation`` (HTTP 409 with ``code``, ``message``, ``rule``, ``requirement``,
  ``quote``) and writes nothing.
- A **warning** rule produces findings that stay on the case until resolved (the check no longer reports them)
  or waived with a recorded reason. Warning rules run after each write to a case and in the periodic sweep.

Rules are registered by importing ``quancheng.rules.checks``; ``all_rules()`` does that for you.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from quancheng.core.errors import DomainError, ErrorCode

from .facts import CaseFacts


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


# ``Rule.on`` values besides lifecycle action codes: sealing a record (``seal:<kind code>``) and the sweep.
ON_SWEEP = "sweep"


def on_seal(kind: str) -> str:
    return f"seal:{kind}"


def on_approve(action: str) -> str:
    """Granting an approval of ``action`` (``cases.ApprovalAction``): e.g. an extension only before the term ends."""
    return f"approve:{action}"


@dataclass(frozen=True)
class Violation:
    """One thing a check found wrong. ``subject`` tells apart several findings of one rule on one case
    (a record id, a deadline code); ``level`` is ``yellow``/``red`` for deadline warnings."""

    message: str
    subject: str = ""
    level: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


Check = Callable[[CaseFacts, Mapping[str, Any]], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    requirements: tuple[str, ...]
    severity: Severity
    check: Check
    # Lifecycle action codes (``cases.workflow``), ``seal:<kind>``, ``approve:<approval action>`` and/or ``sweep``:
    # when this rule is evaluated.
    on: frozenset[str]
    # Names of ``rules.parameters.PARAMETERS`` the check reads (its ``params`` mapping holds exactly these).
    params: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        return self.requirements[0]


_REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    *,
    title: str,
    requirements: Iterable[str],
    severity: Severity,
    on: Iterable[str],
    params: Iterable[str] = (),
) -> Callable[[Check], Check]:
    """Register the decorated check as a rule."""

    def register(check: Check) -> Check:
        if code in _REGISTRY:
            raise ValueError(f"rule {code!r} registered twice")
        reqs = tuple(requirements)
        if not reqs:
            raise ValueError(f"rule {code!r} cites no requirement")
        _REGISTRY[code] = Rule(
            code=code,
            title=title,
            requirements=reqs,
            severity=severity,
            check=check,
            on=frozenset(on),
            params=tuple(params),
        )
        return check

    return register


@cache
def _load() -> None:
    importlib.import_module("quancheng.rules.checks")


def all_rules() -> tuple[Rule, ...]:
    _load()
    return tuple(_REGISTRY.values())


def get_rule(code: str) -> Rule:
    _load()
    return _REGISTRY[code]


@cache
def rules_for(event: str, severity: Severity | None = None) -> tuple[Rule, ...]:
    """The rules evaluated at ``event`` (cached: the registry is fixed once ``checks`` is imported)."""
    return tuple(r for r in all_rules() if event in r.on and (severity is None or r.severity == severity))


@dataclass(frozen=True)
class Finding:
    """A violation of one rule (what ``evaluate`` returns)."""

    rule: Rule
    violation: Violation

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule.code, self.violation.subject)


def evaluate(facts: CaseFacts, rules: Iterable[Rule], params: Callable[[Rule], Mapping[str, Any]]) -> Iterator[Finding]:
    """Run ``rules`` over ``facts``; ``params(rule)`` gives the rule's parameter values for the case's agency."""
    for r in rules:
        for violation in r.check(facts, params(r)):
            yield Finding(r, violation)


class RuleViolation(DomainError):
    """A blocking rule refused an action: 409 with the rule, the requirement and the seed's own words."""

    def __init__(self, finding: Finding, quote: str) -> None:
        super().__init__(
            ErrorCode.RULE_VIOLATION,
            finding.violation.message,
            rule=finding.rule.code,
            requirement=finding.rule.requirement,
            quote=quote,
        )
        self.finding = finding
