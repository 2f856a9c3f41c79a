"""The render benchmark's --reuse (tests/bench/render.py): it keeps only a database
an earlier run set up to the end, and its table says how many products that one
holds. It took any database of that name: one a stopped run had left half set
up failed later ("give --products 2 or more", a missing user), and the table's
first line gave --products, not the kept catalog's size.

The half set up database is one a run really left: stopped by Ctrl-C while it
sets up, the benchmark ends as a management command does (config/cancel_on_stop.py's
`run`), by the signal, with no traceback. Before, Ctrl-C printed a
KeyboardInterrupt traceback."""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

import psycopg2
import pytest
from django.conf import settings

from tests.factories import ProductFactory
from tests.processes import (
    BASE_DIR,
    BENCH_DATABASE_LOCK,
    database_url_beside,
    fresh_database,
    wait_for,
)


def drop(url: str) -> None:
    admin = psycopg2.connect(settings.DATABASE_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')
    finally:
        admin.close()


# Autocommit: the mark, in the test's transaction, would hold the database's row
# until the end of the test, and the drop would wait on it.
@pytest.mark.django_db(transaction=True)
def test_a_database_counts_as_set_up_once_marked_so():
    from tests.bench import render

    url = fresh_database("render_marked")
    name = urlsplit(url).path[1:]
    try:
        assert render.exists(name)
        assert not render.set_up(name)
        render.mark_set_up(name)
        assert render.set_up(name)
    finally:
        drop(url)
    assert not render.set_up(name)


@pytest.mark.django_db
def test_the_tables_first_line_counts_the_products_the_database_holds():
    from tests.bench import render

    ProductFactory.create_batch(3)
    assert render.heading(1, kept=True) == (
        "3 products x 5 features (kept from an earlier run), 1 request a page, in process"
    )
    assert render.heading(200, kept=False).startswith("3 products x 5 features, 200 requests")


def as_a_user_runs_it(database_url: str) -> dict[str, str]:
    """Not as a test worker, whose name the databases beside the given one would
    carry (tests/processes.database_url_beside)."""
    return {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
        "DATABASE_URL": database_url,
    }


def render_run(database_url: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.bench.render", "--requests", "1", *arguments],
        cwd=BASE_DIR,
        env=as_a_user_runs_it(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def locked(url: str, *key) -> psycopg2.extensions.connection:
    """A connection to the database of `url` holding the advisory lock `key`."""
    holder = psycopg2.connect(url)
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", key)
    return holder


def exists(url: str) -> bool:
    admin = psycopg2.connect(settings.DATABASE_URL)
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [urlsplit(url).path[1:]])
            return cursor.fetchone() is not None
    finally:
        admin.close()


def stop_while_it_sets_up(database_url: str) -> None:
    """Starts the benchmark with a catalog it takes seconds to seed, and stops it as
    Ctrl-C does a moment after it has made its database. It must end as a stopped
    management command does."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.render", "--reuse", "--products", "20000"],
        cwd=BASE_DIR,
        env={**as_a_user_runs_it(database_url), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Its own process group, as a terminal's foreground job: Ctrl-C reaches it all.
        start_new_session=True,
        # Ctrl-C's default, whatever this run was started with (in a shell's
        # background it is ignored, and a management command leaves it so).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    benchmarks = database_url_beside("render_reuse_bench_render")
    try:
        wait_for(lambda: exists(benchmarks) or process.poll() is not None, 120)
        assert process.poll() is None, process.stderr.read()
        time.sleep(1)  # into its migrations
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "Traceback" not in stderr, stderr
    assert len(stderr.splitlines()) <= 1, stderr
    assert process.returncode == -signal.SIGINT, stderr


def test_reuse_sets_up_again_a_database_a_stopped_run_left_and_keeps_a_finished_one():
    base = fresh_database("render_reuse")  # the benchmark's database is named after it
    half_set_up = database_url_beside("render_reuse_bench_render")
    drop(half_set_up)  # a run killed earlier left it: it must be this run's stopped one
    try:
        stop_while_it_sets_up(base)
        first = render_run(base, "--reuse", "--products", "100")
        assert first.returncode == 0, first.stderr
        assert "left half set up by a run that was stopped: setting it up again" in first.stderr
        assert "\n100 products x 5 features, 1 request a page" in first.stdout  # after the seed's
        again = render_run(base, "--reuse", "--products", "200")
        assert again.returncode == 0, again.stderr
        assert "setting it up again" not in again.stderr
        assert again.stdout.startswith("100 products x 5 features (kept from an earlier run)")
        # A run started while another holds the database stops in one line and leaves
        # it: each run drops it and makes it again, and a second run did so under a
        # first, which ended in a traceback. Held two ways: a session on it (a run's
        # own, a psql of the user's), and the lock a run takes first on the server's
        # database it connects to (two runs started at the same moment).
        name = urlsplit(half_set_up).path[1:]
        for holder in (
            lambda: psycopg2.connect(half_set_up),
            lambda: locked(base, BENCH_DATABASE_LOCK, name),
        ):
            held = holder()
            try:
                refused = render_run(base, "--reuse", "--products", "200")
            finally:
                held.close()
            assert refused.returncode == 1, refused.stderr
            assert refused.stderr.splitlines() == [
                f"Error: The database {name} is in use (another run of this benchmark, or a "
                "session of yours): wait for it to end, or stop it."
            ]
            assert exists(half_set_up)
    finally:
        drop(half_set_up)
        drop(base)
