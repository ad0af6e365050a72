"""Writes of mentoring: applications, matching runs, review and publishing, answers, relationships.

Every refused change raises MentoringError with a message for the person who asked, and changes
nothing. Locks are taken in one order everywhere: proposal, then offer, then application, then
relationship; so two writers never wait for each other in a circle.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from leadership.models import Community, Person, Skill
from leadership.queue import enqueue_on_commit

from .fragments import mentors_changed, programmes_changed
from .models import (
    MAX_CAPACITY,
    ApplicationStatus,
    CheckIn,
    Exclusion,
    Feedback,
    MatchRun,
    MenteeApplication,
    MenteeApplicationSkill,
    MentoringProgramme,
    MentorOffer,
    MentorOfferSkill,
    OfferStatus,
    ProgrammeScope,
    ProgrammeStatus,
    Proposal,
    ProposalStatus,
    Relationship,
    RelationshipStatus,
    RunStage,
    RunStatus,
    Trait,
)
from .selectors import communities_to_take_part_through

# A running run whose worker has not reported for this long is taken for dead (the worker was
# killed): it stops blocking the next run. Longer than any step between two heartbeats.
RUN_STALE_AFTER = timedelta(minutes=10)
# A queued run no worker has taken after this long is handed to the workers again (its message
# never reached the broker, or was lost); a worker takes a queued run within seconds.
RUN_REQUEUE_AFTER = timedelta(minutes=1)


class MentoringError(Exception):
    """A refused mentoring action, with a message for the person who asked."""


# Programmes


def programme_save(
    *,
    programme: MentoringProgramme,
    communities: Iterable[Community],
    coordinators: Iterable[Person] = (),
    created_by: Any = None,
) -> MentoringProgramme:
    """Create or update a programme from a validated (unsaved or changed) instance."""
    communities = list(communities)
    if programme.scope == ProgrammeScope.MOVEMENT:
        communities = []
    elif not communities:
        raise MentoringError(_("Choose the community (or communities) the programme is for."))
    elif programme.scope == ProgrammeScope.COMMUNITY and len(communities) != 1:
        raise MentoringError(_("A programme of one community names exactly one community."))
    with transaction.atomic():
        if programme.pk is None and created_by is not None:
            programme.created_by = created_by
        programme.save()
        programme.communities.set(communities)
        if coordinators:
            programme.coordinators.set(list(coordinators))
    return programme


def _scope_communities(programme: MentoringProgramme, person: Person) -> list[int]:
    return list(
        communities_to_take_part_through(programme=programme, person=person).values_list(
            "pk", flat=True
        )
    )


def _check_can_apply(
    programme: MentoringProgramme, person: Person, community: Community | None, today: date
) -> Community | None:
    if not programme.accepts_applications_on(today):
        raise MentoringError(_("This programme is not taking applications now."))
    allowed = _scope_communities(programme, person)
    if programme.scope != ProgrammeScope.MOVEMENT and not allowed:
        raise MentoringError(_("This programme is for members of its communities only."))
    if community is not None and community.pk not in allowed:
        raise MentoringError(_("Choose one of your own communities."))
    if community is None and allowed:
        return Community.objects.get(pk=allowed[0])
    return community


def _clean_traits(values: Iterable[str]) -> list[str]:
    values = list(dict.fromkeys(values))
    unknown = [v for v in values if v not in Trait.values]
    if unknown:
        raise MentoringError(_("Unknown choice: %(value)s.") % {"value": ", ".join(unknown)})
    return values


def offer_submit(
    *,
    programme: MentoringProgramme,
    person: Person,
    capacity: int,
    skills: Iterable[Skill],
    availability: str = "",
    away_until: date | None = None,
    traits: Iterable[str] = (),
    community: Community | None = None,
    today: date,
) -> MentorOffer:
    """Offer to mentor in a programme, or change one's offer. Capacity never drops below load."""
    _check_text(availability, *traits)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise MentoringError(
            _("Capacity must be between 1 and %(max)s mentees.") % {"max": MAX_CAPACITY}
        )
    clean_traits = _clean_traits(traits)
    skills = list(skills)
    with transaction.atomic():
        offer = (
            MentorOffer.objects.select_for_update()
            .filter(programme=programme, person=person)
            .first()
        )
        if offer is None or offer.status == OfferStatus.WITHDRAWN:
            community = _check_can_apply(programme, person, community, today)
        elif community is not None and community.pk not in _scope_communities(programme, person):
            raise MentoringError(_("Choose one of your own communities."))
        if offer is not None and capacity < offer.active_count:
            raise MentoringError(
                _(
                    "You mentor %(count)s people now: capacity cannot go below that. End a "
                    "relationship first."
                )
                % {"count": offer.active_count}
            )
        if offer is None:
            offer = MentorOffer(programme=programme, person=person)
        offer.capacity = capacity
        offer.availability = availability
        offer.away_until = away_until
        offer.traits = clean_traits
        offer.status = OfferStatus.ACTIVE
        if community is not None:
            offer.community = community
        offer.save()
        MentorOfferSkill.objects.filter(offer=offer).exclude(skill__in=skills).delete()
        MentorOfferSkill.objects.bulk_create(
            [MentorOfferSkill(offer=offer, skill=skill) for skill in skills],
            ignore_conflicts=True,
        )
    programmes_changed([programme.pk])
    mentors_changed([person.pk])
    return offer


