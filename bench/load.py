"""The load test of `make bench`: a crowd of volunteers (bench/locustfile.py) against gunicorn with
production settings, on Postgres and Redis, at the large scale.

0. A minute of unmeasured load, so that caches are as warm as on a site that has been up.
1. Steps of growing concurrency (20, 40, 80, ... simulated people, each clicking every 1 to 3
   seconds) of STEP_SECONDS each, until a step has an error or its p95 passes STEP_P95_LIMIT_MS:
   the highest step before that is what the machine sustains.
2. The main run: RUN_SECONDS (5 minutes) at that concurrency. Per page: throughput, p50, p95 and
   p99, errors; the floor page's throughput in the same run, for comparison.
3. The issue's target is read off the 20-people step: no error and every page's p95 under 300 ms.

Run by bench/run.py after the page timings; BENCH_LOAD=0 skips it. locust runs in its own process
and shares the two cores with gunicorn, Postgres and Redis, as a load generator on a small box
does: its figures are the whole machine's.
"""

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCUST = str(Path(sys.executable).with_name("locust"))
LOCUSTFILE = ROOT / "bench" / "locustfile.py"

STEPS = [int(n) for n in os.environ.get("BENCH_LOAD_STEPS", "20,40,80,160,320").split(",")]
STEP_SECONDS = int(os.environ.get("BENCH_LOAD_STEP_SECONDS", "45"))
# Unmeasured, first: every person's first visit of each page fills the caches (page content,
# Postgres' buffers), as they are filled on a site that has been up for a while.
WARMUP_USERS = 40
WARMUP_SECONDS = int(os.environ.get("BENCH_LOAD_WARMUP_SECONDS", "60"))
RUN_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "300"))
# A step whose p95 (all pages) passes this no longer "sustains" the load, errors or not.
STEP_P95_LIMIT_MS = 1000
# The target, at 20 people.
TARGET_USERS = 20
TARGET_P95_MS = 300
AGGREGATED = "Aggregated"


