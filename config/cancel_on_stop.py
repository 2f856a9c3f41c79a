"""A stop signal cancels the database statement the process is waiting on.

    cancel_on_stop.run(main)        # manage.py, the benchmarks (tests/bench/): install()
    cancel_on_stop.install()        # Ctrl-C, SIGTERM, SIGHUP
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
PostgreSQL to cancel what each connection of the process is running: the
statement an execute is waiting on, or, in a transaction, whatever else it waits
on (a COMMIT, a server-side cursor's FETCH). psycopg2's `cancel()` is made to be
called from another thread. The statement ends with an error, and the signal's
own handler then runs as usual. PostgreSQL ignores a cancel that finds its
connection idle, so one that came just before the statement reached the server
would be lost: the thread cancels again while the statement that was running
when the signal came is still running, for at most GIVE_UP seconds.

`install()` also gives SIGTERM and SIGHUP a handler, as Ctrl-C has one, unless
the process was started with the signal ignored (`nohup`). The first raises
`Terminated`, a SystemExit: the command unwinds as it does on Ctrl-C
(transactions roll back, `finally` blocks run, an interactive shell ends), and
once Python's atexit functions have run the process ends by that signal, as it
did before. A SIGTERM or SIGHUP that comes while a stop unwinds (a second one, or
one after Ctrl-C) or after the command breaks off neither the unwinding nor the
atexit functions: a shutdown stuck there ends on Ctrl-C or SIGKILL. Ctrl-C keeps
Python's own handler, so a second one still breaks off what runs. A forked child
(multiprocessing) gets the signals' defaults back.
"""

import _thread
import atexit
import contextlib
import os
import signal
import sys
import threading
import time
import weakref

AGAIN_AFTER = 0.2  # seconds between cancels of a statement still running
GIVE_UP = 10
SEND_AGAIN_AFTER = 0.05  # seconds after a stop was lost in a callback (_stop_swallowed)

# Every DatabaseWrapper that has connected (one an alias and thread), and the
# statement each is running: a token `_running_statement` sets while it executes.
_connections = weakref.WeakSet()
_connections_lock = threading.Lock()
_running = {}
_installed = ()  # the signals `install` gave `_terminate`
_terminated_by = None  # the first of them that came
_ended = False  # the command has returned or raised: a signal only sets the exit


class Terminated(SystemExit):
    """SIGTERM or SIGHUP came."""


def install() -> None:
    """For a management command, from the main thread before Django loads: atexit
    runs its functions last registered first, and this one ends the process."""
    global _installed
    atexit.register(_end_by_the_signal)
    _installed = tuple(
        signum
        for signum in (signal.SIGTERM, signal.SIGHUP)
        if signal.getsignal(signum) is signal.SIG_DFL
    )
    for signum in _installed:
        signal.signal(signum, _terminate)
    resend_swallowed_stops()
    watch((signal.SIGINT, signal.SIGTERM, signal.SIGHUP))


def resend_swallowed_stops() -> None:
    """From now on, a stop raised where no exception can propagate is sent again
    (`_stop_swallowed`): for a program with stop handlers of its own (the demo's)."""
    sys.unraisablehook = _stop_swallowed


