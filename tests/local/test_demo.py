"""The README's demo command: release, then the web line, stopped by Ctrl-C."""

import os
import re
import signal
import socket
import time
import urllib.error
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.local import demo
from config.local.demo import bind_address, demo_steps, procfile_command
from tests.local.demoproc import start_demo, stop_demo
from tests.processes import (
    LOCK_WAITERS,
    children,
    connections_waiting,
    fetch_all,
    listening_addresses,
    released_database,
    table_locked,
    wait_for,
    wait_until_read,
)


def test_procfile_lines_are_what_heroku_runs():
    assert procfile_command("release") == "python manage.py migrate --no-input"
    assert procfile_command("web") == "gunicorn --config config/gunicorn.py config.wsgi"
    with pytest.raises(KeyError, match="worker"):
        procfile_command("worker")


def test_demo_bind_address_brackets_ipv6():
    assert bind_address("127.0.0.1", "8000") == "127.0.0.1:8000"
    assert bind_address("::", "8000") == "[::]:8000"
    assert bind_address("[::1]", "8000") == "[::1]:8000"


def test_demo_command_migrates_serves_the_site_and_stops_on_ctrl_c(tmp_path, behind_a_proxy):
    # In a shell behind a proxy that cannot reach this machine (tests/local/test_proxies.py):
    # the demo's S3 requests, its media tour's among them, go straight to its server.
    web = start_demo("demo_check", tmp_path, **behind_a_proxy)
    process, port = web.process, web.port
    try:
        web.wait_until_serving(timeout=180)
        # DEBUG is on: the demo listens on this machine's loopback only, not the network.
        assert listening_addresses(port) == {"127.0.0.1"}, web.output()
        home = web.get("/", {"Host": "localhost"})
        assert home.status == 200, web.output()
        # Development serves the unhashed stylesheet straight from static/, versioned.
        assert re.search(r'href="/static/css/site\.css\?v=[\w.-]+"', home.text), home.text
        stylesheet = web.get("/static/css/site.css", {"Host": "localhost"})
        assert stylesheet.status == 200
        media = web.get("/tour/s3-media/", {"Host": "localhost"})
        assert media.status == 200, web.output()
        assert "Versioning: <strong>Enabled" in media.text
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends
        process.wait(30)
    assert process.returncode == 0, web.output()
    output = web.output()
    # Each worker took one signal, its master's (config/worker_signals.py, ThreadWorker).
    assert "was sent SIGKILL" not in output
    assert "Applying sessions.0001_initial... OK" in output
    assert "Seeded 200 products" in output  # the first run's demo catalog
    assert f"http://localhost:{port}/" in output
    assert "Local S3 server on http://127.0.0.1:" in output
    assert demo.MAIL_LINE in output  # where the reset page's "on its way" mail goes
    assert "DEBUG pages are open" not in output
    # Each step in order, the logins (where that command exists) just before "Serving".
    steps = ["Applying sessions.0001_initial... OK", "Seeded 200 products", "Serving the demo"]
    assert [output.index(step) for step in steps] == sorted(output.index(s) for s in steps)
    # Every start-up message once: no banner per process, no warning per worker.
    lines = [gunicorn_prefix.sub("", line) for line in output.splitlines() if line.strip()]
    repeated = {line for line in lines if lines.count(line) > 1}
    assert not repeated, output
    assert "Code reloading is on" in output
    # The access log gives a static file's real size, not gunicorn's sendfile `0`.
    size = len(stylesheet.body)
    assert re.search(rf'"GET /static/css/site\.css HTTP/1\.1" 200 {size} ', output), output


# "[2026-11-30 04:07:43 +0000] [27700] [INFO] ": gunicorn's time and pid, different per line.
gunicorn_prefix = re.compile(r"^\[[^]]+\] \[\d+\] ")


def test_demo_steps_run_the_logins_after_the_catalog_and_before_the_site():
    """The Procfile's lines run in a shell, as Heroku runs them; the seeds are
    management commands run in the demo's own process, which has Django loaded
    already (a `python manage.py` would start the interpreter and Django again)."""
    without = demo_steps("127.0.0.1", 8000, {"migrate": "django.core", "seed_catalog": "catalog"})
    assert without == (
        "python manage.py migrate --no-input",
        [("seed_catalog", "--if-empty", "--products", "200")],
        "gunicorn --config config/gunicorn.py config.wsgi --bind 127.0.0.1:8000",
    )
    both = {"seed_catalog": "catalog", "seed_demo_accounts": "accounts", "migrate": "x"}
    release, seeds, web = demo_steps("::", 8001, both)
    assert (release, seeds[0]) == (without[0], without[1][0])
    assert seeds[1:] == [("seed_demo_accounts",)]
    assert web.endswith("--bind '[::]:8001'")
    # A fork that replaced the catalog (README, "Forking as a template"): no seed of it.
    release, seeds, web = demo_steps("127.0.0.1", 8000, {"migrate": "django.core"})
    assert (release, seeds, web) == (without[0], [], without[2])


