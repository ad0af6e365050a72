"""`make bench`: seed the bench databases, serve with production settings, measure every page.

Run as `.venv/bin/python bench/run.py` from anywhere; see bench/README.md for what it measures.
Exit status 0 when it measured (even if a page misses a target), 1 when it could not.
"""

import http.client
import json
import math
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
SERVER_LOG = ROOT / "bench" / "gunicorn.log"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

DATABASES = {"small": "pathways_bench_small", "large": "pathways_bench_large"}
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432"
# Production keeps its cache (page content, rate limits) in Redis: so does the bench, in a Redis
# database of its own per scale, emptied at the start (a fragment of one scale's data must not be
# served at the other).
CACHE_DATABASES = {"small": 14, "large": 15}
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))
# The machine has two cores: one sync worker each, as a small production box would run.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
# The load test serves as deployed (Dockerfile, docker-compose.yml): three sync workers, so that
# one waiting on Postgres leaves both cores busy. BENCH_LOAD=0 skips the load test.
LOAD_WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "3"))
LOAD = os.environ.get("BENCH_LOAD", "1") != "0"
# Which registered jobs to run: all by default; names separated by semicolons (a name may hold a
# comma: "100,000"); "none" for none.
JOBS = os.environ.get("BENCH_JOBS", "")
# The small scale has a dozen communities: a page of 5 gives every list a page 2 there.
SMALL_PAGE_SIZE = "5"
# The targets from the issue.
MAX_RATIO_TO_FLOOR = 2.0
# One key for the run: the session made by the probe must be valid in gunicorn.
SECRET_KEY = secrets.token_urlsafe(50)


class BenchError(Exception):
    pass


STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:5.0f}s] {message}", flush=True)


# -- databases ---------------------------------------------------------------------------
def database_url(name: str) -> str:
    """BENCH_DATABASE_URL (a server, with or without a database name) pointed at `name`."""
    parts = urlsplit(os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER_URL))
    return urlunsplit(parts._replace(path=f"/{name}"))


def _connect(url: str, dbname: str | None = None) -> psycopg.Connection[Any]:
    info = psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))
    if dbname:
        info["dbname"] = dbname
    return psycopg.connect(**info, autocommit=True, connect_timeout=5)  # type: ignore[arg-type]


def ensure_database(url: str) -> None:
    """Create the database if it is missing, from the server's `postgres` maintenance database."""
    name = urlsplit(url).path.lstrip("/")
    try:
        with _connect(url, "postgres") as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if found is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                say(f"Created the database {name}.")
    except psycopg.OperationalError as error:
        raise BenchError(
            f"Postgres is not reachable at {url}: {error}\n"
            "Start it, or point BENCH_DATABASE_URL at a server (postgres://USER@HOST:PORT)."
        ) from error


