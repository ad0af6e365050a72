"""Demo data: realistic communities and people, the same for the same seed, safe to run twice.

Every row has a natural key (a username, a slug, a unique pair) and is written with
`bulk_create(ignore_conflicts=True)`, so a second run with the same seed adds nothing and a run
at a larger scale adds only what is missing.
"""

import itertools
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from tqdm import tqdm

from leadership import demo_data, fragments
from leadership.coaching.demo_data import seed_coaching
from leadership.dashboards.demo_data import seed_dashboards
from leadership.models import (
    Community,
    Language,
    Membership,
    Person,
    PersonLanguage,
    PersonSkill,
    Skill,
)
from leadership.services import membership_add, user_create
from mentoring.demo_data import seed_mentoring
from plans.demo_data import seed_plans
from training.demo_data import seed_training

# Rows per INSERT: big enough to keep round trips few, small enough to keep each statement's
# parameters well under Postgres' 65,535 limit and memory flat on the large scale.
BATCH_SIZE = 2000

DEMO_PASSWORD = "pathways-demo"  # noqa: S105 - printed on purpose: demo accounts only
DEMO_ACCOUNTS = [
    # (key, email, display name, what they can do)
    ("organiser", "organiser@example.org", "Olusegun Organiser", "organiser of the demo chapter"),
    ("member", "member@example.org", "Mariana Member", "member of the demo chapter"),
    ("mentor", "mentor@example.org", "Kofi Mentor", "mentor in the demo mentoring programme"),
    ("mentee", "mentee@example.org", "Morag Mentee", "mentee waiting for a mentor"),
    ("coach", "coach@example.org", "Kemi Coach", "coach with engagements to lead and answer"),
    (
        "coordinator",
        "coordinator@example.org",
        "Chidi Coordinator",
        "coordinator (edits everything)",
    ),
    ("admin", "admin@example.org", "Ada Admin", "admin (Django admin at /admin/)"),
]
# Django's marker for an unusable password: generated people cannot log in.
UNUSABLE_PASSWORD = "!seeded-demo-person"  # noqa: S105
BASE_DATE = date(2018, 1, 1)


@dataclass(frozen=True)
class Scale:
    communities: int
    people: int
    memberships: int


SCALES = {
    "small": Scale(communities=12, people=60, memberships=110),
    "large": Scale(communities=1_000, people=100_000, memberships=150_000),
}