def test_a_seed_that_fails_says_so_in_one_line_with_its_exit_status(capsys):
    """A seed that fails with a CommandError (here the parser's, which call_command
    raises as one) prints its class and message on one line, no traceback, and the
    demo stops with its exit status."""
    assert demo.seed(("seed_catalog", "--products", "many")) == 1
    assert capsys.readouterr() == (
        "",
        "CommandError: Error: argument --products: give a whole number in ASCII digits, "
        "not 'many'\n",
    )


def test_a_seed_that_ends_in_an_error_after_a_stop_is_the_stop(capsys):
    """After a stop, what a seed ends with comes from it (a cancel psycopg2 refuses
    while connecting, a connection it closed mid-commit): the demo ends as stopped
    (exit 0), not with that error's message or traceback."""
    handlers = {signum: signal.getsignal(signum) for signum in demo.STOPS}
    try:
        for signum in demo.STOPS:
            signal.signal(signum, signal.SIG_IGN)  # as `stop` leaves them
        with pytest.raises(KeyboardInterrupt):
            demo.seed(("seed_catalog", "--products", "many"))
        assert capsys.readouterr() == ("", "")
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def test_a_demo_stopped_while_it_seeds_exits_cleanly_and_seeds_at_the_next_start(tmp_path):
    """The seed runs in the demo's process: Ctrl-C there rolls the catalog back
    (one transaction) and ends the demo as a stop anywhere else does."""
    database = released_database("demo_stopped_seed")
    web = start_demo(database, tmp_path)
    try:
        # The seed stores the catalog's pictures first, each written to the S3
        # folder as it is stored, and inserts the products after them.
        blobs = tmp_path / "media" / "blobs"
        wait_for(lambda: blobs.is_dir() and any(blobs.iterdir()), 120)
        assert children(web.process.pid) == []  # no process of its own
    finally:
        returncode = stop_demo(web, signal.SIGINT)
    output = web.output()
    assert returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert "KeyboardInterrupt" not in output, output[-3000:]
    assert "Seeded" not in output, output[-3000:]  # stopped before the seed was done
    for table in ("catalog_category", "catalog_product"):
        assert fetch_all(database, f"SELECT count(*) FROM {table}") == [(0,)]  # noqa: S608

    web = start_demo(database, tmp_path)
    try:
        # robots.txt reads nothing from the database: whatever is connected now
        # was left open by the start.
        web.wait_until_serving("/robots.txt", timeout=180)
        others = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        assert fetch_all(database, f"{others} AND pid <> pg_backend_pid()") == [(0,)]
    finally:
        stopped = stop_demo(web, signal.SIGINT)
    assert stopped == 0, web.output()
    assert "Seeded 200 products" in web.output()
    assert fetch_all(database, "SELECT count(*) FROM catalog_product") == [(200,)]


