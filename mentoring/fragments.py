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

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from leadership.fragments import Scope, bump
from leadership.models import Person

from .models import MentoringProgramme

MENTORING = "mentoring"
# Part of every mentoring key: people's names (and accounts) as the dashboards show them, and
# every programme's title, which a mentor's proposals show (a programme renamed or deleted cannot
# say which mentors' pages showed it).
PEOPLE: Scope = (MENTORING, "people")
PROGRAMMES: Scope = (MENTORING, "programmes")


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
    bump(PROGRAMMES)


# A person renamed or deleted (with their offers, applications and proposals, by cascade), or an
# account whose email stands in for a missing name.
@receiver([post_save, post_delete], sender=Person)
@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL)
def _person_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # A login writes the account's last_login: no page shows it.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump(PEOPLE)