def offer_set_away(*, offer: MentorOffer, away_until: date | None) -> MentorOffer:
    """Mark the mentor away until a day (no new proposals), or back (None)."""
    offer.away_until = away_until
    offer.save(update_fields=["away_until"])
    programmes_changed([offer.programme_id])
    mentors_changed([offer.person_id])
    return offer


def offer_withdraw(*, offer: MentorOffer) -> MentorOffer:
    """Withdraw an offer: staged proposals to this mentor are cancelled; active mentees stay."""
    with transaction.atomic():
        offer = MentorOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.proposals.filter(status=ProposalStatus.PROPOSED).exists():
            raise MentoringError(
                _("Answer the proposals waiting for you first, then withdraw your offer.")
            )
        offer.proposals.filter(status=ProposalStatus.STAGED).update(status=ProposalStatus.CANCELLED)
        offer.status = OfferStatus.WITHDRAWN
        offer.save(update_fields=["status"])
    programmes_changed([offer.programme_id])
    mentors_changed([offer.person_id])
    return offer


def application_submit(
    *,
    programme: MentoringProgramme,
    person: Person,
    goals: str,
    skills: Iterable[Skill],
    preferences: Iterable[str] = (),
    community: Community | None = None,
    now: datetime,
) -> MenteeApplication:
    """Apply as a mentee, or change one's application. A new application starts the wait."""
    _check_text(goals, *preferences)
    if not goals.strip():
        raise MentoringError(_("Say what you want to achieve with a mentor."))
    clean_preferences = _clean_traits(preferences)
    skills = list(skills)
    today = timezone.localdate(now)
    with transaction.atomic():
        application = (
            MenteeApplication.objects.select_for_update()
            .filter(programme=programme, person=person)
            .first()
        )
        restarts = (ApplicationStatus.WITHDRAWN, ApplicationStatus.FINISHED)
        if application is None or application.status in restarts:
            community = _check_can_apply(programme, person, community, today)
        elif community is not None and community.pk not in _scope_communities(programme, person):
            raise MentoringError(_("Choose one of your own communities."))
        if application is None:
            application = MenteeApplication(programme=programme, person=person, waiting_since=now)
        elif application.status in restarts:
            application.status = ApplicationStatus.WAITING
            application.waiting_since = now
        application.goals = goals.strip()
        application.preferences = clean_preferences
        if community is not None:
            application.community = community
        application.save()
        MenteeApplicationSkill.objects.filter(application=application).exclude(
            skill__in=skills
        ).delete()
        MenteeApplicationSkill.objects.bulk_create(
            [MenteeApplicationSkill(application=application, skill=skill) for skill in skills],
            ignore_conflicts=True,
        )
    programmes_changed([programme.pk])
    return application