@pytest.mark.parametrize(
    ("signum", "to_group"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c", "sigterm to the demo alone"],
)
@pytest.mark.parametrize(
    "table",
    # The release line's `migrate`, in a process of its own, reads django_migrations
    # first; the seed, in the demo's, catalog_product.
    ["django_migrations", "catalog_product"],
    ids=["release line", "seed"],
)
def test_a_stop_while_the_start_waits_on_the_database_cancels_the_statement(
    tmp_path, table, signum, to_group
):
    """A statement of the start waiting on a lock held elsewhere: libpq's own wait
    held the stop until the statement ended, here never, or the process ended
    with the statement still queued in the server, holding the locks its
    transaction took. The statement is cancelled, and the demo exits cleanly."""
    database = released_database("demo_start_waits")
    with table_locked(database, table):
        web = start_demo(database, tmp_path)
        try:
            wait_for(lambda: fetch_all(database, LOCK_WAITERS) == [(1,)], 120)
        finally:
            if to_group:
                returncode = stop_demo(web, signum)  # fails after 30 s
            else:
                web.process.send_signal(signum)
                returncode = web.process.wait(30)
        # Still holding the lock: a statement only closed on the client's side
        # would wait in the server until the lock went.
        wait_for(lambda: fetch_all(database, LOCK_WAITERS) == [(0,)], 10)
    output = web.output()
    assert returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert "KeyboardInterrupt" not in output, output[-3000:]


@pytest.mark.parametrize(
    ("port", "host", "expected"),
    [
        ("busy", "", r"Port (\d+) is in use on 127\.0\.0\.1: stop what uses it or run PORT=\d+ "),
        ("busy", "0.0.0.0", r"Port (\d+) is in use on 0\.0\.0\.0: stop what uses it or run PORT="),
        ("http", "", r"PORT must be a number from 1 to 65535, not 'http'"),
        ("99999", "", r"PORT must be a number from 1 to 65535, not '99999'"),
    ],
)
def test_demo_with_a_port_it_cannot_use_says_so_in_one_line_first(tmp_path, port, host, expected):
    """Before the S3 server, the migrations, the seed or "Serving": one line, exit 2."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        busy = other.getsockname()[1]
        value = str(busy) if port == "busy" else port
        web = start_demo("postgres://unused@127.0.0.1:9/none", tmp_path, value, DEMO_HOST=host)
        web.process.wait(60)
    assert web.process.returncode == 2
    output = web.output()
    assert len(output.splitlines()) == 1, output
    match = re.fullmatch(expected + ".*\n", output)
    assert match, output
    if port == "busy":
        assert match.group(1) == str(busy)
    assert not list(tmp_path.iterdir())  # the S3 server never started


@pytest.mark.parametrize(
    ("variables", "said"),
    [
        ({"ADMIN_URL": "a b"}, "ADMIN_URL"),
        ({"ENVIRONMENT": "production"}, "DJANGO_SECRET_KEY is required"),
        ({"ENVIRONMENT": "Development"}, "ENVIRONMENT is 'Development', which counts as"),
        ({"STATIC_VERSION": "a b<"}, "STATIC_VERSION must be"),
        # Another project's, exported in the shell: as manage.py says it.
        ({"DJANGO_SETTINGS_MODULE": "mysite.settings"}, "which names no module here"),
        ({"DJANGO_SETTINGS_MODULE": "config"}, "a module with no settings"),
        ({"DJANGO_SETTINGS_MODULE": "config.urls"}, "a module with no settings"),
    ],
    ids=[
        "admin url",
        "production",
        "a mistyped environment",
        "static version",
        "another project's settings",
        "no settings",
        "a urlconf",
    ],
)
def test_a_setting_the_demo_cannot_use_is_one_line(tmp_path, variables, said):
    """A .env with such a value gave a traceback through the settings module, where
    manage.py and the release phase print one line."""
    web = start_demo("postgres://unused@127.0.0.1:9/none", tmp_path, **variables)
    web.process.wait(60)
    output = web.output()
    assert web.process.returncode == 2, output
    assert "Traceback" not in output
    [error] = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert said in error


def test_an_s3_folder_holding_other_files_is_refused_in_one_line_and_left_alone(tmp_path):
    """DEMO_S3_DATA=. (the checkout) or a home folder: the server removed every
    folder there that was not one of its buckets, at once and without a word."""
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "chapter1.tex").write_text("two years of it")
    web = start_demo("postgres://unused@127.0.0.1:9/none", tmp_path)
    web.process.wait(60)
    output = web.output()
    assert web.process.returncode == 2, output
    assert output == (
        f"{tmp_path} holds what the local S3 server did not write there (thesis), which "
        "it would replace: name a new or empty folder, or run "
        "DEMO_S3_DATA=another-folder pipenv run demo\n"
    )
    assert [path.name for path in tmp_path.rglob("*")] == ["thesis", "chapter1.tex"]
    assert (tmp_path / "thesis" / "chapter1.tex").read_text() == "two years of it"


def test_demo_command_stops_cleanly_on_sigterm_alone(tmp_path):
    """A signal to the demo process only (not its group) still stops the site.

    This demo is asked to listen on every interface (DEMO_HOST), as the README shows.
    Its database is already migrated, as on every start after the first."""
    web = start_demo(released_database("demo_sigterm"), tmp_path, DEMO_HOST="0.0.0.0")
    process = web.process
    try:
        web.wait_until_serving(timeout=180)
        assert listening_addresses(web.port) == {"0.0.0.0"}, web.output()
        assert "Listening on 0.0.0.0: DEBUG pages are open to that network." in web.output()
        # The local S3 server, which the pictures' URLs name, stays on this machine.
        s3_port = int(re.search(r"Local S3 server on http://127\.0\.0\.1:(\d+)", web.output())[1])
        assert listening_addresses(s3_port) == {"127.0.0.1"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert process.returncode == 0
    # gunicorn went with it: nothing answers on the port any more.
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        web.get("/healthz")


@pytest.mark.parametrize("after", [0, 0.05, 0.15])
def test_ctrl_c_while_the_web_line_starts_leaves_no_traceback(tmp_path, after):
    """The demo says it serves just before it starts gunicorn. A Ctrl-C at once came
    while the demo forked it, and was lost in the fork's handlers: the demo served
    on and ignored every later Ctrl-C. A moment later it came while gunicorn still
    imported its settings: a KeyboardInterrupt traceback. Stops now wait out the
    fork, and the Procfile's lines start with Ctrl-C ignored until they take it
    themselves; the demo passes each stop on (config/local/demo.py, `run`)."""
    web = start_demo(released_database("demo_ctrl_c_at_start"), tmp_path)
    try:
        wait_for(lambda: "Serving the demo on" in web.output(), 180)
        time.sleep(after)  # gunicorn starts Python, imports itself, reads its settings
    finally:
        returncode = stop_demo(web)
    output = web.output()
    assert "Traceback" not in output, output[-3000:]
    assert "KeyboardInterrupt" not in output, output[-3000:]
    assert returncode == 0, output[-3000:]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["ctrl-c", "closed"])
def test_a_demo_stopped_while_it_migrates_exits_cleanly(tmp_path, signum):
    """A newcomer's first start spends seconds migrating and seeding. Closing the
    terminal (SIGHUP) then killed the demo without its way out, which stops the
    local database server. Here the release line waits on a database that takes
    the connection and never answers. (The command's own Ctrl-C: manage.py,
    tests/config/test_commands.py.)"""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        web = start_demo(f"postgres://demo:demo@127.0.0.1:{port}/demo", tmp_path)
        try:
            # The release line's migrate has connected and waits for an answer.
            wait_for(lambda: connections_waiting(port), 60)
        finally:
            returncode = stop_demo(web, signum)
    output = web.output()
    assert "Traceback" not in output, output[-3000:]
    assert "KeyboardInterrupt" not in output, output[-3000:]
    assert returncode == 0, output[-3000:]


def test_a_second_signal_while_the_site_stops_leaves_nothing_running(tmp_path):
    """The demo passes a stop on to gunicorn and waits for it, which lets requests
    in flight finish. A second Ctrl-C or SIGTERM in that wait ended the demo at
    once: gunicorn kept running without it, and the local database server was
    stopped under it. Here a request whose body is still arriving holds the stop."""
    web = start_demo(released_database("demo_second_signal"), tmp_path)
    process = web.process
    try:
        web.wait_until_serving(timeout=180)
        (gunicorn,) = children(process.pid)
        login = web.get("/accounts/login/", {"Host": "localhost"})
        token = re.search(r"csrftoken=(\w+)", login.headers["Set-Cookie"])[1]
        body = f"username=a&password=b&csrfmiddlewaretoken={token}".encode()
        with socket.create_connection(("127.0.0.1", web.port)) as client:
            client.sendall(
                b"POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Cookie: csrftoken={token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body[:10]
            )
            wait_until_read(web.port, 1)  # the CSRF check is reading the body
            process.send_signal(signal.SIGTERM)
            wait_for(lambda: "Handling signal: term" in web.output())
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            assert process.poll() is None, web.output()[-3000:]  # still waiting for gunicorn
            client.sendall(body[10:])  # the request ends, and with it the stop
            assert client.recv(100).startswith(b"HTTP/1.1 200 OK"), web.output()[-3000:]
            assert process.wait(30) == 0, web.output()[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert not Path(f"/proc/{gunicorn}").exists(), web.output()[-3000:]


def test_a_stop_while_the_database_server_starts_comes_after_it_then_no_other():
    """A stop raised while the local PostgreSQL starts had Python kill initdb
    half-way (subprocess.run), leaving a data folder never made again; after the
    first stop, a second one broke off the way out (`config.local.demo.stop`)."""
    handlers = {signum: signal.getsignal(signum) for signum in demo.STOPS}
    try:
        for signum in demo.STOPS:
            signal.signal(signum, demo.stop)
        finished = []

        def start_the_server():
            with demo.stops_held():
                os.kill(os.getpid(), signal.SIGTERM)
                os.kill(os.getpid(), signal.SIGHUP)
                time.sleep(0.05)  # handlers run meanwhile: held
                finished.append(True)

        with pytest.raises(KeyboardInterrupt):
            start_the_server()
        assert finished
        assert {signal.getsignal(signum) for signum in demo.STOPS} == {signal.SIG_IGN}

        # A start that fails shows its own error, not the stop held meanwhile.
        for signum in demo.STOPS:
            signal.signal(signum, demo.stop)

        def fail_to_start():
            with demo.stops_held():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)
                raise ImproperlyConfigured("could not start")

        with pytest.raises(ImproperlyConfigured):
            fail_to_start()
        assert {signal.getsignal(signum) for signum in demo.STOPS} == {demo.stop}
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def test_the_demo_names_its_s3_folder_from_the_checkout_or_in_full(tmp_path):
    from config.local.demo import BASE_DIR, shown

    assert shown(BASE_DIR / ".s3data") == ".s3data"
    assert shown(Path(".s3data")) == ".s3data"
    assert shown(Path("demo-data/other")) == "demo-data/other"
    assert shown(tmp_path / "s3") == str(tmp_path / "s3")