def locust(host: str, plan: Path, users: int, seconds: int, out: Path) -> list[dict[str, Any]]:
    """Run the crowd headless; its per-page statistics (locust's CSV)."""
    prefix = out / f"u{users}_{seconds}s"
    args = [
        LOCUST,
        "-f",
        str(LOCUSTFILE),
        "--headless",
        f"--users={users}",
        # Everyone arrives within five seconds.
        f"--spawn-rate={max(users // 5, 1)}",
        f"--run-time={seconds}s",
        f"--host={host}",
        f"--csv={prefix}",
        "--only-summary",
        "--exit-code-on-error=0",
        "--loglevel=WARNING",
    ]
    done = subprocess.run(
        args,
        env={**os.environ, "BENCH_LOAD_PLAN": str(plan)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    stats = Path(f"{prefix}_stats.csv")
    if done.returncode != 0 or not stats.exists():
        raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    with stats.open() as f:
        return [_row(row) for row in csv.DictReader(f)]


def _row(row: dict[str, str]) -> dict[str, Any]:
    def number(key: str) -> float:
        value = row.get(key, "") or "0"
        return float("nan") if value == "N/A" else float(value)

    return {
        "name": row["Name"],
        "method": row["Type"],
        "requests": int(number("Request Count")),
        "errors": int(number("Failure Count")),
        "rps": round(number("Requests/s"), 2),
        "p50_ms": number("50%"),
        "p95_ms": number("95%"),
        "p99_ms": number("99%"),
    }


def _summary(rows: list[dict[str, Any]], users: int, seconds: int) -> dict[str, Any]:
    total = next(row for row in rows if row["name"] == AGGREGATED)
    pages = [row for row in rows if row["name"] != AGGREGATED]
    return {
        "users": users,
        "seconds": seconds,
        "requests": total["requests"],
        "errors": total["errors"],
        "rps": total["rps"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "pages": pages,
    }


def run_load(host: str, plan: Path, say: Any) -> dict[str, Any]:
    """The steps, then the main run at the highest sustained step; the figures for results.json."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        say(f"Load: warming up with {WARMUP_USERS} people for {WARMUP_SECONDS}s (not measured)...")
        locust(host, plan, WARMUP_USERS, WARMUP_SECONDS, out)
        steps = []
        sustained = None
        for users in STEPS:
            say(f"Load: {users} people for {STEP_SECONDS}s...")
            step = _summary(locust(host, plan, users, STEP_SECONDS, out), users, STEP_SECONDS)
            steps.append(step)
            say(
                f"  {step['rps']:.1f} requests/s, p95 {step['p95_ms']:.0f} ms, "
                f"{step['errors']} errors"
            )
            if step["errors"] or step["p95_ms"] > STEP_P95_LIMIT_MS:
                break
            sustained = users
        # Even the first step may not hold (a busy machine): the main run then runs at it, and
        # the report says that nothing was sustained.
        users = sustained if sustained is not None else STEPS[0]
        say(f"Load: the main run, {users} people for {RUN_SECONDS}s...")
        main = _summary(locust(host, plan, users, RUN_SECONDS, out), users, RUN_SECONDS)
    target_step = next((s for s in steps if s["users"] == TARGET_USERS), None)
    misses = []
    if target_step is None:
        misses.append(f"no step at {TARGET_USERS} people")
    else:
        if target_step["errors"]:
            misses.append(f"{target_step['errors']} errors at {TARGET_USERS} people")
        misses += [
            f"{page['name']}: p95 {page['p95_ms']:.0f} ms at {TARGET_USERS} people"
            for page in target_step["pages"]
            if page["p95_ms"] > TARGET_P95_MS
        ]
    if sustained is None:
        misses.append(f"not even {STEPS[0]} people were sustained (errors or p95 over 1 s)")
    if main["errors"]:
        misses.append(f"{main['errors']} errors in the main run at {main['users']} people")
    floor = next((p for p in main["pages"] if p["name"].startswith("(floor")), None)
    return {
        "setup": "gunicorn (production settings) on the bench's two cores, with Postgres, Redis "
        "and locust on the same machine; people think 1-3 s between clicks",
        "sustained_users": sustained,
        "main_run": main,
        "floor_rps_in_main_run": floor["rps"] if floor else None,
        "steps": [{k: v for k, v in s.items() if k != "pages"} for s in steps],
        "target": {
            "users": TARGET_USERS,
            "p95_ms_under": TARGET_P95_MS,
            "met": not misses,
            "misses": misses,
            "pages": target_step["pages"] if target_step else [],
        },
    }


def report(load: dict[str, Any]) -> list[str]:
    """Print the main run's table; warnings for the target's misses."""
    main = load["main_run"]
    print()
    print(
        f"Load: {main['users']} people for {main['seconds']}s: {main['requests']:,} requests, "
        f"{main['rps']:.1f}/s, {main['errors']} errors (highest sustained step)"
    )
    headers = ["page", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"]
    table = [
        [
            p["name"],
            str(p["requests"]),
            str(p["errors"]),
            f"{p['rps']:.2f}",
            f"{p['p50_ms']:.0f}",
            f"{p['p95_ms']:.0f}",
            f"{p['p99_ms']:.0f}",
        ]
        for p in main["pages"]
    ]
    widths = [max(len(r[i]) for r in [headers, *table]) for i in range(len(headers))]
    for row in [headers, *table]:
        cells = zip(row, widths, strict=True)
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(cells)))
    steps = ", ".join(
        f"{s['users']}: {s['rps']:.0f}/s p95 {s['p95_ms']:.0f} ms {s['errors']} err"
        for s in load["steps"]
    )
    print(f"Steps: {steps}")
    return [f"load target: {miss}" for miss in load["target"]["misses"]]
