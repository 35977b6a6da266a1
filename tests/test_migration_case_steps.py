"""Migration cases/0006 gives existing cases the step matching their stage and re-anchors them (and their stage
changes) in the ledger, so that ``verify`` still matches every untampered row after the upgrade."""

from __future__ import annotations

import pytest
import rfc8785
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from quancheng.cases.models import Case
from quancheng.ledger.models import LedgerAction, LedgerEntry, new_ledger_salt, row_snapshot, sha256_hex
from quancheng.ledger.services import ledger_append
from quancheng.ledger.verify import ProblemKind, verify

BEFORE = [("cases", "0005_caseexport")]


def salt() -> str:
    return new_ledger_salt()  # historical models have no default for it (added with preserve_default=False)


@pytest.mark.django_db(transaction=True)
def test_existing_cases_get_their_step_and_stay_verifiable() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        # the state of every applied migration: cases at 0005, the other apps as far as they go without it
        old = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
        agency = old.get_model("accounts", "Agency").objects.create(
            name="示例局", case_number_prefix="示", ledger_salt=salt()
        )
        unit = old.get_model("accounts", "Unit").objects.create(agency=agency, name="稽查科", ledger_salt=salt())
        user = old.get_model("accounts", "User").objects.create(
            username="zs", password="x", agency=agency, ledger_salt=salt()
        )
        old_case = old.get_model("cases", "Case")
        stages = ["program_start", "investigation_evidence", "review_decision", "archive"]
        cases = [
            old_case.objects.create(
                agency=agency,
                unit=unit,
                number=f"示〔2026〕{n}号",
                sequence_year=2026,
                sequence_no=n,
                title="案",
                act_type="penalty",
                source="inspection",
                stage=stage,
                opened_by=user,
                ledger_salt=salt(),
            )
            for n, stage in enumerate(stages, start=1)
        ]
        change = old.get_model("cases", "StageChange").objects.create(
            case=cases[1],
            from_stage="program_start",
            to_stage="investigation_evidence",
            changed_at=timezone.now(),
            changed_by=user,
            ledger_salt=salt(),
        )
        with transaction.atomic():
            anchored = [(agency, "agency"), (unit, "unit"), (user, "user"), *((c, "case") for c in cases)]
            for row, kind in [*anchored, (change, "stage_change")]:
                exclude = frozenset({"password", "last_login"}) if kind == "user" else frozenset()
                digest = sha256_hex(rfc8785.dumps(row_snapshot(row, exclude)))
                ledger_append(
                    action=LedgerAction.CASE_OPENED, actor=None, subject=f"{kind}:{row.pk}", digests={"row": digest}
                )
        tampered = cases[3]
        old_case.objects.filter(pk=tampered.pk).update(title="改过的案由")
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    # then: each case is at the step of its stage
    assert [Case.objects.get(pk=c.pk).step for c in cases] == ["clue", "investigation", "legal_review", "archived"]
    # and the untampered rows are re-anchored from their previous state; the tampered case is not
    migrated = set(
        LedgerEntry.objects.filter(action=LedgerAction.LEDGER_SCHEMA_MIGRATED).values_list("subject", flat=True)
    )
    assert migrated == {*(f"case:{c.pk}" for c in cases[:3]), f"stage_change:{change.pk}"}
    assert [(p.kind, p.subject) for p in verify().problems] == [(ProblemKind.CHANGED_ROW, f"case:{tampered.pk}")]
