"""Gunicorn settings for the Procfile's web line, following Heroku's guidance.

https://devcenter.heroku.com/articles/python-gunicorn and
https://docs.gunicorn.org/en/stable/settings.html
"""

import logging
import os
import sys

from django.core.exceptions import ImproperlyConfigured
from gunicorn import glogging
from gunicorn.instrument.statsd import Statsd

from config import env, gc_tuning, worker_signals
from config.security.addresses import WithoutAddresses

_development = os.environ.get("ENVIRONMENT", "").strip() == "development"  # as settings read it

# Heroku tells each dyno which port to bind; "[::]" also accepts IPv4.
try:
    bind = [f"[::]:{env.web_port()}"]
except ImproperlyConfigured as refused:
    sys.exit(str(refused))

# Heroku's Python buildpack sets WEB_CONCURRENCY for the dyno size (2 on a 512 MB
# dyno). Threads let a worker overlap database and S3 waits; each thread keeps
# its own database connection (CONN_MAX_AGE), so workers x threads must stay
# under the Postgres plan's connection limit (20 on essential-0).
# gunicorn itself reads it first and stops on one that is not a whole number; the
# settings refuse those and 0 or less (0 would take connections and never answer
# them), so the release phase stops before a web dyno could crash on one.
try:
    workers = env.web_workers()
except ImproperlyConfigured as refused:
    sys.exit(str(refused))


# gunicorn's gthread worker, taking each signal once: held while it boots, and
# SIGINT left to the master (config/worker_signals.py).
worker_class = worker_signals.ThreadWorker
threads = 5

# A worker whose main loop has not checked in for 20 s is killed and replaced. With
# threads, that loop checks in every second whatever its request threads do, so a
# slow request is not stopped by this: Heroku's router answers H12 after 30 s while
# it runs on, which is why each slow part has its own bound (the database's
# connect timeout, S3's timeouts, one picture decoded at a time). In-flight
# requests finish within the 30 s between SIGTERM and SIGKILL.
timeout = 20
graceful_timeout = 20
# Above the router's 90 s idle keep-alive, so gunicorn never closes a connection
# the router is about to reuse (H13/H18).
keepalive = 95

# Load the app once in the master and fork it: faster boots and shared memory.
# Off in development so code reloads.
preload_app = not _development
reload = _development
if reload:
    # Every worker warns "Reloader is on" as it boots; one line says it once, from
    # the master reading this file (not from a test importing it).
    if "gunicorn" in sys.argv[0]:
        print("Code reloading is on: a worker restarts when a Python file changes.", flush=True)
    logging.getLogger("gunicorn.error").addFilter(
        lambda record: not str(record.msg).startswith("Reloader is on")
    )


class AddressesFiltered:
    """gunicorn's logs with no e-mail address in a line, as the app's (settings.LOGGING,
    config/security/addresses.py): its loggers have handlers of their own, and a
    staff member searching the admin's users by address put it in the access log."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(WithoutAddresses(inner=handler.formatter))


class AddressesFilteredStatsd(AddressesFiltered, Statsd):
    pass


class AddressesFilteredLogger(AddressesFiltered, glogging.Logger):
    """gunicorn's logger, filtered; its StatsD logger, filtered, where --statsd-host
    asks for metrics (gunicorn picks that one only in place of its default logger)."""

    def __new__(cls, cfg):
        if cls is AddressesFilteredLogger and cfg.statsd_host:
            return AddressesFilteredStatsd(cfg)
        return super().__new__(cls)


logger_class = AddressesFilteredLogger

# Access log to stdout, with Heroku's X-Request-Id to match the router's log line.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}i)s "%(a)s"'
# gunicorn's sendfile() path does not count the bytes it sends, so every static
# file WhiteNoise serves (a file wrapper) was logged as `200 0`. Copying through
# gunicorn instead counts them; for static files of a few KB the copy costs little.
sendfile = False

# gunicorn 25.1+ opens a control socket for `gunicornc` under $HOME unless told
# not to; on a dyno HOME is /app, the app itself, and nothing here uses it.
control_socket_disable = True

# No WSGI path from request headers. gunicorn takes SCRIPT_NAME and PATH_INFO from
# headers of that name when the peer is a trusted proxy, and on Heroku every peer
# is (the Python buildpack exports FORWARDED_ALLOW_IPS='*' for gunicorn): a
# client's `SCRIPT_NAME: /products/<slug>` served the home page under that
# product's URL, and one that was no prefix of the path got gunicorn's bare 500.
# Heroku's router sets neither; the site is served at the domain's root.
forwarder_headers = ""
# No scheme from request headers either: Django reads the router's
# X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER), its first value if it
# comes twice. gunicorn's default also read X-Forwarded-Ssl and
# X-Forwarded-Protocol from a trusted peer, which the router passes on as a
# client sent them, and answered headers that disagreed (those, or two
# X-Forwarded-Proto lines) with its bare 400 page, without the site's headers:
# a proxy in front adding `X-Forwarded-Ssl: on` made every plain HTTP request one
# rather than the redirect to https. gunicorn's own scheme (wsgi.url_scheme) is
# now the connection's; in production config/wsgi.py sets it as Django reads it.
secure_scheme_headers = {}


# Garbage collection (config/gc_tuning.py): the master freezes the loaded app
# just before each fork, so the workers' collections skip it and leave the
# pages they share with the master unwritten; each worker then collects its
# young objects every 10,000 allocations instead of 700. Figures and
# trade-offs: docs/production.md; bench_prefetch, which runs with the same
# settings: docs/prefetch.md.
def pre_fork(server, worker):
    if preload_app:  # without it the app loads in each worker, after the fork
        gc_tuning.freeze_loaded_app()
    # Until the worker's handlers are set: the project's worker class lets go of
    # them then; another one given on the command line or in GUNICORN_CMD_ARGS
    # (read after this file) would keep them held for good.
    if isinstance(worker, worker_signals.ThreadWorker):
        worker_signals.hold()


def post_fork(server, worker):
    gc_tuning.tune_worker()
    server.log.info("Worker %s: garbage collector %s", worker.pid, gc_tuning.describe())