def application_withdraw(*, application: MenteeApplication) -> MenteeApplication:
    """Leave the pool. Refused while matched (end the relationship instead)."""
    with transaction.atomic():
        # The open proposals' locks before the application's (the module's lock order): an
        # accept or the expiry holding the proposal would otherwise deadlock with us.
        list(
            Proposal.objects.select_for_update()
            .filter(
                application_id=application.pk,
                status__in=[ProposalStatus.STAGED, ProposalStatus.PROPOSED],
            )
            .values_list("pk")
        )
        mentors = list(
            Proposal.objects.filter(
                application=application, status=ProposalStatus.PROPOSED
            ).values_list("offer__person_id", flat=True)
        )
        application = MenteeApplication.objects.select_for_update().get(pk=application.pk)
        if application.status == ApplicationStatus.MATCHED:
            raise MentoringError(_("You have a mentor: end the relationship instead."))
        Proposal.objects.filter(
            application=application,
            status__in=[ProposalStatus.STAGED, ProposalStatus.PROPOSED],
        ).update(status=ProposalStatus.CANCELLED)
        application.status = ApplicationStatus.WITHDRAWN
        application.save(update_fields=["status"])
    programmes_changed([application.programme_id])
    mentors_changed(mentors)
    return application


def exclusion_add(*, person: Person, excluded: Person) -> Exclusion:
    """Never be paired with `excluded` (either way round, in any programme)."""
    if person.pk == excluded.pk:
        raise MentoringError(_("You cannot exclude yourself."))
    with transaction.atomic():
        exclusion, _created = Exclusion.objects.get_or_create(person=person, excluded=excluded)
        # A pair the person no longer wants is cancelled, staged or already sent (before the
        # mentor answers); a sent one's mentee goes back to the pool. Proposals locked first,
        # then applications: the module's lock order.
        open_pairs = list(
            Proposal.objects.select_for_update()
            .filter(status__in=[ProposalStatus.STAGED, ProposalStatus.PROPOSED])
            .filter(
                Q(offer__person=person, application__person=excluded)
                | Q(offer__person=excluded, application__person=person)
            )
            .values_list("pk", "status", "application_id", "programme_id", "offer__person_id")
        )
        Proposal.objects.filter(pk__in=[pk for pk, _s, _a, _p, _m in open_pairs]).update(
            status=ProposalStatus.CANCELLED
        )
        MenteeApplication.objects.filter(
            pk__in=[a for _pk, s, a, _p, _m in open_pairs if s == ProposalStatus.PROPOSED],
            status=ApplicationStatus.PROPOSED,
        ).update(status=ApplicationStatus.WAITING)
        programmes_changed(p for _pk, _s, _a, p, _m in open_pairs)
        mentors_changed(m for _pk, _s, _a, _p, m in open_pairs)
    return exclusion


def exclusion_remove(*, exclusion: Exclusion) -> None:
    exclusion.delete()


def _check_text(*values: str) -> None:
    # Postgres cannot store a NUL character. The forms refuse it; a caller without one is told.
    if any("\x00" in value for value in values):
        raise MentoringError(_("The text holds a character that cannot be saved (NUL)."))


# Matching runs


def match_run_start(*, programme: MentoringProgramme, user: Any, now: datetime) -> MatchRun:
    """Queue a matching run (the job runs on a worker). One at a time per programme."""
    if programme.status == ProgrammeStatus.DRAFT:
        raise MentoringError(_("Open the programme before matching."))
    with transaction.atomic():
        MentoringProgramme.objects.select_for_update().filter(pk=programme.pk).first()
        # A run whose worker died stops blocking: it is recorded as failed.
        MatchRun.objects.filter(
            programme=programme,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
            heartbeat_at__lt=now - RUN_STALE_AFTER,
        ).update(
            status=RunStatus.FAILED,
            error=_("The worker stopped before the run finished."),
            finished_at=now,
        )
        if MatchRun.objects.filter(
            programme=programme, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        ).exists():
            raise MentoringError(_("A matching run is already under way for this programme."))
        run = MatchRun.objects.create(
            programme=programme,
            started_by=user if getattr(user, "is_authenticated", False) else None,
            heartbeat_at=now,
            parameters=programme_rules(programme),
        )
        from .tasks import match_run_task

        # The queued row is the record: if the broker cannot take the task now,
        # match_runs_requeue hands the run to a worker once it is back.
        enqueue_on_commit(match_run_task, run.pk)
    programmes_changed([programme.pk])
    return run


