"""The reset benchmark (tests/bench/reset_timing.py) run to its end as a user runs it:
its table, and no database left behind (it keeps nothing between runs, and left its
seeded one in the local PostgreSQL after every run)."""

import subprocess
import sys

from tests.benchmark_runs.test_render_reuse import as_a_user_runs_it, drop, exists
from tests.processes import BASE_DIR, database_url_beside, fresh_database


def test_a_run_prints_its_table_and_leaves_no_database():
    base = fresh_database("reset_run")  # the benchmark's database is named after it
    benchmarks = database_url_beside("reset_run_bench_reset")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.bench.reset_timing", "--requests", "1"],
            cwd=BASE_DIR,
            env=as_a_user_runs_it(base),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[1] == "| address | median ms | slowest ms |", done.stdout
        assert [line.split("|")[1].strip() for line in lines[3:]] == ["registered", "unknown"]
        assert not exists(benchmarks)
    finally:
        drop(benchmarks)
        drop(base)
