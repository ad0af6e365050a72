"""What a reminder says: in the recipient's language, as text and HTML, with a link back."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import translation

from leadership.services import LeadershipError, person_update
from tests.reminders.conftest import DUE

pytestmark = pytest.mark.django_db


def _to(address):
    (message,) = [m for m in mail.outbox if m.to == [address]]
    return message


@override_settings(PATHWAYS_BASE_URL="https://pathways.example.org")
def test_the_email_has_a_text_and_an_html_part_linking_to_the_role_page(term, sweep_on):
    sweep_on(DUE[-30])

    message = _to("member@example.org")
    link = f"https://pathways.example.org/plans/roles/{term.role_id}/"
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert link in message.body
    assert f'href="{link}"' in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_the_holder_and_the_organisers_are_each_told_what_concerns_them(term, sweep_on):
    sweep_on(DUE[-30])

    to_holder, to_organiser = _to("member@example.org"), _to("organiser@example.org")
    assert to_holder.subject == "Your term as Treasurer ends on June 1, 2026"
    assert "Hello Mo Member," in to_holder.body
    assert "Your term as Treasurer in Wikimedia Testland ends on June 1, 2026, in 30 days." in (
        to_holder.body
    )
    assert to_organiser.subject == "Mo Member's term as Treasurer ends on June 1, 2026"
    assert "Hello Olga Organiser," in to_organiser.body


def test_the_holdover_reminder_says_nobody_has_taken_over(term, sweep_on):
    sweep_on(DUE[0])

    to_holder = _to("member@example.org")
    assert to_holder.subject == "Your term as Treasurer has ended: nobody has taken over yet"
    assert "you hold over" in to_holder.body


def test_each_recipient_gets_the_email_in_their_own_language(term, member, sweep_on):
    # given the member asked for French; the organiser never chose (the site's English)
    person_update(person=member.person, data={"email_language": "fr"})

    # when the sweep runs in a request-less worker whose active language is German
    with translation.override("de"):
        sweep_on(DUE[-7])

        # then
        assert translation.get_language() == "de"
    assert "1 juin 2026" in _to("member@example.org").subject
    assert "1 juin 2026" in _to("member@example.org").alternatives[0][0]
    assert "June 1, 2026" in _to("organiser@example.org").subject


def test_a_reminder_sent_late_counts_the_days_really_left(term, sweep_on):
    sweep_on(DUE[-7] + timedelta(days=2))

    assert "in 5 days." in _to("member@example.org").body


def test_a_person_may_choose_only_one_of_the_sites_languages_for_emails(member):
    with pytest.raises(LeadershipError):
        person_update(person=member.person, data={"email_language": "tlh"})

    person_update(person=member.person, data={"email_language": "pt-br"})

    member.person.refresh_from_db()
    assert member.person.language_for_email == "pt-br"
