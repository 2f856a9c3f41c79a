"""Send mail off the request path, so a page never waits for the mail server.

    outbox.submit(send, "what it is")   run `send()` on a mail thread; False if dropped
    outbox.wait(timeout)                 block until everything submitted is done

Each process has one `Outbox`: a pool of two threads and at most 50 jobs in hand,
the two being sent included.
A job that finds the queue full is dropped and logged (a flood of reset requests
must not grow the process); a job that fails is logged with its traceback. The
threads start with the first job, so gunicorn's preloaded master never has any.

A job runs with the submitting thread's script prefix, URLconf and active language,
each thread-local in Django: a mail rendered on the mail thread links and reads as
the request that queued it would (a site under SCRIPT_NAME, a request's own
`urlconf`, a fork's languages), and the thread keeps none of them afterwards.

What it costs: a queued mail lives in this process's memory only. A graceful stop
(SIGTERM) lets Python finish the queue before the process exits; a crash or
SIGKILL loses it. A job queue (a worker dyno reading Redis, say) is the answer
when every mail must survive a restart.
"""

import logging
import threading
from collections.abc import Callable
from concurrent import futures

from django.db import connections
from django.urls import (
    clear_script_prefix,
    get_script_prefix,
    get_urlconf,
    set_script_prefix,
    set_urlconf,
)
from django.utils import translation

logger = logging.getLogger(__name__)


class Outbox:
    def __init__(self, *, workers: int = 2, max_pending: int = 50):
        self._workers = workers
        self._slots = threading.BoundedSemaphore(max_pending)
        self._lock = threading.Lock()
        self._executor: futures.ThreadPoolExecutor | None = None
        self._pending: set[futures.Future] = set()

    def submit(self, send: Callable[[], object], what: str) -> bool:
        """Queue `send()`; False (and a warning) when the queue is full."""
        if not self._slots.acquire(blocking=False):
            logger.warning("Mail queue full: %s was not sent.", what)
            return False
        with self._lock:
            if self._executor is None:
                self._executor = futures.ThreadPoolExecutor(
                    self._workers, thread_name_prefix="mail"
                )
            request = (get_script_prefix(), get_urlconf(), translation.get_language())
            future = self._executor.submit(self._run, send, what, request)
            self._pending.add(future)
        future.add_done_callback(self._done)
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Whether everything submitted so far was done within `timeout` seconds."""
        with self._lock:
            pending = list(self._pending)
        return not futures.wait(pending, timeout).not_done

    @staticmethod
    def _run(send: Callable[[], object], what: str, request: tuple) -> None:
        prefix, urlconf, language = request
        set_script_prefix(prefix)
        set_urlconf(urlconf)
        try:
            with translation.override(language):
                send()
        except Exception:
            logger.exception("Failed to send %s.", what)
        finally:
            clear_script_prefix()
            set_urlconf(None)
            # A job should not query, but if one did, its thread's connection
            # must not stay open for the life of the process.
            connections.close_all()

    def _done(self, future: futures.Future) -> None:
        with self._lock:
            self._pending.discard(future)
        self._slots.release()


outbox = Outbox()
