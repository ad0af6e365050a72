"""Stop `make test` at once, with a way out, when Postgres is not reachable: tests never skip."""

import sys

import psycopg


def main(url: str) -> int:
    # Connect to the maintenance database: the test database may not exist yet.
    conninfo = psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))
    conninfo["dbname"] = "postgres"
    try:
        psycopg.connect(**conninfo, connect_timeout=3).close()  # type: ignore[arg-type]
    except psycopg.OperationalError as error:
        print(
            f"Postgres is not reachable at {url}:\n  {error}\n"
            "Start it, for example with:\n"
            "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
            "or point DATABASE_URL at a running server "
            "(postgres://USER:PASSWORD@HOST:PORT/DBNAME).",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
