"""How a session's time reads: in the viewer's time zone, with the session's own beside it when
the clock there shows something else.

A simple tag that formats its HTML in Python, not an inclusion tag: a schedule page shows fifty
sessions, and rendering a template for each cost a third of the page.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

DAY_AND_TIME = "D j M Y, H:i"
SHORT_DAY_AND_TIME = "D j M, H:i"
TIME = "H:i"


@register.simple_tag
def session_when(session: Any) -> SafeString:
    viewer_zone = timezone.get_current_timezone()
    own_zone = ZoneInfo(str(session.time_zone))
    start = session.starts_at.astimezone(viewer_zone)
    end = session.ends_at.astimezone(viewer_zone)
    shown = format_html(
        '<time datetime="{}">{}\u2013{}</time>',
        start.isoformat(),
        date_format(start, DAY_AND_TIME),
        date_format(end, TIME if start.date() == end.date() else SHORT_DAY_AND_TIME),
    )
    own_start = session.starts_at.astimezone(own_zone)
    # The clocks show the same: one time is enough.
    if _wall(start) == _wall(own_start):
        return shown
    own_end = session.ends_at.astimezone(own_zone)
    beside = _("%(when)s\u2013%(until)s in %(zone)s") % {
        "when": date_format(own_start, SHORT_DAY_AND_TIME),
        "until": date_format(own_end, TIME),
        "zone": str(own_zone),
    }
    return format_html('{} <span class="text-body-secondary small">({})</span>', shown, beside)


def _wall(moment: datetime) -> tuple[int, int, int, int, int]:
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute)