def match_runs_requeue(*, now: datetime) -> int:
    """Hand the queued runs no worker has taken to the workers again (the broker was down when
    they were queued, or lost the message); returns how many. A run handed over twice is
    claimed once (match_run_claim).

    A run still queued after RUN_STALE_AFTER is recorded as failed instead, with a message for
    the coordinator: it no longer blocks their review (see _no_run_under_way), so it must not
    start behind their back; they start a new one.
    """
    from .tasks import match_run_task

    _fail_stale_queued(MatchRun.objects.all(), now)
    queued = MatchRun.objects.filter(status=RunStatus.QUEUED)
    run_ids = list(
        queued.filter(created_at__lte=now - RUN_REQUEUE_AFTER).values_list("pk", flat=True)
    )
    for run_id in run_ids:
        enqueue_on_commit(match_run_task, run_id)
    return len(run_ids)


def _fail_stale_queued(runs: Any, now: datetime) -> None:
    """Record as failed the `runs` still queued RUN_STALE_AFTER after their last sign of life
    (or their creation, if they never had one)."""
    cutoff = now - RUN_STALE_AFTER
    stale = runs.filter(status=RunStatus.QUEUED).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    programme_ids = list(stale.values_list("programme_id", flat=True))
    if programme_ids:
        stale.update(
            status=RunStatus.FAILED,
            error=_("No worker took this run within %(minutes)s minutes: start it again.")
            % {"minutes": int(RUN_STALE_AFTER.total_seconds() // 60)},
            finished_at=now,
        )
        programmes_changed(programme_ids)


def programme_rules(programme: MentoringProgramme) -> dict[str, Any]:
    """The rules a run uses, recorded on it as its parameters."""
    return {
        "require_shared_language": programme.require_shared_language,
        "allow_same_community": programme.allow_same_community,
        "max_tz_distance_hours": programme.max_tz_distance_hours,
        "skills_weight": programme.skills_weight,
        "tz_weight": programme.tz_weight,
        "language_weight": programme.language_weight,
        "preference_weight": programme.preference_weight,
    }


def match_run_progress(*, run_id: int, stage: str, progress: int) -> None:
    """Record how far a run has come (its own autocommit write: the browser polls it)."""
    MatchRun.objects.filter(pk=run_id).update(
        stage=stage, progress=max(0, min(100, progress)), heartbeat_at=timezone.now()
    )


def match_run_claim(*, run_id: int) -> bool:
    """Claim a queued run for this worker; False if it was claimed already (task ran twice), or
    if it waited longer than RUN_STALE_AFTER: it stopped blocking the coordinators' review then,
    so it must not start behind it (it is recorded as failed; they start a new one)."""
    now = timezone.now()
    _fail_stale_queued(MatchRun.objects.filter(pk=run_id), now)
    claimed = MatchRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        stage=RunStage.READING,
        started_at=now,
        heartbeat_at=now,
    )
    programmes_changed(MatchRun.objects.filter(pk=run_id).values_list("programme_id", flat=True))
    return bool(claimed)


def match_run_fail(*, run_id: int, error: str) -> None:
    MatchRun.objects.filter(pk=run_id).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    programmes_changed(MatchRun.objects.filter(pk=run_id).values_list("programme_id", flat=True))


# Review and publishing


def _no_run_under_way(programme_id: int) -> None:
    """Lock the programme; refuse while a matching run may still write its pairs.

    The run's write step takes the same lock, so a pin, a removal or a publication lands
    wholly before or wholly after it, never in between. A run whose worker died (no heartbeat
    for RUN_STALE_AFTER) no longer counts.
    """
    MentoringProgramme.objects.select_for_update().filter(pk=programme_id).first()
    if MatchRun.objects.filter(
        programme_id=programme_id,
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
        heartbeat_at__gte=timezone.now() - RUN_STALE_AFTER,
    ).exists():
        raise MentoringError(
            _("A matching run is under way: review and publish when it has finished.")
        )


def _staged(proposal: Proposal) -> Proposal:
    _no_run_under_way(proposal.programme_id)
    current = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if current.status != ProposalStatus.STAGED:
        raise MentoringError(_("This pair is no longer waiting for review."))
    return current


def proposal_pin(*, proposal: Proposal, pinned: bool) -> Proposal:
    """Keep (or stop keeping) a staged pair through the next re-run."""
    with transaction.atomic():
        current = _staged(proposal)
        current.pinned = pinned
        current.save(update_fields=["pinned"])
    programmes_changed([current.programme_id])
    return current


def proposal_remove(*, proposal: Proposal) -> Proposal:
    """Take a staged pair out; the programme never proposes that pair again."""
    with transaction.atomic():
        current = _staged(proposal)
        current.status = ProposalStatus.REMOVED
        current.pinned = False
        current.save(update_fields=["status", "pinned"])
    programmes_changed([current.programme_id])
    return current


def programme_publish(*, programme: MentoringProgramme, now: datetime) -> int:
    """Send the staged pairs to their mentors, with the programme's deadline. Returns the count.

    A pair whose mentee left the pool, or whose mentor withdrew, went away or filled up since
    the run, is cancelled rather than sent. Mentors hear of it through the reminder sweep.
    """
    with transaction.atomic():
        _no_run_under_way(programme.pk)
        programme = MentoringProgramme.objects.get(pk=programme.pk)
        staged = list(
            Proposal.objects.select_for_update()
            .filter(programme=programme, status=ProposalStatus.STAGED)
            .select_related("offer", "application")
            .order_by("application__waiting_since", "pk")
        )
        if not staged:
            raise MentoringError(_("There is nothing staged to publish."))
        today = timezone.localdate(now)
        open_load = _open_load(programme, {p.offer_id for p in staged})
        send: list[int] = []
        cancel: list[int] = []
        for proposal in staged:
            offer, application = proposal.offer, proposal.application
            load = open_load.get(offer.pk, 0)
            if (
                application.status != ApplicationStatus.WAITING
                or offer.status != OfferStatus.ACTIVE
                or offer.is_away_on(today)
                or offer.active_count + load >= offer.capacity
            ):
                cancel.append(proposal.pk)
                continue
            open_load[offer.pk] = load + 1
            send.append(proposal.pk)
        deadline = now + timedelta(days=programme.response_days)
        sent = set(send)
        applications = [p.application_id for p in staged if p.pk in sent]
        # In chunks: a statement's parameters stay well under Postgres' 65,535 however many
        # pairs a large programme publishes at once.
        for chunk in _chunks(cancel):
            Proposal.objects.filter(pk__in=chunk).update(status=ProposalStatus.CANCELLED)
        for chunk in _chunks(send):
            Proposal.objects.filter(pk__in=chunk).update(
                status=ProposalStatus.PROPOSED, published_at=now, respond_by=deadline
            )
        for chunk in _chunks(applications):
            MenteeApplication.objects.filter(pk__in=chunk).update(status=ApplicationStatus.PROPOSED)
    programmes_changed([programme.pk])
    mentors_changed(p.offer.person_id for p in staged)
    return len(send)


PUBLISH_CHUNK = 10_000


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + PUBLISH_CHUNK] for i in range(0, len(ids), PUBLISH_CHUNK)]


