"""The URL arguments of every named pattern, taken from the world."""

from collections.abc import Callable
from typing import Any

from tests.security.world import World

type Kwargs = Callable[[World], dict[str, Any]]


def none(w: World) -> dict[str, Any]:
    return {}


def slug(w: World) -> dict[str, Any]:
    return {"slug": w.community.slug}


def pk(attr: str) -> Kwargs:
    return lambda w: {"pk": getattr(w, attr).pk}


KWARGS: dict[str, Kwargs] = {
    "set_language": none,
    "leadership:home": none,
    "leadership:community-list": none,
    "leadership:person-detail": lambda w: {"pk": w.person("member").pk},
    "leadership:profile-edit": none,
    "leadership:profile-languages": none,
    "leadership:profile-skills": none,
    "leadership:profile-identity": none,
    "leadership:profile-identity-erase": none,
    "plans:at-risk": none,
    "reminders:upcoming": none,
    "mentoring:programme-list": none,
    "mentoring:programme-create": none,
    "mentoring:mentor-dashboard": none,
    "mentoring:mine": none,
    "mentoring:exclusions": none,
    "training:programme-list": none,
    "training:programme-create": none,
    "training:schedule-month": lambda w: {
        "pk": w.training.pk,
        "year": w.session.starts_at.year,
        "month": w.session.starts_at.month,
    },
    "training:mine": none,
    "training:person-progress": lambda w: {"pk": w.person("member").pk},
    "training:personal-calendar": lambda w: {"token": w.feed.token},
    "training:feed-settings": none,
    "training:feed-regenerate": none,
    "training:library": none,
    "training:resource-create": none,
    "training:resource-review": none,
    "dashboards:index": none,
    "dashboards:movement": none,
    "dashboards:movement-csv": lambda w: {"table": "pipeline"},
    "dashboards:movement-refresh": none,
    "dashboards:region": lambda w: {"region": w.community.region},
    "dashboards:region-csv": lambda w: {"region": w.community.region, "table": "pipeline"},
    "dashboards:region-refresh": lambda w: {"region": w.community.region},
    "dashboards:community-csv": lambda w: {"slug": w.community.slug, "table": "pipeline"},
    "coaching:home": none,
    "coaching:coach-list": none,
    "coaching:coach-add": none,
    "coaching:assignment-list": none,
    "coaching:assignment-new": none,
}
