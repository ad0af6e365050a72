"""Who sees which dashboard: a community's, its organisers and the coordinators; a region's and
the movement's, the coordinators. Nobody sees a person's own answers: only aggregates exist."""

import rules

from leadership.rules import is_coordinator, is_organiser_of

rules.add_perm("dashboards.view_community", is_organiser_of | is_coordinator)
rules.add_perm("dashboards.view_region", is_coordinator)
rules.add_perm("dashboards.view_movement", is_coordinator)