def _open_load(programme: MentoringProgramme, offer_ids: set[int]) -> dict[int, int]:
    """Proposals sent and not yet answered, per offer: places they may still take."""
    load: dict[int, int] = {}
    for offer_id in Proposal.objects.filter(
        offer_id__in=offer_ids, status=ProposalStatus.PROPOSED
    ).values_list("offer_id", flat=True):
        load[offer_id] = load.get(offer_id, 0) + 1
    return load


# Answers


def _open_proposal(proposal: Proposal, now: datetime) -> Proposal:
    current = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if current.status == ProposalStatus.EXPIRED or (
        current.status == ProposalStatus.PROPOSED
        and current.respond_by is not None
        and current.respond_by <= now
    ):
        raise MentoringError(_("The deadline to answer this proposal has passed."))
    if current.status != ProposalStatus.PROPOSED:
        raise MentoringError(
            _("This proposal was already answered: %(status)s.")
            % {"status": current.get_status_display()}
        )
    return current


def proposal_accept(*, proposal: Proposal, now: datetime) -> Relationship:
    """The mentor accepts: the relationship begins. Accepting twice returns the same one.

    Raises MentoringError past the deadline, when the mentor is full, or when the proposal was
    declined or cancelled.
    """
    try:
        with transaction.atomic():
            # The proposal's lock before looking for its relationship: a second accept of the
            # same proposal at the same moment waits here, then finds the first one's.
            list(Proposal.objects.select_for_update().filter(pk=proposal.pk).values_list("pk"))
            existing = Relationship.objects.filter(proposal_id=proposal.pk).first()
            if existing is not None:
                return existing
            current = _open_proposal(proposal, now)
            offer = MentorOffer.objects.select_for_update().get(pk=current.offer_id)
            application = MenteeApplication.objects.select_for_update().get(
                pk=current.application_id
            )
            if offer.status != OfferStatus.ACTIVE:
                raise MentoringError(_("You withdrew your offer to mentor in this programme."))
            if Exclusion.objects.filter(
                Q(person_id=offer.person_id, excluded_id=application.person_id)
                | Q(person_id=application.person_id, excluded_id=offer.person_id)
            ).exists():
                raise MentoringError(_("This pair can no longer be matched."))
            if offer.active_count >= offer.capacity:
                raise MentoringError(
                    _(
                        "You are already mentoring as many people as you offered (%(capacity)s). "
                        "Raise your capacity or decline."
                    )
                    % {"capacity": offer.capacity}
                )
            if application.status != ApplicationStatus.PROPOSED:
                raise MentoringError(_("This mentee is no longer looking for a mentor."))
            programme = current.programme
            today = timezone.localdate(now)
            relationship = Relationship.objects.create(
                programme=programme,
                proposal=current,
                offer=offer,
                application=application,
                goals=application.goals,
                started_on=today,
                planned_end_on=today + timedelta(weeks=programme.relationship_weeks),
                last_activity_on=today,
            )
            MentorOffer.objects.filter(pk=offer.pk).update(active_count=F("active_count") + 1)
            current.status = ProposalStatus.ACCEPTED
            current.answered_at = now
            current.save(update_fields=["status", "answered_at"])
            application.status = ApplicationStatus.MATCHED
            application.save(update_fields=["status"])
            programmes_changed([relationship.programme_id])
            mentors_changed([offer.person_id])
            return relationship
    except IntegrityError:
        # The database refused (capacity or a second active mentor): only reachable if a
        # writer skipped the locks; say so rather than fail.
        existing = Relationship.objects.filter(proposal_id=proposal.pk).first()
        if existing is not None:
            return existing
        raise MentoringError(_("This pair could not be started; try again.")) from None


