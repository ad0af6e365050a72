"""The dashboards: who leads, who is coming up, and how the leadership pipeline is doing, for a
community (its organisers), a region and the movement (coordinators).

Figures are computed in the database, for every scope of a level in one pass (compute.py), and
kept as snapshots that Celery refreshes every hour (tasks.py); a page reads one snapshot row. The
representation figures are published only suppressed and rounded (suppression.py): no snapshot,
page or export holds a count of a self-identified group under five people.
"""
