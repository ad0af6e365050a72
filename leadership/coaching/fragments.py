"""What renews cached coaching content (leadership/fragments.py explains the cache).

Coaching's cached content (the coach suggestions a coordinator asks for, the lists of the
coaching home) is keyed under one scope, `COACHING`, renewed by any write to a coach's profile,
their regions, languages, communities or focus areas, an engagement or its focus areas, a
session, and by a new name or time zone for a person who is a coach or a coachee. One scope for
all: the suggestions read every coach, and coaching writes are rare beside the reads. What is
read outside coaching is in the keys under its own scopes (the community's people, the leader's
profile, the community's roles and terms, the names of languages, skills and communities): see
`suggestions_key` and views._home_lists.

The receivers below see saves and deletes from the services, the admin and cascades. Bulk
writes (`bulk_create`, `QuerySet.update`) send no signal: the services that use them call
`coaching_changed()`; demo data and seeds renew `ALL`.

Connected from leadership/apps.py's `ready()`.
"""

from datetime import date
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from leadership.fragments import COMMUNITY, NAMES, PERSON, Scope, bump, fragment_key
from leadership.models import Community, Person
from plans.fragments import EVERY_COMMUNITY, community_scope

from .models import CoachAssignment, CoachingSession, CoachProfile, CoachRegion

COACHING: Scope = ("coaching", None)


def coaching_changed() -> None:
    """A new version of all cached coaching content (now and after the commit)."""
    bump(COACHING)


def suggestions_key(
    *, community: Community, coachee: Person | None, skill_ids: list[int], today: date, limit: int
) -> str:
    """The cache key of the coach suggestions for an engagement in `community` with `coachee`
    (None: its leadership team) on the focus areas `skill_ids`, on `today`."""
    scopes: list[Scope] = [
        COACHING,
        (NAMES, None),  # language and skill names in the reasons
        (COMMUNITY, community.pk),  # its organisers: conflicts, and the coachee's membership
        community_scope(community.pk),  # its roles' terms: conflicts of interest
        EVERY_COMMUNITY,
    ]
    if coachee is not None:
        scopes.append((PERSON, coachee.pk))  # their languages
    return fragment_key(
        "coach-suggestions",
        community,  # its name, region, time zone
        coachee,  # their time zone
        sorted(skill_ids),
        today,  # away dates, terms that end, and today's time zone offsets
        limit,
        scopes=scopes,
    )


@receiver([post_save, post_delete], sender=CoachProfile)
@receiver([post_save, post_delete], sender=CoachRegion)
@receiver([post_save, post_delete], sender=CoachAssignment)
@receiver([post_save, post_delete], sender=CoachingSession)
def _coaching_row_changed(sender: Any, **kwargs: Any) -> None:
    coaching_changed()


@receiver(m2m_changed, sender=CoachProfile.languages.through)
@receiver(m2m_changed, sender=CoachProfile.communities.through)
@receiver(m2m_changed, sender=CoachProfile.skills.through)
@receiver(m2m_changed, sender=CoachAssignment.skills.through)
@receiver(m2m_changed, sender=Community.languages.through)
def _coaching_link_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        coaching_changed()


@receiver([post_save, post_delete], sender=Person)
def _person_changed(sender: Any, instance: Person, **kwargs: Any) -> None:
    # A coach's name and time zone are in the suggestions, and a coach's or a coachee's name in
    # the cached lists of the coaching home; other people's are not read there.
    if (
        CoachProfile.objects.filter(person_id=instance.pk).exists()
        or CoachAssignment.objects.filter(coachee_id=instance.pk).exists()
    ):
        coaching_changed()