def proposal_decline(*, proposal: Proposal, reason: str = "", now: datetime) -> Proposal:
    """The mentor declines: the mentee goes back to the pool, keeping their waiting time."""
    with transaction.atomic():
        current = _open_proposal(proposal, now)
        current.status = ProposalStatus.DECLINED
        current.answered_at = now
        current.decline_reason = reason.strip()[:1000]
        current.save(update_fields=["status", "answered_at", "decline_reason"])
        MenteeApplication.objects.filter(
            pk=current.application_id, status=ApplicationStatus.PROPOSED
        ).update(status=ApplicationStatus.WAITING)
    programmes_changed([current.programme_id])
    mentors_changed(
        MentorOffer.objects.filter(pk=current.offer_id).values_list("person_id", flat=True)
    )
    return current


def proposals_expire(*, now: datetime) -> int:
    """Expire every proposal past its deadline; its mentee returns to the pool. Idempotent."""
    with transaction.atomic():
        # skip_locked: a proposal being accepted right now is that accept's to decide.
        due = list(
            Proposal.objects.select_for_update(skip_locked=True)
            .filter(status=ProposalStatus.PROPOSED, respond_by__lte=now)
            .values_list("pk", "application_id", "programme_id", "offer__person_id")
        )
        if not due:
            return 0
        Proposal.objects.filter(pk__in=[pk for pk, _a, _p, _m in due]).update(
            status=ProposalStatus.EXPIRED
        )
        MenteeApplication.objects.filter(
            pk__in=[a for _pk, a, _p, _m in due], status=ApplicationStatus.PROPOSED
        ).update(status=ApplicationStatus.WAITING)
        programmes_changed(p for _pk, _a, p, _m in due)
        mentors_changed(m for _pk, _a, _p, m in due)
    return len(due)