def _batches(items: list[Any], size: int = BATCH_SIZE) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class Command(BaseCommand):
    help = "Create deterministic demo communities and people, and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args: Any, scale: str, seed: int, **options: Any) -> None:
        if not Language.objects.exists() or not Skill.objects.exists():
            raise CommandError("Reference data is missing: run `python manage.py migrate` first.")
        self.seed = seed
        self.rng = random.Random(seed)
        self.scale = SCALES[scale]
        self.show_progress = scale == "large" and options.get("verbosity", 1) > 0
        self.languages = {lang.code: lang for lang in Language.objects.all()}
        self.skills = list(Skill.objects.order_by("slug"))

        with transaction.atomic():
            communities = self._communities()
            people = self._people()
            self._memberships(communities, people)
            demo = self._demo_accounts(communities)
            seed_plans(
                community_ids=[c.pk for c in communities],
                rng=self.rng,
                progress=self._progress,
                batches=_batches,
            )
            seed_mentoring(
                people=people,
                demo=demo,
                skills=self.skills,
                rng=self.rng,
                large=scale == "large",
                progress=self._progress,
                batches=_batches,
            )
            seed_training(
                people=people,
                demo=demo,
                communities=communities,
                skills=self.skills,
                rng=self.rng,
                large=scale == "large",
                progress=self._progress,
                batches=_batches,
            )
            seed_coaching(
                people=people,
                demo=demo,
                communities=communities,
                skills=self.skills,
                seed=seed,
                large=scale == "large",
                progress=self._progress,
                batches=_batches,
            )
        # After the seed's transaction: the figures are computed from everything it wrote.
        seed_dashboards(people=people, seed=seed, batches=_batches)
        # Bulk inserts send no signals: no page cached before the seed may outlive it.
        fragments.bump(fragments.ALL)
        if not options["quiet_logins"]:
            self._print_logins()

    # -- communities ---------------------------------------------------------------------
    def _community_specs(self) -> list[dict[str, Any]]:
        rng = self.rng
        specs: list[dict[str, Any]] = []
        names: set[str] = set()

        def add(name: str, kind: str, region: str, tz: str, langs: list[str]) -> None:
            base, n = name, 2
            while name.lower() in names:
                name, n = f"{base} {n}", n + 1
            names.add(name.lower())
            specs.append(
                {"name": name, "kind": kind, "region": region, "time_zone": tz, "languages": langs}
            )

        add("Wikimedia Demo Chapter", "chapter", "ssa", "Africa/Lagos", ["en", "yo"])
        countries = demo_data.COUNTRIES
        for theme in demo_data.THEMES:
            add(theme, "thematic", "global", "UTC", ["en"])
        add("Wikimedia Movement", "movement", "global", "UTC", ["en", "fr", "es", "ar"])
        online: list[str] = []
        for country, region, tz, langs, cities in countries:
            add(f"Wikimedia {country}", "chapter", region, tz, langs)
            for city in cities:
                add(f"Wikimedians of {city}", "user_group", region, tz, langs[:2])
            online.extend(code for code in langs if code not in online)
        # One online community a language: a wiki's community is not tied to a country.
        for code in online:
            if lang := self.languages.get(code):
                add(f"{lang.name} Wikipedia community", "online", "global", "UTC", [code])
        # Beyond the named ones (large scale), local groups on a topic, each pair used once.
        local = [
            (topic.title(), city, country)
            for country in countries
            for city in country[4]
            for topic in demo_data.TOPICS
        ]
        rng.shuffle(local)
        for topic, city, (_name, region, tz, langs, _cities) in local:
            if len(specs) >= self.scale.communities:
                break
            add(f"{topic} Wikimedians of {city}", "user_group", region, tz, langs[:2])
        head, tail = specs[:1], specs[1:]
        # Keep the demo chapter, then a seeded sample so the small scale mixes kinds and regions.
        rng.shuffle(tail)
        return (head + tail)[: self.scale.communities]

    def _communities(self) -> list[Community]:
        specs = self._community_specs()
        rows = [
            Community(
                name=s["name"],
                slug=slugify(s["name"])[:80],
                kind=s["kind"],
                region=s["region"],
                time_zone=s["time_zone"],
                description=(
                    f"{s['name']} brings together volunteers who write, photograph and organise "
                    "for the free knowledge movement."
                ),
            )
            for s in specs
        ]
        for batch in _batches(rows):
            Community.objects.bulk_create(batch, ignore_conflicts=True)
        by_slug = Community.objects.in_bulk([r.slug for r in rows], field_name="slug")
        # A row missing here clashed on another unique key (a real community renamed to a
        # seeded name): it is left alone, not overwritten.
        found = [
            (by_slug[r.slug], spec)
            for r, spec in zip(rows, specs, strict=True)
            if r.slug in by_slug
        ]
        communities = [community for community, _spec in found]
        through = Community.languages.through
        links = [
            through(community_id=c.pk, language_id=code)
            for c, spec in found
            for code in spec["languages"]
            if code in self.languages
        ]
        for batch in _batches(links):
            through.objects.bulk_create(batch, ignore_conflicts=True)
        return communities

    # -- people --------------------------------------------------------------------------
    # A re-run skips the rows whose unique key is already there before building them: building
    # a million model instances only for `ignore_conflicts` to drop them cost minutes on the large
    # scale. The random draws still happen for every row, in the same order, so the data stays
    # the same for the same seed; the rows that remain are still written with
    # `ignore_conflicts=True`, so a conflict on another unique key is still skipped as before.
    def _people(self) -> list[int]:
        """The generated people's primary keys, in seed order."""
        user_model = get_user_model()
        count = self.scale.people
        emails = [f"person{i:06d}@example.org" for i in range(1, count + 1)]
        user_ids = self._generated_user_ids(emails)
        users = [
            user_model(username=e, email=e, password=UNUSABLE_PASSWORD, is_active=True)
            for e in emails
            if e not in user_ids
        ]
        if users:
            for batch in self._progress(_batches(users), "users"):
                user_model.objects.bulk_create(batch, ignore_conflicts=True)
            user_ids = self._generated_user_ids(emails)
        del users
        self._email_addresses(emails, user_ids)

        # Each person's fields, langs and skills; a Person is built only if it is missing.
        profiles: list[
            tuple[int, dict[str, Any], list[tuple[str, int]], list[tuple[Skill, int]]]
        ] = []
        country_langs = [c[3] for c in demo_data.COUNTRIES]
        country_tzs = [c[2] for c in demo_data.COUNTRIES]
        for i, email in enumerate(emails):
            if email not in user_ids:  # taken by a real account that is not ours: leave it
                continue
            # Each person draws from their own generator: the same person gets the same
            # profile at every scale, so seeding "large" over "small" adds and never alters.
            rng = random.Random(f"{self.seed}:{email}")
            given = rng.choice(demo_data.GIVEN_NAMES)
            family = rng.choice(demo_data.FAMILY_NAMES)
            home = rng.randrange(len(demo_data.COUNTRIES))
            year = rng.randint(2005, 2025)
            fields = {
                "user_id": user_ids[email],
                "display_name": f"{given} {family}",
                "wiki_username": f"{given}{family[:1]}{i + 1}" if rng.random() < 0.8 else "",
                "pronouns": rng.choice(demo_data.PRONOUNS),
                "time_zone": country_tzs[home],
                "bio": rng.choice(demo_data.BIO_OPENINGS).format(
                    year=year, topic=rng.choice(demo_data.TOPICS)
                ),
                "open_to_being_mentored": rng.random() < 0.3,
                "open_to_mentoring": rng.random() < 0.15,
                "open_to_coaching": rng.random() < 0.05,
            }
            langs = [(country_langs[home][0], 4)]
            if "en" not in country_langs[home] and rng.random() < 0.6:
                langs.append(("en", rng.randint(1, 3)))
            if len(country_langs[home]) > 1 and rng.random() < 0.5:
                langs.append((country_langs[home][1], rng.randint(2, 4)))
            skills = [(s, rng.randint(1, 4)) for s in rng.sample(self.skills, rng.randint(0, 5))]
            profiles.append((user_ids[email], fields, langs, skills))

        generated = self._generated(emails, "user__")
        person_ids = dict(Person.objects.filter(generated).values_list("user_id", "pk"))
        new_people = [
            Person(**fields) for user_id, fields, _l, _s in profiles if user_id not in person_ids
        ]
        if new_people:
            for batch in self._progress(_batches(new_people), "people"):
                Person.objects.bulk_create(batch, ignore_conflicts=True)
            person_ids = dict(Person.objects.filter(generated).values_list("user_id", "pk"))
        del new_people

        of_people = self._generated(emails, "person__user__")
        known_languages = set(
            PersonLanguage.objects.filter(of_people).values_list("person_id", "language_id")
        )
        known_skills = set(
            PersonSkill.objects.filter(of_people).values_list("person_id", "skill_id")
        )
        language_rows: list[PersonLanguage] = []
        skill_rows: list[PersonSkill] = []
        for user_id, _fields, langs, skills in profiles:
            pid = person_ids.get(user_id)
            if pid is None:  # dropped on another unique key (a wiki username someone took)
                continue
            seen: set[str] = set()
            for code, level in langs:
                if code in self.languages and code not in seen:
                    seen.add(code)
                    if (pid, code) not in known_languages:
                        language_rows.append(
                            PersonLanguage(person_id=pid, language_id=code, proficiency=level)
                        )
            skill_rows.extend(
                PersonSkill(person_id=pid, skill_id=skill.pk, level=level)
                for skill, level in skills
                if (pid, skill.pk) not in known_skills
            )
        for batch in self._progress(_batches(language_rows), "languages"):
            PersonLanguage.objects.bulk_create(batch, ignore_conflicts=True)
        for batch in self._progress(_batches(skill_rows), "skills"):
            PersonSkill.objects.bulk_create(batch, ignore_conflicts=True)
        return [person_ids[u] for u, _p, _l, _s in profiles if u in person_ids]

    @staticmethod
    def _generated(emails: list[str], prefix: str = "") -> Q:
        """Rows of the generated people, through `prefix` (e.g. "person__user__")."""
        if len(emails) <= 5000:
            return Q(**{f"{prefix}username__in": emails})
        # One scan for the pattern rather than an IN list of 100,000 names.
        return Q(
            **{
                f"{prefix}username__startswith": "person",
                f"{prefix}username__endswith": "@example.org",
            }
        )

    def _generated_user_ids(self, emails: list[str]) -> dict[str, int]:
        users = get_user_model().objects.filter(self._generated(emails))
        return dict(users.values_list("username", "pk"))

    def _email_addresses(self, emails: list[str], user_ids: dict[str, int]) -> None:
        from allauth.account.models import EmailAddress

        known = set(
            EmailAddress.objects.filter(self._generated(emails, "user__")).values_list(
                "user_id", "email"
            )
        )
        rows = [
            EmailAddress(user_id=user_ids[e], email=e, verified=True, primary=True)
            for e in emails
            if (user_ids[e], e) not in known
        ]
        for batch in self._progress(_batches(rows), "emails"):
            EmailAddress.objects.bulk_create(batch, ignore_conflicts=True)

    # -- memberships ---------------------------------------------------------------------
    def _memberships(self, communities: list[Community], people: list[int]) -> None:
        rng = self.rng
        community_ids = [c.pk for c in communities]
        # Community sizes follow a long tail, as in the movement: a few large, many small.
        # Accumulated once: `choices(weights=...)` would redo it for each of 250,000 draws, and
        # given `cum_weights` it draws exactly the same.
        cum_weights = list(
            itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(communities)))
        )
        pairs: dict[tuple[int, int], str] = {}
        # Everyone belongs somewhere; the rest of the memberships go by community size.
        for person_id in people:
            community_id = rng.choices(community_ids, cum_weights=cum_weights)[0]
            pairs[(person_id, community_id)] = "member"
        target = max(self.scale.memberships, len(people))
        attempts = 0
        while len(pairs) < target and attempts < target * 3:
            attempts += 1
            person_id = people[rng.randrange(len(people))]
            community_id = rng.choices(community_ids, cum_weights=cum_weights)[0]
            pairs.setdefault((person_id, community_id), "member")
        # Two organisers a community, from its own members.
        by_community: dict[int, list[int]] = {}
        for person_id, community_id in pairs:
            by_community.setdefault(community_id, []).append(person_id)
        for community_id, members in sorted(by_community.items()):
            for person_id in sorted(members)[:2]:
                pairs[(person_id, community_id)] = "organiser"
        known = set(
            Membership.objects.filter(community_id__in=community_ids).values_list(
                "person_id", "community_id"
            )
        )
        rows = []
        for (person_id, community_id), role in sorted(pairs.items()):
            joined_on = BASE_DATE + timedelta(days=rng.randrange(3000))
            if (person_id, community_id) not in known:
                rows.append(
                    Membership(
                        person_id=person_id,
                        community_id=community_id,
                        role=role,
                        joined_on=joined_on,
                    )
                )
        for batch in self._progress(_batches(rows), "memberships"):
            Membership.objects.bulk_create(batch, ignore_conflicts=True)

    # -- demo logins ---------------------------------------------------------------------
    def _demo_accounts(self, communities: list[Community]) -> dict[str, Person]:
        chapter = communities[0]
        demo: dict[str, Person] = {}
        for key, email, name, _what in DEMO_ACCOUNTS:
            person = user_create(email=email, password=DEMO_PASSWORD, display_name=name)
            demo[key] = person
        organiser, member = demo["organiser"], demo["member"]
        if not organiser.bio:  # first run only: later runs keep what the demo user edited
            organiser.time_zone = "Africa/Lagos"
            organiser.bio = "Organises the demo chapter's edit-a-thons and its board elections."
            organiser.save(update_fields=["time_zone", "bio"])
        membership_add(person=organiser, community=chapter, role="organiser", joined_on=BASE_DATE)
        membership_add(person=member, community=chapter, role="member", joined_on=BASE_DATE)
        if len(communities) > 1:
            membership_add(
                person=member, community=communities[1], role="member", joined_on=BASE_DATE
            )
        group, _ = Group.objects.get_or_create(name=settings.PATHWAYS_COORDINATORS_GROUP)
        demo["coordinator"].user.groups.add(group)
        admin_user = demo["admin"].user
        if not (admin_user.is_staff and admin_user.is_superuser):
            admin_user.is_staff = admin_user.is_superuser = True
            admin_user.save(update_fields=["is_staff", "is_superuser"])
        # The demo mentor and mentee belong to two other communities: a pair from one
        # community is a conflict of interest, which the demo programme does not allow.
        if len(communities) > 3:
            membership_add(
                person=demo["mentor"], community=communities[2], role="member", joined_on=BASE_DATE
            )
            membership_add(
                person=demo["mentee"], community=communities[3], role="member", joined_on=BASE_DATE
            )
        return demo

    def _print_logins(self) -> None:
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Log in with one of these accounts:")
        )
        for _key, email, _name, what in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:<26} password: {DEMO_PASSWORD}   ({what})")

    def _progress(self, batches: list[list[Any]], what: str) -> Any:
        if not self.show_progress or not batches:  # a re-run has nothing to write
            return batches
        return tqdm(batches, desc=f"{what:>12}", unit="batch", file=sys.stderr)
