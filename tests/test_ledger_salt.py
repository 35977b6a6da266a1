"""Every ledgered row carries a random salt of its own inside its digest, so the public row digests cannot be used
to confirm a guess at personal data (a party's name and ID number) offline. The ``*_ledger_salt`` migrations give
existing rows distinct salts and re-anchor the rows that still matched the ledger, and only those."""

from __future__ import annotations

import pytest
import rfc8785
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from quancheng.accounts.models import Agency, User
from quancheng.cases import services as cases
from quancheng.cases.models import Party, PartyKind
from quancheng.ledger.models import LedgerAction, LedgerEntry, row_snapshot, sha256_hex
from quancheng.ledger.services import ledger_append
from quancheng.ledger.verify import ProblemKind, ledgered_models, verify

# GB 11643-1999's own worked example.
VALID_ID_NUMBER = "11010519491231002X"
SALT_MIGRATION_SUFFIX = "_ledger_salt"


def test_every_ledgered_model_digests_its_salt() -> None:
    for model in ledgered_models():
        field = model._meta.get_field("ledger_salt")
        assert field.concrete and not field.editable, model
        assert "ledger_salt" not in model.ledger_exclude, model


def test_a_full_guess_without_the_salt_does_not_confirm_a_party(
    agency: Agency, zhangsan: User, other_agency: Agency, outsider: User
) -> None:
    # given: the same person registered by two agencies
    parties = [
        cases.party_create(actor=actor, agency=owner, kind=PartyKind.PERSON, name="刘某", id_number=VALID_ID_NUMBER)
        for actor, owner in ((zhangsan, agency), (outsider, other_agency))
    ]
    first = Party.objects.get(pk=parties[0].pk)
    entry = LedgerEntry.objects.get(subject=first.ledger_subject())
    # when: a guesser knows every stored field of the row, but not its salt
    guess = row_snapshot(first, {"ledger_salt"})
    # then: no digest they can compute is the public one; with the salt it is
    assert sha256_hex(rfc8785.dumps(guess)) != entry.digests["row"]
    assert sha256_hex(rfc8785.dumps(guess | {"ledger_salt": ""})) != entry.digests["row"]
    assert sha256_hex(rfc8785.dumps(guess | {"ledger_salt": first.ledger_salt})) == entry.digests["row"]
    # and every row has its own 32-hex-digit salt
    salts = [Party.objects.get(pk=p.pk).ledger_salt for p in parties]
    assert len(set(salts)) == 2
    assert all(len(salt) == 32 and int(salt, 16) >= 0 for salt in salts)


def _salt_migrations(executor: MigrationExecutor) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(the salt migrations, the migration each one follows in its own app)."""
    graph = executor.loader.graph
    salted = sorted(key for key in graph.nodes if key[1].endswith(SALT_MIGRATION_SUFFIX))
    parents = [next(p for p in graph.node_map[key].parents if p.key[0] == key[0]).key for key in salted]
    return salted, parents


@pytest.mark.django_db(transaction=True)
def test_migration_salts_existing_rows_and_re_anchors_only_untampered_ones() -> None:
    # given: the schema before the salt, with three agencies and a user in the ledger, one agency then tampered
    executor = MigrationExecutor(connection)
    salted, before_salt = _salt_migrations(executor)
    assert {app for app, _ in salted} == {"accounts", "cases", "records", "evidence"}
    executor.migrate(before_salt)
    try:
        old = executor.loader.project_state(before_salt).apps
        old_agency, old_user = old.get_model("accounts", "Agency"), old.get_model("accounts", "User")
        rows = [old_agency.objects.create(name=f"机关{n}", case_number_prefix=f"机{n}") for n in range(3)]
        rows.append(old_user.objects.create(username="wangwu", password="x", agency=rows[0]))
        excludes = {"agency": frozenset(), "user": frozenset({"password", "last_login"})}
        old_digests = {}
        with transaction.atomic():
            for row in rows:
                kind = row._meta.model_name
                old_digests[f"{kind}:{row.pk}"] = digest = sha256_hex(rfc8785.dumps(row_snapshot(row, excludes[kind])))
                ledger_append(
                    action=LedgerAction.AGENCY_SAVED, actor=None, subject=f"{kind}:{row.pk}", digests={"row": digest}
                )
        tampered = rows[2]
        old_agency.objects.filter(pk=tampered.pk).update(address="改过的地址")
        # when
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    # then: every row has its own salt
    salts = [Agency.objects.get(pk=row.pk).ledger_salt for row in rows[:3]] + [
        User.objects.get(pk=rows[3].pk).ledger_salt
    ]
    assert len(set(salts)) == 4 and all(len(salt) == 32 for salt in salts)
    # and the rows that matched their anchor are re-anchored, continuing from it; the tampered one is not
    reanchored = {e.subject: e for e in LedgerEntry.objects.filter(action=LedgerAction.LEDGER_SALT_ADDED)}
    assert set(reanchored) == {f"agency:{rows[0].pk}", f"agency:{rows[1].pk}", f"user:{rows[3].pk}"}
    for subject, entry in reanchored.items():
        kind, pk = subject.split(":")
        row = (Agency if kind == "agency" else User).objects.get(pk=pk)
        assert entry.digests == {"row": row.ledger_digest(), "previous": old_digests[subject]}
        assert entry.actor == "system"
    # and verify still names the tampered row, and nothing else
    assert [(p.kind, p.subject) for p in verify().problems] == [(ProblemKind.CHANGED_ROW, f"agency:{tampered.pk}")]
