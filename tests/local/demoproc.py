"""Start `pipenv run demo` as a subprocess, as a newcomer's terminal would."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.processes import BASE_DIR, WebProcess, free_port, fresh_database, process_log


def start_demo(database: str, s3_data: Path, port: str | None = None, **extra: str) -> WebProcess:
    """`pipenv run demo` in its own process group (like a terminal's), in this shell's
    environment as a newcomer's would be: no ENVIRONMENT, no S3 variables (the demo
    then starts its own S3 server), no DEMO_HOST unless `extra` sets it.

    `database`: a fresh database of that name, or a URL to keep using one.
    `s3_data`: the local S3 server's folder (DEMO_S3_DATA), never the checkout's
    own `.s3data/`."""
    port = port or str(free_port())
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ENVIRONMENT", "DJANGO_SETTINGS_MODULE", "DEMO_HOST")
        and not key.startswith("AWS_")
    }
    database_url = database if "://" in database else fresh_database(database)
    env.update(PORT=port, DATABASE_URL=database_url, DEMO_S3_DATA=str(s3_data), **extra)
    log = process_log()
    process = subprocess.Popen(
        [sys.executable, "-m", "config.local.demo"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return WebProcess(process, int(port) if port.isdigit() else 0, log)


def stop_demo(web: WebProcess, signum: int = signal.SIGINT) -> int:
    """Send `signum` to the demo's whole process group (Ctrl-C sends SIGINT so), wait."""
    os.killpg(web.process.pid, signum)
    return web.process.wait(30)


def kill_demo_alone(web: WebProcess, timeout: float = 30) -> list[str]:
    """kill -9 the demo's own process only, as `kill -9 PID` or an out-of-memory kill
    does: it can pass nothing on. What of its process group still runs after
    `timeout` (the processes it started), described; each is killed then."""
    os.kill(web.process.pid, signal.SIGKILL)
    web.process.wait(30)
    deadline = time.monotonic() + timeout
    while (left := group_members(web.process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    described = [f"{p.pid} {' '.join(p.cmdline())[:120]}" for p in left]
    for process in left:
        process.kill()
    return described


def group_members(pgid: int) -> list[psutil.Process]:
    """The processes of group `pgid` still running (a zombie has ended)."""
    members = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                members.append(process)
        except (ProcessLookupError, psutil.NoSuchProcess):
            pass
    return members
