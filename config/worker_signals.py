"""The signals of the web line's gunicorn workers (config/gunicorn.py): each is
taken once, whenever it comes, and a stop waits for nothing it need not.

- Signals sent while a worker boots are held, then handled. gunicorn forks a
  worker and only sets its handlers after the post_fork hook and some setup. A
  signal that came in between ran the master's handler, copied with the fork,
  which queued it where nothing reads it: Heroku's SIGTERM to every process of
  a dyno stopping just after a start or a worker's restart, or the master's own
  SIGTERM or SIGQUIT, was lost. The worker never stopped, and the master waited
  its 20 s graceful timeout, then killed it (3 web lines stopped just after
  starting, of 20 on a busy machine). The master now blocks these signals just
  before each fork (`hold`, from pre_fork): its own thread unblocks them as soon
  as the fork returns, the worker only once its handlers are set. A signal sent
  in between waits, and goes to the worker's own handler.
- Workers leave SIGINT to the master. Ctrl-C in a terminal (`heroku local`, the
  Procfile line run by hand, `pipenv run demo`) sends SIGINT to the master and to
  every worker at once, and the master answers it by sending each worker
  SIGQUIT. gthread's quit handler is not re-entrant: a worker that took both
  signals ran it twice, the second call waited forever on the thread pool's lock
  inside the first one's shutdown, and the master killed it 20 s later ("Worker
  ... was sent SIGKILL! Perhaps out of memory?"), in about one Ctrl-C of five. In
  development a worker loads the app after its handlers are set (about half a
  second, and again whenever a code change restarts it), and a Ctrl-C then ran
  both too.
- The quick stop (SIGQUIT) does not wait on the thread pool's lock, which the
  worker's main thread may hold at that moment (`ThreadWorker.handle_quit`).
- A new connection waits for its first byte on the worker's poller, not in one
  of its threads (`ThreadWorker.accept`). gthread gave each 5 s of a thread
  first: ten connections that sent nothing (a browser's spare ones, a client
  gone quiet before its request), as many as two workers' threads, left the web
  line answering no one, and again every 5 s. Once a byte has come (part of a
  request, or a TLS handshake where gunicorn serves HTTPS itself) the
  connection is a thread's until its request has, as with gthread.
- A graceful stop (SIGTERM) keeps a connection that never sent a request no
  longer than a kept-alive one (`ThreadWorker._cap_keepalive`).
"""

import errno
import os
import selectors
import signal
import time
from functools import partial

from gunicorn.workers import base, gthread

# What a worker is sent: by the master (TERM to stop, QUIT on its own Ctrl-C, USR1
# to reopen logs, ABRT past the timeout), by Heroku (TERM to every process of a
# stopping dyno) and by a terminal (INT, to the whole job).
SENT_TO_WORKERS = frozenset(
    {signal.SIGTERM, signal.SIGQUIT, signal.SIGINT, signal.SIGUSR1, signal.SIGABRT}
)


def hold() -> None:
    """Block the workers' signals in this thread: the master's, just before a fork."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SENT_TO_WORKERS)


def release() -> None:
    """Deliver what `hold` kept waiting, to the handlers set now."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SENT_TO_WORKERS)


# The master, as soon as each fork returns: gunicorn has no hook there. Registered
# once per process, whenever gunicorn reads its settings again.
os.register_at_fork(after_in_parent=release)


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker, taking each signal once (see above)."""

    def init_signals(self):
        super().init_signals()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        release()

    def accept(self, listener):
        """Take a connection, and wait on the poller for its first byte: what gthread
        does with one that sent nothing for 5 s of a thread, from the start. It has
        those 5 s and the keep-alive (95 s) to send a request, as with gthread (with
        `--keep-alive 0` alone, one whose request came a moment later was closed),
        and counts against the worker's connections (1000 at least: config/env.py)
        meanwhile."""
        try:
            sock, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        sock.setblocking(False)
        conn = gthread.TConn(self.cfg, sock, address, listener.getsockname())
        conn.timeout = time.monotonic() + gthread.DEFAULT_WORKER_DATA_TIMEOUT + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(
            sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )

    def _cap_keepalive(self, deadline):
        """A graceful stop (SIGTERM) keeps kept-alive connections until `deadline` at
        most (2 s), for a request already on its way. gthread leaves out those
        that never sent a request, waiting on its poller with the whole keepalive
        (95 s), and a stop waited for one (a browser's spare connection, say) until
        the 20 s graceful timeout and the master's SIGKILL. They get the same
        deadline."""
        super()._cap_keepalive(deadline)
        for conn in self.pending_conns:
            conn.timeout = min(conn.timeout, deadline)

    def handle_quit(self, sig, frame):
        """SIGQUIT, the master's quick stop (its own Ctrl-C): gunicorn's worker exit,
        without gthread's shutdown of the thread pool first. That shutdown takes the
        pool's lock, which this same main thread holds while it hands a request to
        the pool: a SIGQUIT arriving then waited on it forever, until the master's
        SIGKILL 20 s later. The exit stops the pool the same way: Python's own exit
        lets each pool thread finish its request and end."""
        base.Worker.handle_quit(self, sig, frame)
