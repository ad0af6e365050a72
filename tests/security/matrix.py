"""The authorization matrix: for every named URL, who may see what it names, GET it and POST to it.

How a cell's expected answer follows from an entry (tests/security/test_authorization_matrix.py):
- a method the view does not take: 405, for everyone (the view refuses it before anything else);
- anonymous, on a page that is not public: 302 to the login page;
- someone who may not see the object the URL names (a person, a plan, a proposal, an engagement,
  a dashboard): 404, so that its existence is not given away;
- someone who may see it, or a page that names no object, without the right to do what the page
  does: 403;
- someone allowed: 200 on GET (or the entry's own code, as a redirect for set_language), and on a
  POST of an empty form 200 (the form's errors) or 302 (done).
A refused cell writes nothing at all. `READ` marks a page that only reads: a POST to it is answered
as its GET and writes nothing, for everyone.
"""

from dataclasses import dataclass, field

from tests.security.kwargs import KWARGS, Kwargs, pk, slug
from tests.security.world import USERS

type Who = frozenset[str]

EVERYONE: Who = frozenset(USERS)
SIGNED_IN: Who = EVERYONE - {"anonymous"}
NOBODY: Who = frozenset()
COORDINATORS: Who = frozenset({"coordinator", "staff"})
# Community A: its members (the mentee is one) and those who may edit its pages.
A_MEMBERS: Who = frozenset({"member", "organiser", "mentee"}) | COORDINATORS
A_EDITORS: Who = frozenset({"organiser"}) | COORDINATORS
ORGANISERS: Who = frozenset({"organiser", "outsider"}) | COORDINATORS
PAIR: Who = frozenset({"mentor", "mentee"})


def _who(*keys: str) -> Who:
    unknown = set(keys) - set(USERS)
    assert not unknown, unknown
    return frozenset(keys)


class ReadOnly:
    """A page that only reads: POST is answered as GET, and writes nothing."""

    def __repr__(self) -> str:
        return "READ"


READ = ReadOnly()


@dataclass(frozen=True)
class Entry:
    kwargs: Kwargs
    # Who may GET (None: the view takes no GET) and POST (None: no POST; READ: as GET).
    get: Who | None
    post: Who | ReadOnly | None
    # Who may see what the URL names; the others get 404. Everyone signed in by default.
    see: Who = SIGNED_IN
    # Served to anonymous visitors as to anyone (a calendar feed, the language switch).
    public: bool = False
    # The status of an allowed GET.
    ok_get: int = 200
    notes: str = field(default="", compare=False)


def page(
    kwargs: Kwargs, who: Who, *, see: Who = SIGNED_IN, post: Who | ReadOnly | None = READ
) -> Entry:
    return Entry(kwargs, get=who, post=post, see=see)


def form(kwargs: Kwargs, who: Who, *, see: Who = SIGNED_IN) -> Entry:
    return Entry(kwargs, get=who, post=who, see=see)


def action(kwargs: Kwargs, who: Who, *, see: Who = SIGNED_IN) -> Entry:
    return Entry(kwargs, get=None, post=who, see=see)


def get_only(kwargs: Kwargs, who: Who, *, see: Who = SIGNED_IN) -> Entry:
    return Entry(kwargs, get=who, post=None, see=see)


def k(name: str) -> Kwargs:
    return KWARGS[name]


# What the coaching URLs name, by the state the action needs.
ACTIVE = pk("assignment")
PROPOSED = pk("proposed")
PAUSED = pk("paused")
COACH = _who("coach")
# The active engagement is with the member; the proposed and paused ones with people who are
# none of the matrix's users, and a proposal is not its coachee's to see.
ACTIVE_SEEN = _who("coach", "member") | COORDINATORS
PROPOSAL_SEEN = COACH | COORDINATORS
PLAN_SEEN = A_MEMBERS

