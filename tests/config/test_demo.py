"""The README's demo command: release, then the web line, stopped by Ctrl-C."""

import os
import signal
import subprocess
import sys
import tempfile

import pytest

from config.demo import procfile_command
from tests.processes import BASE_DIR, WebProcess, free_port, fresh_database


def test_procfile_lines_are_what_heroku_runs():
    assert procfile_command("release") == "python manage.py migrate --no-input"
    assert procfile_command("web") == "gunicorn --config config/gunicorn.py config.wsgi"
    with pytest.raises(KeyError, match="worker"):
        procfile_command("worker")


def test_demo_command_migrates_serves_the_site_and_stops_on_ctrl_c():
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ENVIRONMENT", "DJANGO_SETTINGS_MODULE")
    }
    env.update(PORT=str(port), DATABASE_URL=fresh_database("demo_check"))
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "config.demo"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's
    )
    web = WebProcess(process, port, log)
    try:
        web.wait_until_serving(timeout=60)
        home = web.get("/", {"Host": "localhost"})
        assert home.status == 200, web.output()
        # Development serves the unhashed stylesheet straight from static/.
        assert 'href="/static/css/site.css"' in home.text
        assert web.get("/static/css/site.css", {"Host": "localhost"}).status == 200
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends
        process.wait(30)
    output = web.output()
    assert "Applying sessions.0001_initial... OK" in output
    assert "Seeded 200 products" in output  # the first run's demo catalog
    assert f"http://localhost:{port}/" in output
    assert process.returncode == 0, output
