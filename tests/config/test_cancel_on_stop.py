"""Ctrl-C, SIGTERM and SIGHUP cancel the statement a command is running
(config/cancel_on_stop.py)."""

import os
import signal
import subprocess
import sys

import pytest

from tests.processes import (
    BASE_DIR,
    LOCK_WAITERS,
    fetch_all,
    released_database,
    run_python,
    started_with,
    table_locked,
    wait_for,
)


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "sigterm", "sighup"]
)
def test_a_stop_cancels_the_statement_a_command_waits_on(signum):
    """A command whose statement waits on a lock held elsewhere: Ctrl-C was held
    until the lock went, and SIGTERM ended the process with the statement still
    queued in the server. The statement is cancelled, and the command ends by the
    signal without a traceback. The seed waits as it inserts the features of
    products its transaction has inserted: they are rolled back."""
    database = released_database("cancel_on_stop")
    with table_locked(database, "catalog_feature"):
        command = subprocess.Popen(
            started_with(
                [sys.executable, "manage.py", "seed_catalog", "--if-empty", "--products", "3"]
            ),
            cwd=BASE_DIR,
            env={**os.environ, "ENVIRONMENT": "development", "DATABASE_URL": database},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: fetch_all(database, LOCK_WAITERS) == [(1,)], 60)
            command.send_signal(signum)
            stdout, stderr = command.communicate(timeout=10)
        finally:
            command.kill()
        # Still locked: only a cancel ends the statement in the server.
        wait_for(lambda: fetch_all(database, LOCK_WAITERS) == [(0,)], 10)
    assert (command.returncode, stdout, stderr) == (-signum, "", "")
    assert fetch_all(database, "SELECT count(*) FROM catalog_product") == [(0,)]


# A stop that comes while Django runs a statement, before the statement reaches the
# server: an execute wrapper inside the module's own sends the signal and waits
# before going on, so the first cancel finds the connection idle, and PostgreSQL
# ignores it. The statement then waits on the lock the test holds.
STOP_BEFORE_THE_SEND = """
import os, signal, time
import django
django.setup()
from django.db import connection
from config import cancel_on_stop

signal.signal(signal.SIGUSR1, lambda signum, frame: None)
cancel_on_stop.watch((signal.SIGUSR1,))

def stop_before_the_send(execute, sql, params, many, context):
    os.kill(os.getpid(), signal.SIGUSR1)
    time.sleep(0.5)
    return execute(sql, params, many, context)

with connection.cursor() as cursor:
    cursor.execute("SET lock_timeout = '5s'")  # the test fails, not hangs, without a cancel
connection.execute_wrappers.append(stop_before_the_send)
try:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product")
except Exception as error:
    print(type(error.__cause__).__name__)
"""


def test_a_cancel_that_comes_before_the_statement_is_sent_again():
    database = released_database("cancel_on_stop_again")
    with table_locked(database, "catalog_product"):
        ran = run_python(STOP_BEFORE_THE_SEND, {**os.environ, "DATABASE_URL": database})
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "QueryCanceled\n", "")


OPENED_INSIDE_A_WRAPPER = """
import signal
import django
django.setup()
from django.db import connection
from config import cancel_on_stop

cancel_on_stop.watch((signal.SIGINT,))
def counted(execute, sql, params, many, context):
    return execute(sql, params, many, context)

with connection.execute_wrapper(counted):  # the first statement opens the connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
print([wrapper.__name__ for wrapper in connection.execute_wrappers])
"""


def test_a_connection_opened_inside_an_execute_wrapper_leaves_it_to_be_removed():
    """Django's execute_wrapper() removes the last wrapper at its end: the module's
    own, added as the connection opens, goes first, so the command's is removed."""
    ran = run_python(OPENED_INSIDE_A_WRAPPER, {**os.environ})
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "['_running_statement']\n", "")


FORKED = """
import os, signal
pid = os.fork()
if pid == 0:
    print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, signal.set_wakeup_fd(-1), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_a_forked_child_has_the_signals_defaults_and_no_wakeup_fd():
    """A child forked by a command (multiprocessing's workers) ends on SIGTERM as
    before, and its signals do not wake the parent's thread."""
    ran = subprocess.run(
        started_with([sys.executable, "manage.py", "shell", "--no-imports", "-c", FORKED]),
        cwd=BASE_DIR,
        env={**os.environ, "ENVIRONMENT": "development"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "True -1\n", "")


# Work whose weak reference's callback a Ctrl-C lands in, then goes on for 5 s.
STOPPED_IN_A_CALLBACK = """
import signal, time, weakref

class Held:
    pass

def work():
    held = Held()

    def freed(ref):  # Ctrl-C comes while it runs
        signal.raise_signal(signal.SIGINT)
        for _ in range(1000):
            pass

    ref = weakref.ref(held, freed)
    del held
    time.sleep(5)  # the work goes on
    print("went on", ref)
    return 0
"""
SWALLOWED = (
    STOPPED_IN_A_CALLBACK
    + """
from config import cancel_on_stop
cancel_on_stop.run(work)
"""
)
SWALLOWED_IN_THE_DEMO = (
    STOPPED_IN_A_CALLBACK
    + """
from config.local import demo
demo.demo = work  # the seeds, with the demo's own way out around them (demo.main)
print("returned", demo.main())
"""
)


def test_a_demo_stop_raised_inside_a_weak_references_callback_still_stops_the_demo():
    """The demo's own stop handler sets further stops aside before it raises: sent
    again as the commands' is, Ctrl-C did nothing, and the demo seeded on with the
    traceback of "Exception ignored in: ... KeyboardInterrupt" among its lines."""
    ran = run_python(SWALLOWED_IN_THE_DEMO, {**os.environ})
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "returned 0\n", "")


def test_a_stop_raised_inside_a_weak_references_callback_still_stops_the_command():
    """Python runs a signal's handler wherever the main thread is, a weak reference's
    callback included (a WeakSet losing a member as a statement's objects are
    freed), and an exception raised there cannot propagate: it printed "Exception
    ignored in: ... KeyboardInterrupt" with a traceback, and the command went on
    as if Ctrl-C had never come (the render benchmark seeded on to the end)."""
    ran = run_python(SWALLOWED, {**os.environ})
    assert (ran.returncode, ran.stdout, ran.stderr) == (-signal.SIGINT, "", "")
