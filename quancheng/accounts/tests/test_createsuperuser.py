"""Django's createsuperuser writes through accounts.services, so `verify` never sees an unledgered account."""

from io import StringIO

from django.core.management import call_command

from quancheng.accounts.models import Role, User
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.ledger.verify import verify


def test_createsuperuser_is_ledgered(db) -> None:
    # when
    call_command("createsuperuser", "--noinput", "--username", "root2", "--email", "ops@example.cn", stdout=StringIO())
    # then
    user = User.objects.get(username="root2")
    assert user.is_superuser and user.is_staff and user.has_role(Role.ADMIN)
    entry = LedgerEntry.objects.filter(subject=f"user:{user.pk}").get()
    assert entry.action == LedgerAction.USER_SAVED
    assert verify().ok
