"""Work in another thread while a test's block runs."""

import threading
from contextlib import contextmanager

from django.db import connection, connections


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


def sent_at_once(count: int, send) -> list[int]:
    """The status codes of `send(n)` for n in range(count), each in a thread of its own
    started together (each with its own database connection, closed after)."""
    answers = []

    def one(n: int) -> None:
        try:
            answers.append(send(n).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(answers)
