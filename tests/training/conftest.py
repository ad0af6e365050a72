"""Training fixtures: a three-stage academy with a facilitator.

`academy` is an open, movement-wide programme (Europe/Berlin) whose stages 1 -> 2 -> 3 each
require the one before. `facilitator` is a person who facilitates sessions; `session` is one
session of stage 1 (10 places, 1 December 2026, 18:00 Berlin time).
"""

from typing import Any

import pytest

from tests.factories import PersonFactory, SessionFactory, StageFactory, TrainingProgrammeFactory
from training.models import Session, Stage, TrainingProgramme


@pytest.fixture
def academy(db: None) -> TrainingProgramme:
    return TrainingProgrammeFactory.create(title="Leadership Academy")


@pytest.fixture
def stages(academy: TrainingProgramme) -> list[Stage]:
    first = StageFactory.create(programme=academy, order=1, title="Foundations")
    second = StageFactory.create(programme=academy, order=2, title="Practice")
    third = StageFactory.create(programme=academy, order=3, title="Leading others")
    second.prerequisites.add(first)
    third.prerequisites.add(second)
    return [first, second, third]


@pytest.fixture
def facilitator(db: None) -> Any:
    person = PersonFactory.create(
        display_name="Fatima Facilitator", user__email="facilitator@example.org"
    )
    return person.user


@pytest.fixture
def session(stages: list[Stage], facilitator: Any) -> Session:
    session = SessionFactory.create(stage=stages[0])
    session.facilitators.add(facilitator.person)
    return session
