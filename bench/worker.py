"""The bench's Django side, run by bench/run.py in a child process against one bench database.

    python -m bench.worker probe --scale small --out FILE    # paths and query counts
    python -m bench.worker probe --scale large --session --out FILE
    python -m bench.worker job NAME --out FILE               # one registered job, timed
    python -m bench.worker load-plan --out FILE              # who the load test acts as

DJANGO_SETTINGS_MODULE, DATABASE_URL and the production variables come from bench/run.py.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import django


def main() -> int:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    probe_parser = commands.add_parser("probe")
    probe_parser.add_argument("--scale", required=True)
    probe_parser.add_argument("--session", action="store_true")
    probe_parser.add_argument("--out", type=Path, required=True)
    job_parser = commands.add_parser("job")
    job_parser.add_argument("name")
    job_parser.add_argument("--out", type=Path, required=True)
    load_parser = commands.add_parser("load-plan")
    load_parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    django.setup()
    from bench import probe, registry

    registry.discover()
    result: dict[str, Any]
    try:
        if args.command == "probe":
            result = probe.probe(args.scale, with_session=args.session)
        elif args.command == "load-plan":
            result = probe.load_plan()
        else:
            result = probe.run_job(args.name)
    except registry.BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
