"""Accounts through allauth: sign up and log in by email, verified addresses, two-factor for
staff and coordinators, and the Wikimedia login button only when it is configured."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from leadership.models import Person
from tests.factories import PASSWORD, PersonFactory
from tests.pages import main_content

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOTP_ACTIVATE = "/accounts/2fa/totp/activate/"


def _logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


def test_signing_up_by_email_creates_a_person_and_asks_to_verify_the_address(client):
    # when
    response = client.post(
        reverse("account_signup"),
        {
            "email": "Grace.Hopper@Example.org",
            "password1": "a-long-signup-password",
            "password2": "a-long-signup-password",
        },
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    person = Person.objects.get(user__email="grace.hopper@example.org")
    assert person.display_name == "grace.hopper"
    address = EmailAddress.objects.get(user=person.user)
    assert not address.verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace.hopper@example.org"]
    assert _logged_in_user_id(client) is None


def test_a_verified_user_logs_in_by_email(client, member):
    # when
    response = client.post(LOGIN, {"login": "member@example.org", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("leadership:home")
    assert _logged_in_user_id(client) == str(member.pk)
    assert "Welcome, Mo Member" in client.get(reverse("leadership:home")).text


def test_a_wrong_password_does_not_log_in(client, member):
    response = client.post(LOGIN, {"login": "member@example.org", "password": "not-it"})

    assert response.status_code == 200
    assert _logged_in_user_id(client) is None


def test_an_unverified_user_cannot_log_in(client, db):
    # given
    person = PersonFactory.create(
        user__email="new@example.org", user__email_address__verified=False
    )

    # when
    response = client.post(LOGIN, {"login": "new@example.org", "password": PASSWORD})

    # then: sent to confirm the address, not logged in, and a fresh confirmation mail is sent
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert _logged_in_user_id(client) is None
    assert client.get(reverse("leadership:community-list")).status_code == 302
    assert [m.to for m in mail.outbox] == [[person.user.email]]


def test_the_password_reset_page_answers_the_same_for_known_and_unknown_addresses(client, member):
    # when
    known = client.post(reverse("account_reset_password"), {"email": "member@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    # then
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    assert main_content(client.get(known["Location"])) == main_content(
        client.get(unknown["Location"])
    )
    # each address gets one mail, so even the mail server's logs do not tell them apart
    assert sorted(m.to[0] for m in mail.outbox) == ["member@example.org", "nobody@example.org"]


def test_logging_out_takes_a_post(client_for, member):
    # given
    client = client_for(member)

    # when: a GET (a link, an image) only asks for confirmation
    asked = client.get(reverse("account_logout"))

    # then
    assert asked.status_code == 200
    assert _logged_in_user_id(client) == str(member.pk)

    # when
    response = client.post(reverse("account_logout"))

    # then
    assert response.status_code == 302
    assert _logged_in_user_id(client) is None
    assert client.get(reverse("leadership:community-list")).status_code == 302


# Two-factor authentication for staff and coordinators


@pytest.fixture
def staff(db):
    return PersonFactory.create(display_name="Stan Staff", user__is_staff=True).user


@pytest.fixture
def require_mfa(settings):
    settings.PATHWAYS_REQUIRE_MFA_FOR_STAFF = True


@pytest.mark.usefixtures("require_mfa")
@pytest.mark.parametrize("who", ["staff", "coordinator", "superuser"])
def test_staff_and_coordinators_without_totp_are_sent_to_set_it_up(client_for, request, who):
    client = client_for(request.getfixturevalue(who))

    for url in [reverse("leadership:home"), reverse("leadership:community-list")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == TOTP_ACTIVATE


@pytest.mark.usefixtures("require_mfa")
def test_the_admin_also_requires_totp_for_staff(client_for, staff):
    response = client_for(staff).get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(TOTP_ACTIVATE)


@pytest.mark.usefixtures("require_mfa")
@pytest.mark.parametrize("who", ["member", "organiser", "outsider"])
def test_people_without_staff_duties_are_not_asked_for_totp(client_as, who):
    response = client_as(who).get(reverse("leadership:home"))

    assert response.status_code == 200


@pytest.mark.usefixtures("require_mfa")
def test_account_pages_stay_reachable_while_totp_is_missing(client_for, staff):
    client = client_for(staff)

    for url in [reverse("account_email"), reverse("mfa_index"), reverse("account_change_password")]:
        assert client.get(url).status_code == 200, url


@pytest.mark.usefixtures("require_mfa")
def test_staff_can_confirm_their_password_and_reach_the_totp_setup(client_for, staff):
    # given: allauth asks for the password again before setting up two-factor
    client = client_for(staff)
    asked = client.get(TOTP_ACTIVATE)
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(asked["Location"]).status_code == 200

    # when
    confirmed = client.post(asked["Location"], {"password": PASSWORD})

    # then
    assert confirmed.status_code == 302
    setup = client.get(TOTP_ACTIVATE)
    assert setup.status_code == 200
    assert 'name="code"' in setup.text


@pytest.mark.usefixtures("require_mfa")
def test_staff_with_totp_go_straight_in(client_for, staff):
    # given
    Authenticator.objects.create(
        user=staff, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )

    # when
    response = client_for(staff).get(reverse("leadership:home"))

    # then
    assert response.status_code == 200


@pytest.mark.usefixtures("require_mfa")
def test_recovery_codes_alone_do_not_count_as_totp(client_for, coordinator):
    Authenticator.objects.create(
        user=coordinator, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00" * 20}
    )

    response = client_for(coordinator).get(reverse("leadership:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(TOTP_ACTIVATE)


@pytest.mark.parametrize("who", ["staff", "coordinator", "superuser", "member"])
def test_without_the_requirement_nobody_is_sent_to_set_up_totp(client_for, request, settings, who):
    settings.PATHWAYS_REQUIRE_MFA_FOR_STAFF = False

    response = client_for(request.getfixturevalue(who)).get(reverse("leadership:home"))

    assert response.status_code == 200


# Log in with Wikimedia


def test_the_login_page_has_no_wikimedia_button_without_keys(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert "Log in with" not in response.text
    assert "Wikimedia" not in response.text


def test_the_login_page_offers_wikimedia_when_keys_are_configured(client, settings):
    # given
    mediawiki = dict(settings.SOCIALACCOUNT_PROVIDERS["mediawiki"])
    mediawiki["APPS"] = [{"name": "Wikimedia", "client_id": "x", "secret": "y"}]
    settings.SOCIALACCOUNT_PROVIDERS = {**settings.SOCIALACCOUNT_PROVIDERS, "mediawiki": mediawiki}

    # when
    response = client.get(LOGIN)

    # then
    assert response.status_code == 200
    assert "Log in with Wikimedia" in response.text
    assert reverse("mediawiki_login") in response.text
    assert "Log in with MediaWiki" not in response.text
