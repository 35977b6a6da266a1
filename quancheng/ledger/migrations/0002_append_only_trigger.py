"""On PostgreSQL, refuse UPDATE and DELETE of ledger entries in the database itself.

TRUNCATE is deliberately not covered: test teardown uses it, and an attacker with TRUNCATE rights is
caught by ``quancheng verify`` (the head's size and the signed roots no longer match).
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
