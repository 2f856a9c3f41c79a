"""What tests/forkserver.py saves: CPU and wall time of one short-lived process,
started fresh and forked from the fork server.

    pipenv run python -m tests.bench.forkserver [--runs 10]

Runs each process `--runs` times each way, taking turns, with production's
config vars and a database nobody answers at (neither process connects), and
prints the medians. CPU is the process's own, with its children: a fresh one's
from this process's reaped children, a forked one's from the server's.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

from config import cancel_on_stop
from config.commands import at_least_one, at_most

PROCESSES = {
    "settings probe (run_python)": [
        "-c",
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
    ],
    "manage.py check": ["manage.py", "check"],
}


# Each run starts a fresh process and forks one, for each of PROCESSES: about 2 s
# (README.md's figures), so 1,000 runs are most of an hour.
MAX_RUNS = 1_000


def run_count(text: str) -> int:
    """argparse's `type` for --runs: 1 to MAX_RUNS (10**30 never ended)."""
    return at_most(at_least_one(text), MAX_RUNS)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reaped_cpu(pid: int) -> float:
    """CPU seconds of the children process `pid` has reaped (/proc: cutime + cstime)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs",
        type=run_count,
        default=10,
        help="processes started each way, of each kind "
        f"(default %(default)s, at most {MAX_RUNS:,})",
    )
    runs = parser.parse_args().runs
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ENVIRONMENT"] = "development"
    import django

    django.setup()
    from tests import forkserver
    from tests.processes import BASE_DIR, production_env

    env = production_env(
        DATABASE_URL="postgres://nobody@127.0.0.1:9/none",
        DJANGO_SETTINGS_MODULE="config.settings",
        AWS_MEDIA_BUCKET_NAME="media",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    rows = []
    for name, argv in PROCESSES.items():
        forkserver.run(argv, env, BASE_DIR, 60).check_returncode()  # starts the server
        server = forkserver.server_for(env)
        server.lock.release()  # handed out locked for a request
        server = server.process.pid
        fresh, forked = [], []
        for _ in range(runs):
            cpu, started = children_cpu(), time.perf_counter()
            subprocess.run(
                [sys.executable, *argv], cwd=BASE_DIR, env=env, capture_output=True, check=True
            )
            fresh.append((children_cpu() - cpu, time.perf_counter() - started))
            cpu, started = reaped_cpu(server), time.perf_counter()
            forkserver.run(argv, env, BASE_DIR, 60).check_returncode()
            forked.append((reaped_cpu(server) - cpu, time.perf_counter() - started))
        rows.append((name, fresh, forked))
    print(f"{runs} run{'s' if runs != 1 else ''} each way, medians")
    columns = ("fresh CPU ms", "forked CPU ms", "fresh wall ms", "forked wall ms")
    print(f"{'process':<30} {columns[0]:>13} {columns[1]:>14} {columns[2]:>14} {columns[3]:>15}")
    for name, fresh, forked in rows:
        cpu = [statistics.median(cpu for cpu, _ in each) * 1000 for each in (fresh, forked)]
        wall = [statistics.median(wall for _, wall in each) * 1000 for each in (fresh, forked)]
        print(f"{name:<30} {cpu[0]:13.0f} {cpu[1]:14.0f} {wall[0]:14.0f} {wall[1]:15.0f}")


if __name__ == "__main__":
    cancel_on_stop.run(main)  # no traceback on a stop; atexit and `finally` run
