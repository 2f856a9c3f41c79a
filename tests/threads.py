"""Work in another thread while a test's block runs."""

import threading
from contextlib import contextmanager

from django.db import connection


@contextmanager
def meanwhile(work, started: threading.Event, release: threading.Event):
    """Run `work` in another thread, with a database connection of its own, and the
    block once it has set `started`; then set `release` and wait for the thread."""

    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert started.wait(10)
        yield
    finally:
        release.set()
        thread.join()
