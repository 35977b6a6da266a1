"""Close the holes left by 0002: the head row, and the base manager.

On PostgreSQL a trigger on ``ledger_ledgerhead`` refuses DELETE, and refuses any UPDATE that does not make the
tree grow (``NEW.size > OLD.size``). ``ledger_append`` only ever sets ``size = size + 1`` on the locked head, so it
passes; rewinding the head to hide entries deleted from the end is refused. INSERT stays allowed (the first
append creates the head).

TRUNCATE is deliberately not covered, here or in 0002: row triggers do not fire on it, and test teardown relies
on it. Someone who can TRUNCATE or disable triggers (the table owner) can still rewrite the log consistently;
nothing inside the database can catch that. What catches it is a copy of an earlier (size, root) kept outside
the database — the witness file that ``quancheng verify`` and ``quancheng witness`` keep — and, in a later
issue, signed checkpoints.

The options change makes the refusing queryset the base manager too (``LedgerEntry._base_manager``).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ledger_head_refuse_shrink() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger_ledgerhead may only grow (DELETE refused)' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.size <= OLD.size THEN
        RAISE EXCEPTION 'ledger_ledgerhead may only grow (size % -> % refused)', OLD.size, NEW.size
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_head_grow_only ON ledger_ledgerhead;
CREATE TRIGGER ledger_head_grow_only BEFORE UPDATE OR DELETE ON ledger_ledgerhead
    FOR EACH ROW EXECUTE FUNCTION ledger_head_refuse_shrink();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_head_grow_only ON ledger_ledgerhead;
DROP FUNCTION IF EXISTS ledger_head_refuse_shrink();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_append_only_trigger")]
    operations = [
        migrations.AlterModelOptions(
            name="ledgerentry",
            options={
                "base_manager_name": "objects",
                "ordering": ["index"],
                "verbose_name": "账本条目",
                "verbose_name_plural": "账本条目",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
