"""What renews the cached mentoring dashboards (leadership/fragments.py explains the cache).

A programme's coordinator dashboard is cached under the version of its `(MENTORING, programme
id)` scope; a mentor's proposals and mentees under `(MENTORING, "mentor:<person id>")`. The
services renew them with each write that a dashboard shows (most of them are bulk updates, which
send no signals: an offer filled by an accept, proposals published or expired, a run's rows);
saving a programme (its page or the admin) renews it through the signal below, and a person's
new name renews `PEOPLE`, part of every mentoring key.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from leadership.fragments import Scope, bump
from leadership.models import Person

from .models import MentoringProgramme

MENTORING = "mentoring"
PEOPLE: Scope = (MENTORING, "people")


def programme_scope(programme_id: int) -> Scope:
    return (MENTORING, programme_id)


def mentor_scope(person_id: int) -> Scope:
    return (MENTORING, f"mentor:{person_id}")


def mentors_changed(person_ids: Iterable[int]) -> None:
    """New versions for these mentors' dashboards (their proposals and mentees)."""
    bump(*(mentor_scope(pk) for pk in set(person_ids)))


def programmes_changed(programme_ids: Iterable[int]) -> None:
    """New versions for the dashboards of these programmes (now and after the commit)."""
    bump(*(programme_scope(pk) for pk in set(programme_ids)))


@receiver([post_save, post_delete], sender=MentoringProgramme)
def _programme_saved(sender: Any, instance: MentoringProgramme, **kwargs: Any) -> None:
    programmes_changed([instance.pk])


@receiver(post_save, sender=Person)
def _person_saved(sender: Any, instance: Person, **kwargs: Any) -> None:
    bump(PEOPLE)
