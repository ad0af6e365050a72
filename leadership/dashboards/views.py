"""The dashboards' pages: thin, reading a snapshot through the selectors."""

import csv
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from plans.csv_io import safe_cell

from . import selectors, services
from .models import Level


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    offered = selectors.dashboards_for(user=request.user)
    return render(request, "dashboards/index.html", {"offered": offered})


def _scope(kwargs: dict[str, Any]) -> dict[str, str]:
    if "slug" in kwargs:
        return {"level": Level.COMMUNITY, "slug": kwargs["slug"]}
    if "region" in kwargs:
        return {"level": Level.REGION, "region": kwargs["region"]}
    return {"level": Level.MOVEMENT}


@require_GET
def dashboard(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    board = selectors.dashboard_get(user=request.user, **_scope(kwargs))
    return render(request, "dashboards/dashboard.html", {"board": board})


@require_GET
def table_csv(request: HttpRequest, table: str, **kwargs: Any) -> HttpResponse:
    board = selectors.dashboard_get(user=request.user, **_scope(kwargs))
    found = board.table(table)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{board.level}-{board.key}-{found.name}-{board.snapshot.as_of.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow([safe_cell(str(header)) for header in found.headers])
    for row in found.rows:
        writer.writerow([safe_cell(str(cell)) for cell in row])
    return response


@require_POST
def refresh(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    scope = _scope(kwargs)
    key, community = selectors.scope_get(user=request.user, **scope)
    try:
        services.snapshot_refresh_request(level=scope["level"], key=key, now=timezone.now())
    except services.DashboardError as error:
        messages.info(request, str(error))
    else:
        messages.success(
            request, _("Asked for fresh figures: they appear here within a few minutes.")
        )
    return redirect(selectors.dashboard_url(scope["level"], key, community))
