"""What renews the cached training pages and feeds (leadership/fragments.py explains the cache).

Every cached training fragment (the schedule lists, the month view, a community's upcoming
trainings, "my trainings", the public calendar feeds) is keyed under one scope, `TRAINING`,
renewed by any write to a programme, stage, series, session, enrolment or completion. One
scope rather than one per programme because a page shows several programmes' rows (a
community's trainings, a person's), and writes are rare beside reads: an enrolment somewhere
costs each page one render afresh.

The receivers below see saves and deletes from the services, the admin and cascades. The services'
bulk writes (`bulk_create`, `QuerySet.update`) send no signal: each of those services saves or
deletes at least one row the ordinary way in the same transaction, and calls `training_changed()`
where it might not.
"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from leadership.fragments import Scope, bump

from .models import (
    Enrolment,
    Session,
    SessionSeries,
    Stage,
    StageCompletion,
    TrainingProgramme,
)

TRAINING: Scope = ("training", None)
# Lists that start "from now" are cached in five-minute slices: a session that has ended leaves
# them within five minutes of its end.
FROM_NOW_SECONDS = 300


def from_now_slice() -> int:
    """The five minutes we are in: part of the key of every cached list "from now"."""
    return int(timezone.now().timestamp() // FROM_NOW_SECONDS)


def training_changed() -> None:
    """A new version of every cached training page (now and after the commit)."""
    bump(TRAINING)


@receiver([post_save, post_delete], sender=TrainingProgramme)
@receiver([post_save, post_delete], sender=Stage)
@receiver([post_save, post_delete], sender=SessionSeries)
@receiver([post_save, post_delete], sender=Session)
@receiver([post_save, post_delete], sender=Enrolment)
@receiver([post_save, post_delete], sender=StageCompletion)
def _training_row_changed(sender: Any, **kwargs: Any) -> None:
    training_changed()


@receiver(m2m_changed, sender=Stage.prerequisites.through)
@receiver(m2m_changed, sender=Session.facilitators.through)
@receiver(m2m_changed, sender=TrainingProgramme.languages.through)
def _training_link_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        training_changed()