def _stop_swallowed(unraisable) -> None:
    """sys.unraisablehook: a stop raised where no exception can propagate is sent again.

    Python runs a signal's handler wherever the main thread is, a weak reference's
    callback or a finalizer included (a WeakSet losing a member as a statement's
    objects are freed, just after the statement a stop interrupted): the
    KeyboardInterrupt or Terminated raised there was printed as "Exception
    ignored in: ..." with a traceback, and the command went on as if no stop had
    come. A moment later, once the main thread is out of the callback, another
    thread has the handler run again (`interrupt_main`), and the command unwinds
    as usual; sent from here, the handler ran inside this hook and was lost the
    same way. A handler that set further stops aside before it raised (the demo's
    `stop` ignores them, so that a second Ctrl-C cannot break off the way out)
    left nothing for Python to run: the signal gets a handler that raises the stop
    once more and sets it aside again. Anything else goes to Python's own hook."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        signum = signal.SIGINT
    elif issubclass(unraisable.exc_type, Terminated) and _terminated_by is not None:
        signum = _terminated_by
    else:
        sys.__unraisablehook__(unraisable)
        return
    disposition = signal.getsignal(signum)
    if not callable(disposition):  # SIG_IGN or SIG_DFL: interrupt_main would do nothing
        stop = unraisable.exc_value or unraisable.exc_type()

        def once(signum, frame):
            signal.signal(signum, disposition)
            raise stop

        signal.signal(signum, once)
    threading.Thread(target=_send_again, args=(signum,), name="stop-again", daemon=True).start()


def _send_again(signum: int) -> None:
    time.sleep(SEND_AGAIN_AFTER)
    _thread.interrupt_main(signum)


def run(main) -> None:
    """Run a script's `main()` with `install()`, then exit with what it returned. On a
    stop it prints no traceback, and the process ends by the signal once Python's
    shutdown has run: `finally` blocks (a temporary folder removed, a child stopped)
    and the atexit functions (the local PostgreSQL's stop, buffered output). A shell
    script running the script stops too. From the main thread, before Django loads."""
    install()
    try:
        returned = main()
    except KeyboardInterrupt:
        # Ctrl-C: no traceback. Python still ends the process by SIGINT.
        sys.excepthook = lambda *exc_info: None
        raise
    finally:
        ended()
    sys.exit(returned)


def ended() -> None:
    """The command has returned or raised: from here a stop signal only sets how
    the process ends, after the atexit functions."""
    global _ended
    _ended = True


def watch(signals) -> None:
    """Cancel the statements running when one of `signals` comes. From the main
    thread, before the first connection; each of `signals` needs a Python handler,
    as the wakeup fd carries only those."""
    from django.db.backends.signals import connection_created

    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    os.register_at_fork(after_in_child=_forked)
    connection_created.connect(_opened, weak=False)
    stops = frozenset(signals)
    threading.Thread(
        target=_cancel_as_stops_come, args=(read_end, stops), name="cancel-on-stop", daemon=True
    ).start()


def _opened(sender, connection, **kwargs) -> None:
    with _connections_lock:
        if connection in _connections:  # connected again
            return
        _connections.add(connection)
    # Outermost, and first in the list: Django's execute_wrapper() pops the last,
    # and a connection may open inside one.
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
    with _connections_lock:
        wrappers = list(_connections)
    running = {wrapper: _running.get(wrapper) for wrapper in wrappers}
    for wrapper, token in running.items():
        # Idle in autocommit: nothing to cancel, and no round trip to the server.
        if token is not None or not wrapper.autocommit:
            _cancel(wrapper)
    give_up = time.monotonic() + GIVE_UP
    while time.monotonic() < give_up:
        time.sleep(AGAIN_AFTER)
        running = {w: t for w, t in running.items() if t is not None and _running.get(w) is t}
        if not running:
            return
        for wrapper in running:
            _cancel(wrapper)


def _cancel(wrapper) -> None:
    if (connection := wrapper.connection) is not None:
        # Refused while connecting and once closed; whatever else fails, the
        # thread stays for the next signal.
        with contextlib.suppress(Exception):
            connection.cancel()


def _terminate(signum, frame):
    global _terminated_by
    if _terminated_by is None:
        _terminated_by = signum  # the process ends by the first
    # Already stopping: unwinding from a first SIGTERM or SIGHUP (a closed terminal
    # sends two) or from Ctrl-C (`pipenv run demo` sends SIGTERM after it), or past
    # the command. One caught and done with (a test runner's) no longer counts.
    if _ended or _stopping(sys.exc_info()[1]):
        return
    raise Terminated(128 + signum)


def _stopping(exception: BaseException | None) -> bool:
    """Whether `exception`, being handled, is a stop or arose while one unwinds."""
    while exception is not None:
        if isinstance(exception, (KeyboardInterrupt, Terminated)):
            return True
        exception = exception.__context__
    return False


def _forked() -> None:
    """In a forked child: its signals are its own, and its statements too."""
    for signum in _installed:
        signal.signal(signum, signal.SIG_DFL)
    with contextlib.suppress(ValueError):  # not in the main interpreter
        signal.set_wakeup_fd(-1)


def _end_by_the_signal() -> None:
    """After a SIGTERM or SIGHUP: end as its default ends a process, so a script or
    a parent sees what it sent. The atexit functions registered after this one
    have run; one registered before `install` (coverage's, when it measures the
    process) does not, except logging's, called here."""
    if _terminated_by is not None:
        if "logging" in sys.modules:
            with contextlib.suppress(Exception):  # a handler's error: still end so
                sys.modules["logging"].shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        signal.signal(_terminated_by, signal.SIG_DFL)
        os.kill(os.getpid(), _terminated_by)
