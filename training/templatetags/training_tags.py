"""How a session's time reads: in the viewer's time zone, with the session's own beside it when
the clock there shows something else."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("training/partials/when.html")
def session_when(session: Any) -> dict[str, Any]:
    viewer_zone = timezone.get_current_timezone()
    own_zone = ZoneInfo(str(session.time_zone))
    start = session.starts_at.astimezone(viewer_zone)
    end = session.ends_at.astimezone(viewer_zone)
    own_start = session.starts_at.astimezone(own_zone)
    own_end = session.ends_at.astimezone(own_zone)
    return {
        "start": start,
        "end": end,
        "same_day": start.date() == end.date(),
        "viewer_zone": str(viewer_zone),
        "own_start": own_start,
        "own_end": own_end,
        "own_same_day": own_start.date() == own_end.date(),
        "own_zone": str(own_zone),
        # The clocks show the same: one time is enough.
        "differs": _wall(start) != _wall(own_start),
    }


def _wall(moment: datetime) -> tuple[int, int, int, int, int]:
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute)
