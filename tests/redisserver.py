"""A real Redis for the tests: Debian's `redis-server`, started on a free port of 127.0.0.1.

    redis_binary() -> str                    its path, or skip (a failure under CI / REQUIRE_REDIS)
    start(folder, tls=None) -> RedisServer   a server of its own, in `folder`, until .stop()

A TLS server needs a redis-server built with TLS (Debian's is; Heroku CI's
in-dyno Redis, 7.0 by default, is not): without it the TLS tests skip, and fail only under
REQUIRE_REDIS=1.

With `tls` (a certificate from tests/e2e/tls.py) the server listens with TLS
only, as Heroku Key-Value Store does, with that self-signed certificate. Started
with the eviction policy docs/production.md asks for on Heroku
(`volatile-ttl`), and without persistence: nothing is written outside `folder`.
"""

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.env import under_ci
from config.local.demo import ends_with_this_process
from tests.e2e.tls import Certificate
from tests.processes import free_port
from tests.required import required

EVICTION_POLICY = "volatile-ttl"


def skip_or_fail(reason: str, *, strict_under_ci: bool = True):
    """Skip with `reason`, or fail where Redis must be tested: REQUIRE_REDIS=1 (.ci/run)
    and, for redis-server itself, CI (Heroku CI's in-dyno Redis add-on provides one)."""
    if required("REQUIRE_REDIS") or (strict_under_ci and under_ci()):
        pytest.fail(f"{reason} (required here: CI or REQUIRE_REDIS is set)")
    pytest.skip(reason)


def redis_binary() -> str:
    path = shutil.which("redis-server")
    if path is None:
        skip_or_fail("redis-server not found: install Debian's `redis-server`")
    return path


class TLSUnsupported(RuntimeError):
    """This redis-server has no TLS (built without it, or older than Redis 6)."""


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int
    tls: Certificate | None

    @property
    def url(self) -> str:
        return f"{'rediss' if self.tls else 'redis'}://127.0.0.1:{self.port}/0"

    def client(self):
        """A redis-py client of this server (TLS: trusting its certificate only)."""
        import redis

        if self.tls:
            return redis.Redis(
                host="127.0.0.1", port=self.port, ssl=True, ssl_ca_certs=str(self.tls.certfile)
            )
        return redis.Redis(host="127.0.0.1", port=self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    folder: Path,
    tls: Certificate | None = None,
    *,
    maxmemory: str = "64mb",
    policy: str = EVICTION_POLICY,
    port: int | None = None,
) -> RedisServer:
    """A redis-server on 127.0.0.1 (on `port`, else a free one), answering PING
    before this returns."""
    binary = redis_binary()
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    arguments = [binary, "--bind", "127.0.0.1", "--dir", str(folder)]
    arguments += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
    arguments += ["--maxmemory", maxmemory, "--maxmemory-policy", policy]
    if tls:
        arguments += ["--port", "0", "--tls-port", str(port)]
        arguments += ["--tls-cert-file", str(tls.certfile), "--tls-key-file", str(tls.keyfile)]
        # Heroku's servers ask no certificate of their clients.
        arguments += ["--tls-auth-clients", "no"]
    else:
        arguments += ["--port", str(port)]
    log = open(folder / "redis.log", "wb")  # open as long as the server runs
    process = subprocess.Popen(
        arguments,
        stdout=log,
        stderr=subprocess.STDOUT,
        # It ends with the process that started it, however that ends (a test's
        # timeout kills a benchmark): it kept its port and folder for good.
        preexec_fn=ends_with_this_process(),
    )
    server = RedisServer(process, port, tls)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = (folder / "redis.log").read_text(errors="replace")
            # A redis-server built without TLS refuses the tls-* directives; any
            # other exit (a certificate it cannot load) is a failure, never a skip.
            if tls and "Bad directive" in output and "tls-" in output:
                raise TLSUnsupported(output)
            raise RuntimeError(output)
        try:
            # Closed at once: left to the garbage collector, its connection stayed in
            # the server's client list, and a test counting the app's was one over.
            with server.client() as probe:
                if probe.ping():
                    return server
        except Exception:  # not listening yet
            time.sleep(0.1)
    server.stop()
    raise TimeoutError(f"redis-server did not answer on port {port}")


def port_refuses(port: int) -> bool:
    """True when nothing listens at 127.0.0.1:port any more."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0
