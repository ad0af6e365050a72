"""The send log in the admin: what went out to whom, read-only."""

import pytest
from django.urls import reverse

from reminders.models import ReminderLog
from tests.reminders.conftest import DUE

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(term, sweep_on):
    sweep_on(DUE[-7])
    return ReminderLog.objects.get(offset_days=-7, recipient__display_name="Mo Member")


def test_the_send_log_lists_what_went_out_to_whom(client_for, superuser, entry):
    client = client_for(superuser)

    listed = client.get(reverse("admin:reminders_reminderlog_changelist"), {"state": "sent"})
    searched = client.get(reverse("admin:reminders_reminderlog_changelist"), {"q": "Olga"})

    assert listed.status_code == searched.status_code == 200
    assert "Mo Member" in listed.text
    assert "Olga Organiser" in searched.text
    assert "Mo Member" not in searched.text


def test_the_send_log_cannot_be_written_in_the_admin(client_for, superuser, entry):
    client = client_for(superuser)

    shown = client.get(reverse("admin:reminders_reminderlog_change", args=[entry.pk]))
    add = client.get(reverse("admin:reminders_reminderlog_add"))
    delete = client.post(
        reverse("admin:reminders_reminderlog_delete", args=[entry.pk]), {"post": "yes"}
    )
    change = client.post(
        reverse("admin:reminders_reminderlog_change", args=[entry.pk]), {"state": "pending"}
    )

    entry.refresh_from_db()
    assert shown.status_code == 200
    assert add.status_code == delete.status_code == change.status_code == 403
    assert entry.state == "sent"