MATRIX: dict[str, Entry] = {
    "set_language": Entry(k("set_language"), EVERYONE, EVERYONE, public=True, ok_get=302),
    # leadership
    "leadership:home": Entry(k("leadership:home"), EVERYONE, READ, public=True),
    "leadership:community-list": page(k("leadership:community-list"), SIGNED_IN),
    "leadership:community-detail": page(slug, SIGNED_IN),
    "leadership:community-edit": form(slug, A_EDITORS),
    # The member's page: themselves, who shares a community with them, coordinators.
    "leadership:person-detail": page(k("leadership:person-detail"), A_MEMBERS, see=A_MEMBERS),
    "leadership:profile-edit": form(k("leadership:profile-edit"), SIGNED_IN),
    "leadership:profile-languages": form(k("leadership:profile-languages"), SIGNED_IN),
    "leadership:profile-skills": form(k("leadership:profile-skills"), SIGNED_IN),
    "leadership:profile-identity": form(k("leadership:profile-identity"), SIGNED_IN),
    "leadership:profile-identity-erase": action(k("leadership:profile-identity-erase"), SIGNED_IN),
    # plans: A's published plan, its board role, the member's term, the mentee as candidate
    "plans:at-risk": page(k("plans:at-risk"), SIGNED_IN),
    "plans:community-plans": page(slug, A_MEMBERS),
    "plans:plan-create": form(slug, A_EDITORS),
    "plans:role-create": form(slug, A_EDITORS),
    "plans:roles-import": form(slug, A_EDITORS),
    "plans:plan-detail": page(pk("plan"), PLAN_SEEN, see=PLAN_SEEN),
    "plans:plan-edit": form(pk("plan"), A_EDITORS, see=PLAN_SEEN),
    "plans:plan-status": action(pk("plan"), A_EDITORS, see=PLAN_SEEN),
    "plans:plan-timeline": page(pk("plan"), PLAN_SEEN, see=PLAN_SEEN),
    "plans:plan-history": page(pk("plan"), PLAN_SEEN, see=PLAN_SEEN),
    # The export names each holder by their login email: for those who keep the plan.
    "plans:plan-export": page(pk("plan"), A_EDITORS, see=PLAN_SEEN),
    "plans:role-detail": page(pk("role"), PLAN_SEEN, see=PLAN_SEEN),
    "plans:role-edit": form(pk("role"), A_EDITORS, see=PLAN_SEEN),
    "plans:role-succession": form(pk("role"), A_EDITORS, see=PLAN_SEEN),
    "plans:term-create": form(pk("role"), A_EDITORS, see=PLAN_SEEN),
    "plans:candidate-change": action(pk("candidate"), A_EDITORS, see=PLAN_SEEN),
    "plans:term-edit": form(pk("term"), A_EDITORS, see=PLAN_SEEN),
    "plans:term-end": form(pk("term"), A_EDITORS, see=PLAN_SEEN),
    # reminders
    "reminders:upcoming": page(k("reminders:upcoming"), SIGNED_IN),
    # mentoring: an open programme run by the movement's coordinators; the pair's relationship,
    # the mentor's pending proposal to a second applicant, the mentee's exclusion
    "mentoring:programme-list": page(k("mentoring:programme-list"), SIGNED_IN),
    "mentoring:programme-create": form(k("mentoring:programme-create"), COORDINATORS),
    "mentoring:mentor-dashboard": page(k("mentoring:mentor-dashboard"), SIGNED_IN),
    "mentoring:mine": page(k("mentoring:mine"), SIGNED_IN),
    "mentoring:exclusions": form(k("mentoring:exclusions"), SIGNED_IN),
    "mentoring:exclusion-remove": action(pk("exclusion"), _who("mentee"), see=_who("mentee")),
    "mentoring:programme-detail": page(pk("programme"), SIGNED_IN),
    "mentoring:programme-edit": form(pk("programme"), COORDINATORS),
    "mentoring:offer-edit": form(pk("programme"), SIGNED_IN),
    "mentoring:application-edit": form(pk("programme"), SIGNED_IN),
    "mentoring:coordinate": form(pk("programme"), COORDINATORS),
    "mentoring:run-start": action(pk("programme"), COORDINATORS),
    "mentoring:programme-publish": action(pk("programme"), COORDINATORS),
    # A run is part of its (visible) programme's coordination.
    "mentoring:run-detail": page(pk("run"), COORDINATORS),
    "mentoring:offer-away": action(pk("offer"), _who("mentor"), see=_who("mentor")),
    "mentoring:offer-withdraw": action(pk("offer"), _who("mentor"), see=_who("mentor")),
    "mentoring:application-withdraw": action(pk("application"), _who("mentee"), see=_who("mentee")),
    "mentoring:proposal-detail": page(
        pk("pending"), _who("mentor") | COORDINATORS, see=_who("mentor") | COORDINATORS
    ),
    "mentoring:proposal-answer": action(
        pk("pending"), _who("mentor"), see=_who("mentor") | COORDINATORS
    ),
    "mentoring:proposal-review": action(
        pk("pending"), COORDINATORS, see=_who("mentor") | COORDINATORS
    ),
    "mentoring:relationship-detail": page(
        pk("relationship"), PAIR | COORDINATORS, see=PAIR | COORDINATORS
    ),
    "mentoring:check-in-add": action(pk("relationship"), PAIR, see=PAIR | COORDINATORS),
    "mentoring:goals-update": action(pk("relationship"), PAIR, see=PAIR | COORDINATORS),
    "mentoring:relationship-end": action(pk("relationship"), PAIR, see=PAIR | COORDINATORS),
    "mentoring:feedback-give": action(pk("relationship"), PAIR, see=PAIR | COORDINATORS),
    # training: A's own programme (its organiser runs it), a sign-off stage, a session next
    # month facilitated by the mentor with the member enrolled, a library guide
    "training:programme-list": page(k("training:programme-list"), SIGNED_IN),
    "training:programme-create": form(k("training:programme-create"), COORDINATORS),
    "training:programme-detail": page(pk("training"), SIGNED_IN),
    "training:programme-edit": form(pk("training"), A_EDITORS),
    "training:stage-create": form(pk("training"), A_EDITORS),
    "training:schedule": page(pk("training"), SIGNED_IN),
    "training:schedule-month": page(k("training:schedule-month"), SIGNED_IN),
    "training:stage-detail": page(pk("stage"), SIGNED_IN),
    "training:stage-edit": form(pk("stage"), A_EDITORS),
    "training:stage-delete": action(pk("stage"), A_EDITORS),
    "training:community-trainings": page(slug, SIGNED_IN),
    "training:series-create": form(pk("stage"), A_EDITORS),
    "training:stage-sign-off": form(pk("stage"), A_EDITORS | _who("mentor")),
    "training:programme-progress": page(pk("training"), A_EDITORS),
    "training:session-detail": page(pk("session"), SIGNED_IN),
    "training:session-edit": form(pk("session"), A_EDITORS),
    "training:session-cancel": action(pk("session"), A_EDITORS),
    "training:session-restore": action(pk("cancelled_session"), A_EDITORS),
    "training:session-skip": action(pk("session"), A_EDITORS),
    "training:session-enrol": action(pk("session"), SIGNED_IN),
    "training:session-attendance": form(pk("session"), A_EDITORS | _who("mentor")),
    # "Cancel my enrolment": the member's own.
    "training:enrolment-cancel": action(pk("enrolment"), _who("member"), see=_who("member")),
    "training:mine": page(k("training:mine"), SIGNED_IN),
    # The member's progress: themselves, the organisers of their community, coordinators.
    "training:person-progress": page(
        k("training:person-progress"),
        _who("member", "organiser") | COORDINATORS,
        see=_who("member", "organiser") | COORDINATORS,
    ),
    "training:community-progress": page(slug, A_EDITORS),
    # Calendar apps cannot sign in: published schedules are public, the personal feed is
    # addressed by its secret key.
    "training:programme-calendar": Entry(pk("training"), EVERYONE, None, public=True),
    "training:community-calendar": Entry(slug, EVERYONE, None, public=True),
    "training:personal-calendar": Entry(
        k("training:personal-calendar"), EVERYONE, None, public=True
    ),
    # Shows (and on a first visit makes) the viewer's own key.
    "training:feed-settings": form(k("training:feed-settings"), SIGNED_IN),
    "training:feed-regenerate": action(k("training:feed-regenerate"), SIGNED_IN),
    "training:library": get_only(k("training:library"), SIGNED_IN),
    "training:resource-create": form(k("training:resource-create"), ORGANISERS),
    "training:resource-review": get_only(k("training:resource-review"), SIGNED_IN),
    # POST marks the guide done (for the viewer).
    "training:resource-detail": form(pk("resource"), SIGNED_IN),
    "training:resource-edit": form(pk("resource"), COORDINATORS),
    "training:resource-translate": form(pk("resource"), COORDINATORS),
    "training:resource-delete": form(pk("resource"), COORDINATORS),
    # dashboards
    "dashboards:index": get_only(k("dashboards:index"), SIGNED_IN),
    "dashboards:movement": get_only(k("dashboards:movement"), COORDINATORS, see=COORDINATORS),
    "dashboards:movement-csv": get_only(
        k("dashboards:movement-csv"), COORDINATORS, see=COORDINATORS
    ),
    "dashboards:movement-refresh": action(
        k("dashboards:movement-refresh"), COORDINATORS, see=COORDINATORS
    ),
    "dashboards:region": get_only(k("dashboards:region"), COORDINATORS, see=COORDINATORS),
    "dashboards:region-csv": get_only(k("dashboards:region-csv"), COORDINATORS, see=COORDINATORS),
    "dashboards:region-refresh": action(
        k("dashboards:region-refresh"), COORDINATORS, see=COORDINATORS
    ),
    "dashboards:community": get_only(slug, A_EDITORS, see=A_EDITORS),
    "dashboards:community-csv": get_only(k("dashboards:community-csv"), A_EDITORS, see=A_EDITORS),
    "dashboards:community-refresh": action(slug, A_EDITORS, see=A_EDITORS),
    # coaching: the coach's active engagement with the member, a proposal and a paused one
    "coaching:home": page(k("coaching:home"), SIGNED_IN),
    "coaching:coach-list": page(k("coaching:coach-list"), COORDINATORS),
    "coaching:coach-add": form(k("coaching:coach-add"), COORDINATORS),
    "coaching:coach-detail": page(
        pk("coach_profile"), COACH | COORDINATORS, see=COACH | COORDINATORS
    ),
    "coaching:coach-edit": form(
        pk("coach_profile"), COACH | COORDINATORS, see=COACH | COORDINATORS
    ),
    "coaching:assignment-list": page(k("coaching:assignment-list"), COORDINATORS),
    "coaching:assignment-new": form(k("coaching:assignment-new"), COORDINATORS),
    "coaching:assignment-detail": page(ACTIVE, ACTIVE_SEEN, see=ACTIVE_SEEN),
    "coaching:assignment-edit": form(ACTIVE, COACH | COORDINATORS, see=ACTIVE_SEEN),
    "coaching:assignment-accept": action(PROPOSED, COACH, see=PROPOSAL_SEEN),
    "coaching:assignment-decline": action(PROPOSED, COACH, see=PROPOSAL_SEEN),
    "coaching:assignment-withdraw": action(PROPOSED, COORDINATORS, see=PROPOSAL_SEEN),
    "coaching:assignment-pause": action(ACTIVE, COACH | COORDINATORS, see=ACTIVE_SEEN),
    "coaching:assignment-resume": action(PAUSED, COACH | COORDINATORS, see=PROPOSAL_SEEN),
    "coaching:assignment-complete": action(ACTIVE, COACH | COORDINATORS, see=ACTIVE_SEEN),
    "coaching:session-new": form(ACTIVE, COACH, see=ACTIVE_SEEN),
    # A session's own pages are the coach's alone (its private notes are on them).
    "coaching:session-edit": form(pk("coaching_session"), COACH, see=COACH),
    "coaching:session-delete": action(pk("coaching_session"), COACH, see=COACH),
    "coaching:note-erase": action(pk("coaching_session"), COACH, see=COACH),
}