def cache_url(scale: str) -> str:
    """BENCH_REDIS_URL (a server) pointed at the bench's cache database for `scale`."""
    parts = urlsplit(os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    return urlunsplit(parts._replace(path=f"/{CACHE_DATABASES[scale]}"))


def empty_cache(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()
    except redis.RedisError as error:
        raise BenchError(
            f"Redis is not reachable at {url}: {error}\n"
            "Start it, or point BENCH_REDIS_URL at a server (redis://HOST:PORT)."
        ) from error


def analyze(url: str) -> None:
    """Refresh the planner's statistics after the bulk load, as autovacuum would in production.

    Without them Postgres plans for the empty tables it last saw (and this server may run with
    autovacuum off): a page would be timed with a plan production never uses.
    """
    with _connect(url) as conn:
        conn.execute("ANALYZE")


def is_seeded(url: str) -> bool:
    with _connect(url) as conn:
        row = conn.execute("SELECT to_regclass('leadership_person') IS NOT NULL").fetchone()
        if not (row and row[0]):
            return False
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM leadership_person)").fetchone()
        return bool(row and row[0])


# -- child processes ---------------------------------------------------------------------
def child_env(url: str, scale: str, **extra: str) -> dict[str, str]:
    """Production settings, as deployed, against the bench database `url` of `scale`."""
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=url,
        CACHE_URL=cache_url(scale),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def run_quietly(args: list[str], env: dict[str, str]) -> None:
    """Run a command and show its output only if it fails."""
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mib: float


def run_measured(args: list[str], env: dict[str, str]) -> Measured:
    """Run a command; its wall-clock seconds and its own peak resident memory (wait4's maxrss)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(args)} exited with status {proc.returncode}")
    # Linux reports ru_maxrss in KiB.
    return Measured(seconds=seconds, peak_mib=usage.ru_maxrss / 1024)


def manage(*args: str) -> list[str]:
    return [PYTHON, "manage.py", *args]


def worker(*args: str) -> list[str]:
    return [PYTHON, "-m", "bench.worker", *args]


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


# -- the server --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn with production settings on 127.0.0.1, behind a pretend TLS proxy."""

    def __init__(
        self,
        env: dict[str, str],
        session_cookie: str,
        keys: dict[str, str],
        workers: int = WORKERS,
    ) -> None:
        self.port = free_port()
        self.workers = workers
        self.env = env
        # A browser's cookies for each user whose pages are timed.
        self.cookies = {email: {session_cookie: key} for email, key in keys.items()}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: IO[str] | None = None

    def start(self) -> None:
        self.log = SERVER_LOG.open("w")
        self.proc = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi:application",
                f"--workers={self.workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn stopped at start: see {SERVER_LOG}")
            try:
                self.get("/", next(iter(self.cookies)))  # the bench user's, made first
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError(f"gunicorn did not answer in 60s: see {SERVER_LOG}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn's graceful stop, workers included
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.log is not None:
            self.log.close()

    def get(self, path: str, user: str) -> tuple[int, float]:
        """GET `path` as the logged-in `user`, as a browser would: status and seconds."""
        cookies = self.cookies[user]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {
            "Host": "127.0.0.1",
            # SECURE_PROXY_SSL_HEADER: the request came in over HTTPS at the proxy.
            "X-Forwarded-Proto": "https",
            "Accept": "text/html",
            "Accept-Encoding": "gzip",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        }
        try:
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            seconds = time.perf_counter() - start
        finally:
            conn.close()
        # Keep what the server sets (the CSRF cookie), as a browser does over HTTPS.
        for header in response.headers.get_all("Set-Cookie") or []:
            for morsel in SimpleCookie(header).values():
                cookies[morsel.key] = morsel.value
        return response.status, seconds


def time_pages(server: Server, targets: dict[str, tuple[str, str]]) -> dict[str, list[float]]:
    """Each path's request times in ms: warm-up first, then rounds over every path in turn.

    Rounds rather than one page after another, so that a slow patch of the machine (another
    process, a checkpoint) falls on every page alike and the ratios to the floor stay fair.
    """
    samples: dict[str, list[float]] = {name: [] for name in targets}
    for round_ in range(WARMUP + REQUESTS):
        for name, (path, user) in targets.items():
            status, seconds = server.get(path, user)
            if status != 200:
                raise BenchError(f"{name}: GET {path} answered {status}, not 200")
            if round_ >= WARMUP:
                samples[name].append(seconds * 1000)
    return samples


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# -- the report --------------------------------------------------------------------------
def _shorten(path: str, width: int = 40) -> str:
    """A path for the table: cursors are long; results.json has them whole."""
    return path if len(path) <= width else path[: width - 3] + "..."


def report(
    rows: list[dict[str, Any]], jobs: list[dict[str, Any]], floor: dict[str, Any]
) -> list[str]:
    """Print the results as a table; the warnings for the pages that miss a target."""
    headers = ["page", "path", "q small", "q large", "p50 ms", "p95 ms", "floor p50", "ratio"]
    table = [
        [
            r["name"],
            _shorten(r["path"]),
            str(r["queries_small"]),
            str(r["queries_large"]),
            f"{r['p50_ms']:.2f}",
            f"{r['p95_ms']:.2f}",
            f"{r['floor_p50_ms']:.2f}",
            f"{r['ratio_to_floor']:.2f}",
        ]
        for r in rows
    ]
    table.append(
        [
            "(floor: base layout)",
            floor["path"],
            str(floor["queries_small"]),
            str(floor["queries_large"]),
            f"{floor['p50_ms']:.2f}",
            f"{floor['p95_ms']:.2f}",
            f"{floor['p50_ms']:.2f}",
            "1.00",
        ]
    )
    widths = [max(len(row[i]) for row in [headers, *table]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        left = [cell.ljust(width) for cell, width in zip(cells[:2], widths[:2], strict=True)]
        right = [cell.rjust(width) for cell, width in zip(cells[2:], widths[2:], strict=True)]
        return "  ".join([*left, *right])

    print()
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in table:
        print(line(row))
    if jobs:
        print()
        job_headers = ["job", "size", "seconds", "peak MiB", "matched", "certified"]
        job_table = [
            [
                j["name"],
                j["size"],
                f"{j['seconds']:.1f}",
                f"{j['peak_mib']:.0f}",
                f"{j['matched']:,}" if "matched" in j else "",
                "" if "certified" not in j else ("yes" if j["certified"] else "NO"),
            ]
            for j in jobs
        ]
        job_widths = [
            max(len(row[i]) for row in [job_headers, *job_table]) for i in range(len(job_headers))
        ]
        for row in [job_headers, *job_table]:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, job_widths, strict=True)))

    warnings = []
    for r in rows:
        if r["queries_small"] != r["queries_large"]:
            warnings.append(
                f"{r['name']}: {r['queries_small']} queries at the small scale but "
                f"{r['queries_large']} at the large scale"
            )
        if r["ratio_to_floor"] > MAX_RATIO_TO_FLOOR:
            warnings.append(
                f"{r['name']}: {r['ratio_to_floor']:.2f}x the floor's median "
                f"(target: at most {MAX_RATIO_TO_FLOOR:.1f}x)"
            )
    for j in jobs:
        if j.get("certified") is False:
            warnings.append(f"{j['name']}: the matching was not certified optimal")
    print()
    for warning in warnings:
        print(f"WARNING: {warning}")
    return warnings


