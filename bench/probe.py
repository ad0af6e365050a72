"""The Django side of the bench (paths, query counts, the session, jobs), run by bench/worker.py."""

import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import registry
from bench.urls import FLOOR_PATH
from leadership.models import Person

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


def count_queries(ctx: registry.BenchContext, path: str) -> int:
    """Queries of one GET of `path`, after one unmeasured GET (first-visit session writes)."""
    ctx.get(path)
    with CaptureQueriesContext(connection) as queries:
        ctx.get(path)
    return len(queries)


def bench_session(user: Any) -> str:
    """A logged-in session for the server's requests, as logging in through the form makes."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = AUTH_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return str(store.session_key)


def _context(scale: str, email: str) -> registry.BenchContext:
    user = get_user_model().objects.get(email=email)
    person = Person.objects.get(user=user)
    _with_two_factor(user)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend=AUTH_BACKEND)
    return registry.BenchContext(scale=scale, user=user, person=person, client=client)


def _with_two_factor(user: Any) -> None:
    """Staff and coordinators use TOTP in production (RequireMfaMiddleware): so does the bench
    database's copy of a demo coordinator, or every page of theirs would redirect to set it up."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from leadership.rules import is_coordinator

    if not (user.is_staff or is_coordinator(user)):
        return
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())


def probe(scale: str, *, with_session: bool) -> dict[str, Any]:
    contexts = {registry.BENCH_USER_EMAIL: _context(scale, registry.BENCH_USER_EMAIL)}
    pages = []
    for page in registry.pages():
        if page.user_email not in contexts:
            contexts[page.user_email] = _context(scale, page.user_email)
        ctx = contexts[page.user_email]
        path = page.path_fn(ctx)
        pages.append(
            {
                "name": page.name,
                "path": path,
                "user": page.user_email,
                "queries": count_queries(ctx, path),
            }
        )
    bench_ctx = contexts[registry.BENCH_USER_EMAIL]
    return {
        "pages": pages,
        "floor": {
            "path": FLOOR_PATH,
            "user": registry.BENCH_USER_EMAIL,
            "queries": count_queries(bench_ctx, FLOOR_PATH),
        },
        "jobs": [{"name": job.name, "size": job.size} for job in registry.jobs()],
        # A logged-in session for each user whose pages are timed.
        "sessions": (
            {
                "cookie": settings.SESSION_COOKIE_NAME,
                "keys": {email: bench_session(ctx.user) for email, ctx in contexts.items()},
            }
            if with_session
            else None
        ),
    }


def run_job(name: str) -> dict[str, Any]:
    job = next((job for job in registry.jobs() if job.name == name), None)
    if job is None:
        raise registry.BenchError(f"No bench job named {name!r}.")
    start = time.perf_counter()
    outcome = job.fn()
    result: dict[str, Any] = {"seconds": time.perf_counter() - start}
    # A job may report its own figures (a matching run: its own seconds, matched, objective,
    # certified), which override the wall clock of the whole call.
    if isinstance(outcome, dict):
        result.update(outcome)
    return result


# How many people of each kind the load test signs in: each simulated user takes one at random,
# so that requests spread over as many plans, relationships and schedules as a real crowd's.
LOAD_PEOPLE = 40


def load_plan() -> dict[str, Any]:
    """Who the load test (bench/locustfile.py) acts as at the large scale, and what they open:
    organisers with a plan to edit, mentors with a relationship, members enrolled in a training
    (with their calendar key), a published programme's calendar; each with a session."""
    from mentoring.models import Relationship, RelationshipStatus
    from plans.models import LeadershipPlan
    from training.models import Enrolment, TrainingProgramme
    from training.services.feeds import feed_token_get_or_create

    def session_for(person: Person) -> str:
        _with_two_factor(person.user)
        return bench_session(person.user)

    organisers = []
    plans = (
        LeadershipPlan.objects.filter(community__memberships__role="organiser")
        .exclude(status=LeadershipPlan.Status.ARCHIVED)
        .values_list("pk", "community__slug", "community__memberships__person_id")
        .order_by("pk")[: LOAD_PEOPLE * 5 : 5]
    )
    for plan_pk, slug, person_id in plans:
        person = Person.objects.select_related("user").get(pk=person_id)
        organisers.append({"session": session_for(person), "plan": plan_pk, "community": slug})

    mentors = []
    relationships = (
        Relationship.objects.filter(status=RelationshipStatus.ACTIVE)
        .select_related("offer__person__user")
        .order_by("pk")[: LOAD_PEOPLE * 5 : 5]
    )
    for relationship in relationships:
        person = relationship.offer.person
        mentors.append({"session": session_for(person), "relationship": relationship.pk})

    members = []
    enrolments = (
        Enrolment.objects.filter(status=Enrolment.Status.ENROLLED)
        .select_related("person__user", "session__stage__programme")
        .order_by("pk")[: LOAD_PEOPLE * 5 : 5]
    )
    for enrolment in enrolments:
        person = enrolment.person
        starts = enrolment.session.starts_at
        members.append(
            {
                "session": session_for(person),
                "programme": enrolment.session.stage.programme_id,
                "year": starts.year,
                "month": starts.month,
                "feed": feed_token_get_or_create(person=person).token,
            }
        )
    programme = (
        TrainingProgramme.objects.exclude(status=TrainingProgramme.Status.DRAFT)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    bench_user = get_user_model().objects.get(email=registry.BENCH_USER_EMAIL)
    for kind, found in [("organisers", organisers), ("mentors", mentors), ("members", members)]:
        if not found:
            raise registry.BenchError(f"The large scale has no {kind} for the load test.")
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "organisers": organisers,
        "mentors": mentors,
        "members": members,
        "programme": programme,
        "floor": {"path": FLOOR_PATH, "session": bench_session(bench_user)},
    }
