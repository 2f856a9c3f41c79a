"""Start-time benchmark: how long `pipenv run demo` takes, cold and warm.

    pipenv run python -m tests.bench.demo_start [--runs 3]

Each run exports this checkout's committed files (`git archive HEAD`) to a new
temporary folder, so `.pgdata/` and `.s3data/` start absent, as on a newcomer's
first run, and this checkout's own folders are never touched. The cold start
there initialises PostgreSQL, migrates and seeds; the warm start is the second
start in the same folder. For each, it prints the seconds from launch to the
demo's "Serving the demo" line and to the first 200 on `/`, then stops the demo
with SIGINT, as Ctrl-C does. Everything listens on 127.0.0.1. Stopped itself
(Ctrl-C, SIGTERM, SIGHUP), it stops the demo, removes the folder and ends by the
signal, without a traceback.
"""

import argparse
import contextlib
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from config import cancel_on_stop
from config.commands import at_least_one, at_most
from config.local.demo import ends_with_this_process

BASE_DIR = Path(__file__).resolve().parents[2]


# Each run exports the checkout (45 MB) and starts the demo cold (PostgreSQL
# initialised, migrated, seeded) and warm: most of a minute, so 100 runs are over
# an hour.
MAX_RUNS = 100


def run_count(text: str) -> int:
    """argparse's `type` for --runs: 1 to MAX_RUNS (10**30 never ended)."""
    return at_most(at_least_one(text), MAX_RUNS)


def export_checkout(folder: Path) -> None:
    """The committed tree into `folder`, made readable by others (the embedded
    PostgreSQL runs as its own user when started as root)."""
    folder.chmod(0o755)
    archive = subprocess.run(
        ["git", "archive", "HEAD"], cwd=BASE_DIR, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_once(folder: Path) -> tuple[float, float]:
    """One demo start in `folder`: seconds to "Serving" and to the first 200 on /."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ENVIRONMENT", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEMO_S3_DATA")
        and not key.startswith("AWS_")
    }
    env.update(PORT=str(port), PYTHONUNBUFFERED="1")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "config.local.demo"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # A stop, as the demo takes SIGTERM, when this benchmark ends however it ends:
        # its gunicorn and PostgreSQL served on after a kill -9.
        preexec_fn=ends_with_this_process(),
    )
    serving: list[float] = []
    output: list[str] = []

    def read() -> None:
        for line in process.stdout:
            output.append(line)
            if line.startswith("Serving the demo") and not serving:
                serving.append(time.monotonic() - started)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        first_200 = wait_for_200(f"http://127.0.0.1:{port}/", process, started)
    finally:
        # The group: gunicorn outlives a demo that stopped on its own (its output says why).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        process.wait(60)
        reader.join(10)
    if not serving or first_200 is None:
        raise RuntimeError("the demo did not start:\n" + "".join(output))
    return serving[0], first_200


def wait_for_200(url: str, process: subprocess.Popen, started: float) -> float | None:
    deadline = started + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs",
        type=run_count,
        default=3,
        help="cold and warm starts, each in a new export "
        f"(default %(default)s, at most {MAX_RUNS:,})",
    )
    args = parser.parse_args()
    rows = []
    for run in range(1, args.runs + 1):
        # Removed however the run ends: a stop (Ctrl-C, SIGTERM, SIGHUP) unwinds to
        # here after the demo has stopped (config/cancel_on_stop.py).
        folder = Path(tempfile.mkdtemp(prefix="demo-start-"))
        try:
            export_checkout(folder)
            for kind in ("cold", "warm"):
                to_serving, to_200 = start_once(folder)
                rows.append((kind, run, to_serving, to_200))
                print(f"{kind} run {run}: {to_serving:.1f} s to Serving, {to_200:.1f} s to 200")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print('| start | runs | to "Serving", s: median (min-max) | to first 200 on /, s |')
    print("|---|--:|--:|--:|")
    for kind in ("cold", "warm"):
        serving = [row[2] for row in rows if row[0] == kind]
        ok = [row[3] for row in rows if row[0] == kind]
        print(
            f"| {kind} | {len(serving)} "
            f"| {statistics.median(serving):.1f} ({min(serving):.1f}-{max(serving):.1f}) "
            f"| {statistics.median(ok):.1f} ({min(ok):.1f}-{max(ok):.1f}) |"
        )
    return 0


if __name__ == "__main__":
    cancel_on_stop.run(main)  # no traceback on a stop; atexit and `finally` run
