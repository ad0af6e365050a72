"""What a review of the training app found, each pinned by a test."""

from typing import Any

import pytest
from django.urls import reverse

from leadership.models import Community
from tests.factories import PersonFactory, StageFactory, TrainingProgrammeFactory
from training.forms import StageForm
from training.models import Enrolment, Session, Stage, TrainingProgramme

pytestmark = pytest.mark.django_db


@pytest.fixture
def local(community: Community) -> TrainingProgramme:
    return TrainingProgrammeFactory.create(
        title="Testland Academy", level=TrainingProgramme.Level.LOCAL, community=community
    )


def test_an_organiser_cannot_move_their_programme_into_another_community_or_region(
    client_as: Any, local: TrainingProgramme, other_community: Community
) -> None:
    # given the organiser of the owning community edits its programme
    data = {
        "title": "Testland Academy",
        "level": "regional",
        "region": "lac",
        "community": other_community.pk,
        "status": "open",
        "time_zone": "UTC",
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
    }
    # when they post another community and another level
    response = client_as("organiser").post(
        reverse("training:programme-edit", args=[local.pk]), data
    )
    # then the community is refused, and nothing changed
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    local.refresh_from_db()
    assert (local.community_id, local.level, local.region) != (
        other_community.pk,
        "regional",
        "lac",
    )
    assert local.level == "local"


def test_an_organisers_edit_keeps_the_level_whatever_is_posted(
    client_as: Any, local: TrainingProgramme, community: Community
) -> None:
    data = {
        "title": "Renamed",
        "level": "movement",
        "community": community.pk,
        "status": "open",
        "time_zone": "UTC",
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
    }
    response = client_as("organiser").post(
        reverse("training:programme-edit", args=[local.pk]), data
    )
    assert response.status_code == 302
    local.refresh_from_db()
    assert (local.title, local.level, local.community_id) == ("Renamed", "local", community.pk)


def test_a_programmes_own_coordinator_sees_the_progress_of_its_participants(
    client_for: Any, academy: TrainingProgramme, session: Session
) -> None:
    # given a participant of the academy, and someone named among its coordinators
    lead = PersonFactory.create()
    academy.coordinators.add(lead)
    participant = PersonFactory.create()
    Enrolment.objects.create(
        session=session, person=participant, status="enrolled", enrolled_at=session.starts_at
    )
    stranger = PersonFactory.create()
    url = reverse("training:person-progress", args=[participant.pk])
    # then the lead sees their progress; someone else does not
    assert client_for(lead.user).get(url).status_code == 200
    assert client_for(stranger.user).get(url).status_code == 404


def test_stages_of_other_programmes_drafts_are_not_offered_as_prerequisites(
    academy: TrainingProgramme, stages: list[Stage]
) -> None:
    draft = TrainingProgrammeFactory.create(status=TrainingProgramme.Status.DRAFT)
    hidden = StageFactory.create(programme=draft, title="Secret stage")
    form = StageForm(programme=academy, instance=Stage(programme=academy))
    offered = set(form.fields["prerequisites"].queryset)  # type: ignore[attr-defined]
    assert hidden not in offered
    assert set(stages) <= offered


def test_a_cursor_from_a_people_list_on_the_schedule_gives_its_first_page(
    client_as: Any, academy: TrainingProgramme, session: Session, coordinator: Any
) -> None:
    # given a cursor of a list sorted by name (the programme's participants)
    from leadership.models import Person
    from leadership.pagination import keyset_paginate

    PersonFactory.create_batch(3)
    names = keyset_paginate(
        Person.objects.all(), fields=["display_name", "pk"], cursor=None, size=1
    )
    # when it is pasted into the schedule, which is sorted by time
    response = client_as("member").get(
        reverse("training:schedule", args=[academy.pk]), {"cursor": names.next_cursor}
    )
    # then the schedule's first page, not an error
    assert response.status_code == 200
