"""The README's demo command: release, then the web line, stopped by Ctrl-C."""

import os
import re
import signal
import subprocess
import sys
import tempfile
import urllib.error

import pytest

from config.local.demo import bind_address, procfile_command
from tests.processes import (
    BASE_DIR,
    WebProcess,
    free_port,
    fresh_database,
    listening_addresses,
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


def start_demo(database: str, **extra: str) -> WebProcess:
    """`pipenv run demo` in its own process group (like a terminal's), in this shell's
    environment as a newcomer's would be: no ENVIRONMENT, no S3 variables (the demo
    then starts its own S3 server), no DEMO_HOST unless `extra` sets it."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ENVIRONMENT", "DJANGO_SETTINGS_MODULE", "DEMO_HOST")
        and not key.startswith("AWS_")
    }
    env.update(PORT=str(port), DATABASE_URL=fresh_database(database), **extra)
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "config.local.demo"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return WebProcess(process, port, log)


def test_demo_command_migrates_serves_the_site_and_stops_on_ctrl_c():
    web = start_demo("demo_check")
    process, port = web.process, web.port
    try:
        web.wait_until_serving(timeout=60)
        # DEBUG is on: the demo listens on this machine's loopback only, not the network.
        assert listening_addresses(port) == {"127.0.0.1"}, web.output()
        home = web.get("/", {"Host": "localhost"})
        assert home.status == 200, web.output()
        # Development serves the unhashed stylesheet straight from static/, versioned.
        assert re.search(r'href="/static/css/site\.css\?v=[\w.-]+"', home.text), home.text
        assert web.get("/static/css/site.css", {"Host": "localhost"}).status == 200
        media = web.get("/tour/s3-media/", {"Host": "localhost"})
        assert media.status == 200, web.output()
        assert "Versioning: <strong>Enabled" in media.text
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends
        process.wait(30)
    assert process.returncode == 0, web.output()
    output = web.output()
    assert "Applying sessions.0001_initial... OK" in output
    assert "Seeded 200 products" in output  # the first run's demo catalog
    assert f"http://localhost:{port}/" in output
    assert "Local S3 server on http://127.0.0.1:" in output


def test_demo_command_stops_cleanly_on_sigterm_alone():
    """A signal to the demo process only (not its group) still stops the site.

    This demo is asked to listen on every interface (DEMO_HOST), as the README shows."""
    web = start_demo("demo_sigterm", DEMO_HOST="0.0.0.0")
    process = web.process
    try:
        web.wait_until_serving(timeout=60)
        assert listening_addresses(web.port) == {"0.0.0.0"}, web.output()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert process.returncode == 0
    # gunicorn went with it: nothing answers on the port any more.
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        web.get("/healthz")
