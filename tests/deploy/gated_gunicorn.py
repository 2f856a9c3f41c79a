"""The web line's gunicorn settings (config/gunicorn.py), with each worker held
just after its fork until the file `GATE` names exists: in post_fork, before
gunicorn has set the worker's signal handlers, so a test can signal a worker in
that window (tests/deploy/test_faults.py)."""

from config import gunicorn as site
from config.gunicorn import *  # noqa: F403
from tests.deploy import gate


def post_fork(server, worker):
    site.post_fork(server, worker)
    gate.wait()