# Relationships


def _active(relationship: Relationship) -> Relationship:
    current = Relationship.objects.select_for_update().get(pk=relationship.pk)
    if current.status != RelationshipStatus.ACTIVE:
        raise MentoringError(_("This relationship has ended."))
    return current


def check_in_add(
    *, relationship: Relationship, by: Person, happened_on: date, notes: str, today: date
) -> CheckIn:
    """Record a check-in of the pair; it resets the quiet clock."""
    _check_text(notes)
    if happened_on > today:
        raise MentoringError(_("A check-in is recorded after it happened, not before."))
    # A day's grace: the start is the accepting mentor's calendar day, and the mentee's may
    # still be the day before.
    if happened_on < relationship.started_on - timedelta(days=1):
        raise MentoringError(_("That day is before the relationship began."))
    with transaction.atomic():
        current = _active(relationship)
        check_in = CheckIn.objects.create(
            relationship=current, happened_on=happened_on, notes=notes.strip(), created_by=by
        )
        if happened_on > current.last_activity_on:
            current.last_activity_on = happened_on
            current.save(update_fields=["last_activity_on"])
    programmes_changed([current.programme_id])
    return check_in


def relationship_goals_update(*, relationship: Relationship, goals: str) -> Relationship:
    with transaction.atomic():
        current = _active(relationship)
        current.goals = goals.strip()
        current.save(update_fields=["goals"])
    return current


def relationship_end(
    *,
    relationship: Relationship,
    by: Person,
    reason: str,
    note: str = "",
    today: date,
) -> Relationship:
    """End a relationship; the mentor's place frees up. A rematch puts the mentee back in the
    pool with their original waiting time, and that pair is never proposed again."""
    if reason not in Relationship.EndReason.values:
        raise MentoringError(_("Choose why the relationship ends."))
    if reason == Relationship.EndReason.REMATCH and not note.strip():
        raise MentoringError(_("Say briefly why you ask for another match."))
    with transaction.atomic():
        offer = MentorOffer.objects.select_for_update().get(pk=relationship.offer_id)
        application = MenteeApplication.objects.select_for_update().get(
            pk=relationship.application_id
        )
        current = _active(relationship)
        current.status = RelationshipStatus.ENDED
        current.ended_on = today
        current.end_reason = reason
        current.ended_by = by
        current.end_note = note.strip()
        current.save(update_fields=["status", "ended_on", "end_reason", "ended_by", "end_note"])
        MentorOffer.objects.filter(pk=offer.pk).update(active_count=F("active_count") - 1)
        # A rematch returns the mentee to the pool; otherwise they are done, and may apply
        # again later (a new wait).
        application.status = (
            ApplicationStatus.WAITING
            if reason == Relationship.EndReason.REMATCH
            else ApplicationStatus.FINISHED
        )
        application.save(update_fields=["status"])
    programmes_changed([current.programme_id])
    mentors_changed([offer.person_id])
    return current


def feedback_give(
    *, relationship: Relationship, person: Person, rating: int, comment: str = ""
) -> Feedback:
    """One side's feedback on an ended relationship, once."""
    if person.pk not in (relationship.offer.person_id, relationship.application.person_id):
        raise MentoringError(_("Only the mentor and the mentee give feedback."))
    if relationship.status != RelationshipStatus.ENDED:
        raise MentoringError(_("Feedback is given when the relationship ends."))
    if not 1 <= rating <= 5:
        raise MentoringError(_("Choose a rating from 1 to 5."))
    try:
        # Its own savepoint: a double submit that loses the race on `feedback_once` leaves
        # the caller's transaction usable.
        with transaction.atomic():
            feedback = Feedback.objects.create(
                relationship=relationship, person=person, rating=rating, comment=comment.strip()
            )
    except IntegrityError:
        raise MentoringError(_("You have already given your feedback.")) from None
    # An ended relationship waits on the mentor's dashboard for their feedback.
    mentors_changed([relationship.offer.person_id])
    return feedback
