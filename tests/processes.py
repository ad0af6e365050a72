"""Real processes for the tests that need them: free ports, a private redis-server, and killing
what a test started, with everything it started in turn."""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Poll `condition` every 0.1 s until it returns something true; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything it started (it leads its own session and group)."""
    # Even when the leader has exited: a child (prefork's pool process) may be left.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def redis_server(port: int, directory: Path) -> subprocess.Popen[bytes] | None:
    """A redis-server on `port`, answering, saving nothing; None if the port was taken."""
    process = subprocess.Popen(  # noqa: S603 - the system's redis-server, our arguments
        [
            "/usr/bin/redis-server",
            *("--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(directory)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = redis.Redis(port=port, socket_timeout=1)

    def answers() -> bool:
        if process.poll() is not None:
            return True  # exited: the port was taken
        with contextlib.suppress(redis.ConnectionError):
            return bool(client.ping())
        return False

    try:
        wait_for(answers, timeout=10, what="redis-server to answer")
    except BaseException:
        kill_group(process)
        raise
    finally:
        client.close()
    if process.poll() is not None:
        kill_group(process)
        return None
    return process
