"""One small world holding an object of every kind a URL can address, and the people of the matrix.

Community A (`community`) has its organiser, a member and the mentee; community B
(`other_community`) is organised by the outsider. The mentor belongs to a third community,
Mentorland. The coordinator is in the coordinators group; staff is an active superuser. The coach
coaches the member. Every object a URL takes is A's, or the pair's, or the coach's: never the
outsider's, who must see and change none of it.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from leadership.coaching.models import CoachAssignment, CoachingNote
from leadership.models import Community, Membership, Person
from mentoring import services as mentoring_services
from mentoring.models import (
    CheckIn,
    Exclusion,
    MatchRun,
    MenteeApplication,
    MentoringProgramme,
    MentorOffer,
    Proposal,
    Relationship,
)
from plans.models import LeadershipPlan, Role, SuccessorCandidate, Term
from tests.factories import (
    CoachAssignmentFactory,
    CoachingSessionFactory,
    CoachProfileFactory,
    CommunityFactory,
    LanguageFactory,
    MembershipFactory,
    MenteeApplicationFactory,
    MentoringProgrammeFactory,
    MentorOfferFactory,
    PersonFactory,
    ResourceFactory,
    RoleFactory,
    SessionFactory,
    StageFactory,
    TermFactory,
    TrainingProgrammeFactory,
)
from training.models import Enrolment, FeedToken, Resource, Session, Stage, TrainingProgramme
from training.services.enrolment import session_enrol

# Words in private things, and who alone may read them: a page, feed or file that shows one to
# anybody else gives away what is not theirs (tests/security/test_authorization_matrix.py).
SECRET_READERS = {
    # community B's plan, role and draft programme
    "B-SECRET": frozenset({"outsider", "coordinator", "staff"}),
    # a check-in's notes: the mentoring pair's alone
    "PAIR-SECRET": frozenset({"mentor", "mentee"}),
    # a coaching session's summary: the coach and the coachee
    "COACHEE-SECRET": frozenset({"coach", "member"}),
    # the coach's private note
    "COACH-SECRET": frozenset({"coach"}),
}

# Who the matrix asks as, in the order its failures are listed.
USERS = (
    "anonymous",
    "member",
    "organiser",
    "outsider",
    "mentor",
    "mentee",
    "coach",
    "coordinator",
    "staff",
)


class World:
    """Filled in by build_world."""

    users: dict[str, Any]
    community: Community
    other_community: Community
    plan: LeadershipPlan
    role: Role
    term: Term
    candidate: SuccessorCandidate
    programme: MentoringProgramme
    offer: MentorOffer
    application: MenteeApplication
    pending: Proposal
    relationship: Relationship
    exclusion: Exclusion
    run: MatchRun
    training: TrainingProgramme
    stage: Stage
    session: Session
    enrolment: Enrolment
    resource: Resource
    feed: FeedToken
    coach_profile: Any
    assignment: Any
    coaching_session: Any
    proposed: Any
    paused: Any
    cancelled_session: Session

    def person(self, key: str) -> Person:
        return self.users[key].person


def _person(name: str, email: str, **extra: Any) -> Person:
    return PersonFactory.create(display_name=name, user__email=email, **extra)


def build_world() -> World:
    """Create the world (about 60 rows) and return it."""
    world = World()
    today = timezone.localdate()
    english = LanguageFactory.create(code="en", name="English")

    a = world.community = CommunityFactory.create(
        name="Wikimedia Testland", slug="wikimedia-testland", region=Community.Region.NWE
    )
    b = world.other_community = CommunityFactory.create(
        name="Wikimedians of Otherland", slug="otherland", region=Community.Region.LAC
    )
    mentorland = CommunityFactory.create(name="Wikimedia Mentorland", slug="mentorland")

    organiser = _person("Olga Organiser", "organiser@example.org")
    member = _person("Mo Member", "member@example.org")
    outsider = _person("Otto Outsider", "outsider@example.org")
    mentor = _person("Mia Mentor", "mentor@example.org")
    mentee = _person("Mae Mentee", "mentee@example.org")
    coach = _person("Cole Coach", "coach@example.org")
    coordinator = _person("Cora Coordinator", "coordinator@example.org")
    staff = _person("Sue Staff", "staff@example.org", user__is_staff=True, user__is_superuser=True)
    MembershipFactory.create(person=organiser, community=a, role=Membership.Role.ORGANISER)
    MembershipFactory.create(person=member, community=a, role=Membership.Role.MEMBER)
    MembershipFactory.create(person=mentee, community=a, role=Membership.Role.MEMBER)
    MembershipFactory.create(person=outsider, community=b, role=Membership.Role.ORGANISER)
    MembershipFactory.create(person=mentor, community=mentorland, role=Membership.Role.MEMBER)
    group, _created = Group.objects.get_or_create(name=settings.PATHWAYS_COORDINATORS_GROUP)
    coordinator.user.groups.add(group)
    world.users = {
        "anonymous": None,
        "member": member.user,
        "organiser": organiser.user,
        "outsider": outsider.user,
        "mentor": mentor.user,
        "mentee": mentee.user,
        "coach": coach.user,
        "coordinator": coordinator.user,
        "staff": staff.user,
    }

    # Plans: A's published plan, a board of three seats, the member in seat 1, a candidate.
    world.plan = LeadershipPlan.objects.create(
        community=a,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year + 2, 12, 31),
        status=LeadershipPlan.Status.PUBLISHED,
        vision="A board that looks like the community.",
    )
    world.role = RoleFactory.create(community=a, title="Board member", seats=3)
    world.term = TermFactory.create(
        role=world.role,
        person=member,
        seat=1,
        starts_on=today - timedelta(days=300),
        ends_on=today + timedelta(days=400),
    )
    world.candidate = SuccessorCandidate.objects.create(
        role=world.role, person=mentee, readiness=SuccessorCandidate.Readiness.READY_NOW
    )

    # Mentoring: an open programme; the mentor paired with the mentee (accepted, a relationship)
    # and proposed to a second applicant (pending their answer); one finished run.
    programme = world.programme = MentoringProgrammeFactory.create(title="Leaders of Tomorrow")
    world.offer = MentorOfferFactory.create(
        programme=programme, person=mentor, community=mentorland
    )
    world.application = MenteeApplicationFactory.create(
        programme=programme, person=mentee, community=a
    )
    applicant = _person("Pat Applicant", "applicant@example.org")
    MembershipFactory.create(person=applicant, community=a)
    second = MenteeApplicationFactory.create(programme=programme, person=applicant, community=a)
    now = datetime.now(tz=UTC)
    paired = Proposal.objects.create(
        programme=programme, offer=world.offer, application=world.application, score=800
    )
    world.pending = Proposal.objects.create(
        programme=programme, offer=world.offer, application=second, score=700
    )
    mentoring_services.programme_publish(programme=programme, now=now)
    world.relationship = mentoring_services.proposal_accept(proposal=paired, now=now)
    world.pending.refresh_from_db()
    world.exclusion = Exclusion.objects.create(person=mentee, excluded=outsider)
    world.run = MatchRun.objects.create(
        programme=programme, status=MatchRun.Status.DONE, stage=MatchRun.Stage.DONE, progress=100
    )

    # Training: A's own local programme (its organiser runs it), one stage, a session next month
    # facilitated by the mentor, the member enrolled; a library guide; the member's calendar key.
    world.training = TrainingProgrammeFactory.create(
        title="Testland Academy",
        level=TrainingProgramme.Level.LOCAL,
        community=a,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year + 2, 12, 31),
    )
    world.stage = StageFactory.create(
        programme=world.training,
        order=1,
        title="Foundations",
        completion_rule=Stage.Rule.SIGN_OFF,
    )
    starts = datetime.combine(today + timedelta(days=30), datetime.min.time(), tzinfo=UTC)
    world.session = SessionFactory.create(
        stage=world.stage, starts_at=starts.replace(hour=17), ends_at=starts.replace(hour=19)
    )
    world.session.facilitators.add(mentor)
    world.enrolment = session_enrol(person=member, session=world.session)
    world.cancelled_session = SessionFactory.create(
        stage=world.stage,
        starts_at=starts.replace(hour=17) + timedelta(days=7),
        ends_at=starts.replace(hour=19) + timedelta(days=7),
        status=Session.Status.CANCELLED,
    )
    world.resource = ResourceFactory.create(title="Chairing a meeting", language=english)
    world.feed = FeedToken.objects.create(person=member, token="member-calendar-key-" + "x" * 24)

    # Coaching: the coach's active engagement with the member (one session logged), a proposal to
    # coach the applicant and a paused engagement with a third leader of A.
    world.coach_profile = CoachProfileFactory.create(person=coach, caseload_cap=5, open_count=3)
    world.assignment = CoachAssignmentFactory.create(
        coach=world.coach_profile,
        community=a,
        coachee=member,
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=120),
    )
    world.coaching_session = CoachingSessionFactory.create(
        assignment=world.assignment,
        happened_on=today - timedelta(days=10),
        summary="COACHEE-SECRET we planned the board meeting",
    )
    CoachingNote.objects.create(session=world.coaching_session, text="COACH-SECRET mind the budget")
    CheckIn.objects.create(
        relationship=world.relationship,
        happened_on=today - timedelta(days=3),
        notes="PAIR-SECRET talked about the chapter's elections",
        created_by=mentee,
    )
    # Community B's own: its published plan with a board seat the outsider holds, and a draft
    # training programme. Nobody of A may read a word of them.
    LeadershipPlan.objects.create(
        community=b,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year + 2, 12, 31),
        status=LeadershipPlan.Status.PUBLISHED,
        vision="B-SECRET plan vision",
    )
    b_role = RoleFactory.create(community=b, title="B-SECRET board seat", seats=1)
    TermFactory.create(
        role=b_role,
        person=outsider,
        seat=1,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=300),
    )
    TrainingProgrammeFactory.create(
        title="B-SECRET draft academy",
        level=TrainingProgramme.Level.LOCAL,
        community=b,
        status=TrainingProgramme.Status.DRAFT,
    )
    resting = _person("Rae Resting", "resting@example.org")
    MembershipFactory.create(person=resting, community=a)
    world.proposed = CoachAssignmentFactory.create(
        coach=world.coach_profile,
        community=a,
        coachee=applicant,
        starts_on=today + timedelta(days=14),
        ends_on=today + timedelta(days=200),
        status=CoachAssignment.Status.PROPOSED,
    )
    world.paused = CoachAssignmentFactory.create(
        coach=world.coach_profile,
        community=a,
        coachee=resting,
        starts_on=today - timedelta(days=90),
        ends_on=today + timedelta(days=90),
        status=CoachAssignment.Status.PAUSED,
    )
    return world