# -- the whole run -----------------------------------------------------------------------
@dataclass(frozen=True)
class Prepared:
    seeded_before: bool  # the seed was a re-run over seeded data
    seed: Measured | None  # measured at the large scale only


def prepare(scale: str, url: str) -> Prepared:
    """Create, migrate and seed one bench database; the large seed is measured."""
    ensure_database(url)
    seeded_before = is_seeded(url)
    env = child_env(url, scale)
    say(f"Migrating {DATABASES[scale]}...")
    run_quietly(manage("migrate", "--no-input"), env)
    what = "a re-run over seeded data" if seeded_before else "from scratch"
    say(f"Seeding {DATABASES[scale]} at the {scale} scale, {what}...")
    seed = manage("seed_demo", "--scale", scale, "--quiet-logins")
    measured = run_measured(seed, env) if scale == "large" else None
    if measured is None:
        run_quietly(seed, env)
    analyze(url)
    return Prepared(seeded_before, measured)


def main() -> int:
    urls = {scale: database_url(name) for scale, name in DATABASES.items()}
    for scale in DATABASES:
        empty_cache(cache_url(scale))
    prepare("small", urls["small"])
    large_db = prepare("large", urls["large"])
    assert large_db.seed is not None
    jobs = [
        {
            # seed_demo is idempotent: over a seeded database it measures the re-run, and says so.
            "name": "seed_demo (re-run)" if large_db.seeded_before else "seed_demo",
            "size": "large",
            "seconds": round(large_db.seed.seconds, 1),
            "peak_mib": round(large_db.seed.peak_mib, 1),
        }
    ]
    # Production serves static files from the collected manifest (whitenoise).
    say("Collecting static files...")
    run_quietly(manage("collectstatic", "--no-input"), child_env(urls["large"], "large"))

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "probe.json"
        say("Counting queries at the small scale...")
        run_quietly(
            worker("probe", "--scale", "small", "--out", str(out)),
            child_env(urls["small"], "small", BENCH_PAGE_SIZE=SMALL_PAGE_SIZE),
        )
        small = read_json(out)
        say("Counting queries at the large scale...")
        run_quietly(
            worker("probe", "--scale", "large", "--session", "--out", str(out)),
            child_env(urls["large"], "large"),
        )
        large = read_json(out)

        targets = {"floor": (large["floor"]["path"], large["floor"]["user"])}
        targets.update({page["name"]: (page["path"], page["user"]) for page in large["pages"]})
        server = Server(child_env(urls["large"], "large"), **_session(large))
        say(
            f"Timing {len(targets)} pages (the floor included) at the large scale: {WARMUP} "
            f"warm-up and {REQUESTS} measured requests each, gunicorn with {WORKERS} workers..."
        )
        try:
            server.start()
            samples = time_pages(server, targets)
        finally:
            server.stop()

        chosen = {name.strip() for name in JOBS.split(";")} if JOBS else None
        for job in large["jobs"]:
            if chosen is not None and job["name"] not in chosen:
                continue
            say(f"Running the job {job['name']}...")
            measured = run_measured(
                worker("job", job["name"], "--out", str(out)), child_env(urls["large"], "large")
            )
            figures = read_json(out)
            jobs.append(
                {
                    **figures,
                    "name": job["name"],
                    "size": job["size"],
                    "seconds": round(figures["seconds"], 2),
                    "peak_mib": round(measured.peak_mib, 1),
                }
            )

        load: dict[str, Any] | None = None
        if LOAD:
            # This file runs as a script: the project's root is not on the path by itself.
            sys.path.insert(0, str(ROOT))
            from bench import load as load_test

            say("Choosing the load test's people and signing them in...")
            plan = Path(tmp) / "load_plan.json"
            run_quietly(worker("load-plan", "--out", str(plan)), child_env(urls["large"], "large"))
            empty_cache(cache_url("large"))
            server = Server(
                child_env(urls["large"], "large"), **_session(large), workers=LOAD_WORKERS
            )
            try:
                server.start()
                load = load_test.run_load(f"http://127.0.0.1:{server.port}", plan, say)
            finally:
                server.stop()

    floor_p50 = statistics.median(samples["floor"])
    small_queries = {page["name"]: page["queries"] for page in small["pages"]}
    rows = []
    for page in large["pages"]:
        times = samples[page["name"]]
        p50 = statistics.median(times)
        rows.append(
            {
                "name": page["name"],
                "path": page["path"],
                "queries_small": small_queries[page["name"]],
                "queries_large": page["queries"],
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95(times), 2),
                "floor_p50_ms": round(floor_p50, 2),
                "ratio_to_floor": round(p50 / floor_p50, 2),
            }
        )
    results: dict[str, Any] = {"pages": rows, "jobs": jobs}
    if load is not None:
        results["load"] = load
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    floor = {
        "path": large["floor"]["path"],
        "queries_small": small["floor"]["queries"],
        "queries_large": large["floor"]["queries"],
        "p50_ms": floor_p50,
        "p95_ms": p95(samples["floor"]),
    }
    warnings = report(rows, jobs, floor)
    if load is not None:
        from bench import load as load_test

        load_warnings = load_test.report(load)
        for warning in load_warnings:
            print(f"WARNING: {warning}")
        warnings += load_warnings
    elapsed = time.perf_counter() - STARTED
    print(
        f"{len(rows)} pages, {len(warnings)} warning(s); wrote {RESULTS.relative_to(ROOT)} "
        f"in {elapsed:.0f}s."
    )
    return 0


def _session(probe: dict[str, Any]) -> dict[str, Any]:
    sessions = probe["sessions"]
    return {"session_cookie": sessions["cookie"], "keys": sessions["keys"]}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(1)
