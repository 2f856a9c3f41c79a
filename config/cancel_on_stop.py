"""A stop signal cancels the database statement the process is waiting on.

    cancel_on_stop.install()        # manage.py: Ctrl-C, SIGTERM, SIGHUP
    cancel_on_stop.watch(signals)   # the demo (config/local/demo.py): its own stop

Without it:

- libpq waits for a statement's answer in a loop that starts the wait again when
  a signal interrupts it, and Python runs a signal's handler only once that wait
  is over. A command whose statement waits on a lock held elsewhere ignored
  Ctrl-C until the lock went.
- SIGTERM, and SIGHUP when the terminal closes, ended the process at once, and
  PostgreSQL learns that a client has gone only when it next talks to it: a
  statement waiting on a lock stayed queued in the server, holding the locks its
  transaction had taken, until the lock went. `pipenv run demo` stops its release
  line's `migrate` with SIGTERM.

`watch(signals)` starts a thread that the signal module's wakeup fd wakes as each
signal comes, whatever the main thread is doing. On one of `signals` it asks
PostgreSQL to cancel what every connection the process opened is running
(psycopg2's `cancel()`, made to be called from another thread): the statement
ends with an error, and the signal's own handler then runs as usual. PostgreSQL
ignores a cancel that finds its connection idle, so one that came just before a
statement reached the server would be lost: the thread cancels again while the
statement that was running when the signal came, if any, is still running.

`install()` also gives SIGTERM and SIGHUP a handler, as Ctrl-C has one, unless
the process was started with the signal ignored (`nohup`): it raises
`Terminated`, which unwinds the command as KeyboardInterrupt does (transactions
roll back, `finally` blocks run), and once atexit's functions have run the process
ends by that signal, as it did before.
"""

import atexit
import contextlib
import os
import signal
import sys
import threading
import time

from django.db.backends.signals import connection_created

# Every DatabaseWrapper that has connected (one an alias and thread), and the
# statement each is running: a token `_running` sets for the time of its execute.
_connections = []
_running = {}
_terminated_by = None  # the signal that raised Terminated
AGAIN_AFTER = 0.2  # seconds between cancels of a statement still running


class Terminated(BaseException):
    """SIGTERM or SIGHUP came: like KeyboardInterrupt, not an Exception a command
    catches."""


def install() -> None:
    """For a management command, from the main thread before its first connection."""
    # Registered first, so it runs after every function registered later.
    atexit.register(_end_by_the_signal)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _terminate)
    watch((signal.SIGINT, signal.SIGTERM, signal.SIGHUP))


def watch(signals) -> None:
    """Cancel the statements running when one of `signals` comes. From the main
    thread, before the first connection; each of `signals` needs a Python handler,
    as the wakeup fd carries only those."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    connection_created.connect(_opened, weak=False)
    stops = frozenset(signals)
    threading.Thread(
        target=_cancel_as_stops_come, args=(read_end, stops), name="cancel-on-stop", daemon=True
    ).start()


def _opened(sender, connection, **kwargs) -> None:
    if connection not in _connections:
        _connections.append(connection)
        # Outermost, and first in the list: Django's execute_wrapper() pops the
        # last, and a connection may open inside one.
        connection.execute_wrappers.insert(0, _running_statement)


def _running_statement(execute, sql, params, many, context):
    wrapper = context["connection"]
    _running[wrapper] = token = object()
    try:
        return execute(sql, params, many, context)
    finally:
        if _running.get(wrapper) is token:
            del _running[wrapper]


def _cancel_as_stops_come(read_end: int, stops: frozenset) -> None:
    while signums := os.read(read_end, 64):
        if stops.intersection(signums):
            _cancel_all()


def _cancel_all() -> None:
    running = {wrapper: _running.get(wrapper) for wrapper in list(_connections)}
    for wrapper in running:
        _cancel(wrapper)
    while running := {w: t for w, t in running.items() if t and _running.get(w) is t}:
        time.sleep(AGAIN_AFTER)
        for wrapper in running:
            _cancel(wrapper)


def _cancel(wrapper) -> None:
    if (connection := wrapper.connection) is not None:
        # Not while connecting, when psycopg2 refuses; not once closed.
        with contextlib.suppress(connection.Error):
            connection.cancel()


def _terminate(signum, frame):
    global _terminated_by
    _terminated_by = signum
    raise Terminated


def _end_by_the_signal() -> None:
    """After a SIGTERM or SIGHUP: end as its default ends a process, once the rest
    of atexit has run, so a script or a parent sees what it sent."""
    if _terminated_by is not None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        signal.signal(_terminated_by, signal.SIG_DFL)
        os.kill(os.getpid(), _terminated_by)
