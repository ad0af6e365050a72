"""Self-identification: optional, private to the person, editable and erasable at any time."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from leadership import services
from leadership.models import SelfIdentification

URL = reverse("leadership:profile-identity")
ERASE = reverse("leadership:profile-identity-erase")


def test_a_member_says_something_about_themselves_and_reads_it_back(
    member: Any, client_as: Callable[[str], Client]
) -> None:
    client = client_as("member")
    response = client.post(URL, {"gender": "woman", "age_band": "25_34", "underrepresented": ""})
    assert response.status_code == 302
    row = SelfIdentification.objects.get(person=member.person)
    assert (row.gender, row.age_band, row.underrepresented) == ("woman", "25_34", "")
    page = client.get(URL).content.decode()
    woman = next(line for line in page.splitlines() if 'value="woman"' in line)
    assert "checked" in woman


def test_answering_prefer_not_to_say_to_everything_keeps_nothing(
    member: Any, client_as: Callable[[str], Client]
) -> None:
    # given
    services.self_identification_set(person=member.person, data={"gender": "man"})
    # when
    client_as("member").post(URL, {"gender": "", "age_band": "", "underrepresented": ""})
    # then
    assert not SelfIdentification.objects.filter(person=member.person).exists()


def test_erasing_deletes_the_row_and_keeps_no_history(
    member: Any, client_as: Callable[[str], Client]
) -> None:
    services.self_identification_set(person=member.person, data={"age_band": "65_plus"})
    response = client_as("member").post(ERASE)
    assert response.status_code == 302
    assert not SelfIdentification.objects.filter(person=member.person).exists()
    assert not hasattr(SelfIdentification, "history")


def test_an_answer_not_offered_is_refused_with_a_message_and_changes_nothing(
    member: Any, client_as: Callable[[str], Client]
) -> None:
    services.self_identification_set(person=member.person, data={"gender": "woman"})
    response = client_as("member").post(URL, {"gender": "robot", "age_band": ""})
    assert response.status_code == 200
    assert "robot" in response.content.decode()  # the form says the choice is not valid
    assert SelfIdentification.objects.get(person=member.person).gender == "woman"


def test_the_service_refuses_unknown_fields_and_values() -> None:
    with pytest.raises(services.LeadershipError):
        services.self_identification_set(person=None, data={"religion": "x"})  # type: ignore[arg-type]
    with pytest.raises(services.LeadershipError):
        services.self_identification_set(person=None, data={"gender": "x"})  # type: ignore[arg-type]


@pytest.mark.parametrize("viewer", ["organiser", "coordinator", "superuser"])
def test_nobody_else_sees_a_persons_answers_on_their_profile(
    viewer: str, member: Any, organiser: Any, coordinator: Any, client_as: Callable[[str], Client]
) -> None:
    services.self_identification_set(
        person=member.person, data={"gender": "non_binary", "age_band": "under_25"}
    )
    page = client_as(viewer).get(member.person.get_absolute_url()).content.decode()
    assert "Non-binary" not in page
    assert "Under 25" not in page


def test_self_identification_is_not_in_the_admin(db: None) -> None:
    assert SelfIdentification not in admin.site._registry
    for model_admin in admin.site._registry.values():
        for inline in getattr(model_admin, "inlines", []):
            assert inline.model is not SelfIdentification


def test_the_page_is_for_the_person_themselves(client: Client, db: None) -> None:
    assert client.get(URL).status_code == 302  # anonymous: to the login page
    assert client.post(ERASE).status_code == 302
