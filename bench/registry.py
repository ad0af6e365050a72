"""What `make bench` measures: pages and jobs, registered by each app's `bench.py` module.

An app registers its pages at import time:

    register_page("community list", lambda ctx: reverse("leadership:community-list"))
    register_job("nightly sweep", "large", sweep)

`discover()` imports every installed app's `bench` module, as the admin finds `admin.py`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from leadership.models import Person

# A realistic user: the demo chapter's organiser, who belongs to the largest community.
BENCH_USER_EMAIL = "organiser@example.org"


class BenchError(Exception):
    """The bench cannot measure: a page did not answer 200, a link is missing, a job failed."""


@dataclass(frozen=True)
class BenchContext:
    """What a page's path function may use to find its URL in the database being measured."""

    scale: str  # "small" or "large"
    user: "User"  # the bench user, logged in
    person: "Person"  # their profile
    client: "Client"  # a Django test client logged in as `user`, speaking HTTPS to 127.0.0.1

    def get(self, path: str) -> str:
        """The page at `path` as the bench user sees it; BenchError unless it answers 200."""
        response = self.client.get(path, secure=True)
        if response.status_code != 200:
            raise BenchError(f"GET {path} answered {response.status_code}, not 200")
        return response.content.decode()

    def next_page(self, path: str) -> str:
        """The path behind the rel="next" link of the page at `path`, as a visitor follows it."""
        finder = _NextLinkFinder()
        finder.feed(self.get(path))
        if finder.href is None:
            raise BenchError(f'{path} has no rel="next" link at the {self.scale} scale')
        return urljoin(path, finder.href)


class _NextLinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and self.href is None and "next" in (attributes.get("rel") or "").split():
            self.href = attributes.get("href")


PathFn = Callable[[BenchContext], str]


@dataclass(frozen=True)
class Page:
    name: str
    path_fn: PathFn
    user_email: str = BENCH_USER_EMAIL  # whose page it is: the bench user unless said


@dataclass(frozen=True)
class Job:
    name: str
    size: str  # what it works on, e.g. "large" or "100,000 people"
    fn: Callable[[], object]


_pages: dict[str, Page] = {}
_jobs: dict[str, Job] = {}


def register_page(name: str, path_fn: PathFn, *, user_email: str = BENCH_USER_EMAIL) -> None:
    """Measure the page at `path_fn(ctx)`: resolved in each database, so it may follow data.

    It is requested as the bench user, or as the demo user with `user_email` (a coordinator's
    page); `ctx` is then that user's.
    """
    if name in _pages:
        raise ValueError(f"A bench page named {name!r} is already registered.")
    _pages[name] = Page(name, path_fn, user_email)


def register_job(name: str, size: str, fn: Callable[[], object]) -> None:
    """Time `fn()` and its peak memory, alone in a process, against the large-scale database."""
    if name in _jobs:
        raise ValueError(f"A bench job named {name!r} is already registered.")
    _jobs[name] = Job(name, size, fn)


def pages() -> list[Page]:
    return list(_pages.values())


def jobs() -> list[Job]:
    return list(_jobs.values())


def discover() -> None:
    """Import each installed app's `bench` module, which registers that app's pages and jobs."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("bench")
