"""A WSGI module that holds each worker in the middle of its boot: it loads the
site only once the file `GATE` names exists. In development (no preload) each
worker imports it after setting its signal handlers, so a test can send signals
to a worker that is still loading the app (tests/deploy/test_faults.py)."""

from tests.deploy import gate

gate.wait()

from config.wsgi import application  # noqa: E402, F401
