"""Production settings (from the environment, as deployed) plus the bench-only floor page."""

from config.settings import *  # noqa: F403
from config.settings import PATHWAYS_PAGE_SIZE, env

ROOT_URLCONF = "bench.urls"

# The small-scale query count uses a smaller page, so that every paginated page has a page 2
# there too (the small scale has a dozen communities; a page holds 25).
PATHWAYS_PAGE_SIZE = env.int("BENCH_PAGE_SIZE", default=PATHWAYS_PAGE_SIZE)
