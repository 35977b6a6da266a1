"""On PostgreSQL, refuse UPDATE and DELETE of ledger entries in the database itself.

TRUNCATE is deliberately not covered: test teardown uses it. Entries removed by TRUNCATE (or by anyone who
can disable this trigger) are caught by ``quancheng verify`` only against something kept outside the database:
the head row can be rewritten too, so a consistent rewrite is caught by the witness file of earlier
(size, root) pairs (see 0003), not by the database alone. Signed checkpoints are a later issue.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ledger_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_ledgerentry is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_ledgerentry;
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS ledger_entry_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
