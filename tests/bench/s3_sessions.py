"""What each thread's S3 session costs, with botocore's service data shared or not.

    pipenv run python -m tests.bench.s3_sessions [--threads 5]

Starts --threads threads together, each signing one image URL, as a new gunicorn
worker's threads do under its first burst of requests, and keeps them alive, as
the worker does. Twice, each in a fresh process: with django-storages' own
S3Storage (a session per thread, each loading botocore's data), and with the
site's MediaStorage (config/media/boto_sessions.py: a session per thread, one copy of
the data). Prints the process's memory (RSS) and CPU time the threads added.
Before them, a storage of its own signs once in the main thread, so imports are
not counted. Nothing is sent: signing is local. docs/s3-media.md has the figures.
"""

import argparse
import os
import subprocess
import sys
import threading
import time

from config import cancel_on_stop
from config.commands import at_least_one, at_most
from config.local.demo import ends_with_this_process

# The media bucket's options as production's settings build them, with example keys.
KEYS = {"access_key": "AKIAEXAMPLE", "secret_key": "example-secret"}


# Each thread holds a client of its own: 1,001 held 1.3 GB a minute in.
MAX_THREADS = 1_000


def thread_count(text: str) -> int:
    """argparse's `type` for --threads: 1 to MAX_THREADS."""
    return at_most(at_least_one(text), MAX_THREADS)


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(backend: str, threads: int) -> str:
    """In this process: sign in one thread, then in `threads` more; a row of figures."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ENVIRONMENT", "development")
    import django

    django.setup()
    from django.utils.module_loading import import_string
    from storages.backends.s3 import S3Storage

    from config.media.storage import media_storage

    options = media_storage("shop-media", region_name="eu-west-1")["OPTIONS"]
    # Imports and botocore's lazy modules, on a plain storage: the data it loads is its own.
    S3Storage(**options, **KEYS).url("products/first.webp")
    storage = import_string(backend)(**options, **KEYS)
    memory, cpu = rss_mib(), time.process_time()
    ready, signed, stop = (
        threading.Barrier(threads),
        threading.Barrier(threads + 1),
        threading.Event(),
    )

    def serve(number: int):
        ready.wait()  # all at once
        # A name of its own: MediaStorage reuses a URL another thread signed (signed.py).
        storage.url(f"products/lamp-{number}.webp")
        signed.wait()
        stop.wait()  # alive, as a worker's thread is, with its session

    pool = [threading.Thread(target=serve, args=(number,)) for number in range(threads)]
    for thread in pool:
        thread.start()
    signed.wait()
    added_mib, added_cpu = rss_mib() - memory, (time.process_time() - cpu) * 1000
    stop.set()
    each_mib, each_cpu = added_mib / threads, added_cpu / threads
    return f"{backend:<36} {threads:>7} {added_mib:>10.1f} {each_mib:>10.2f} {each_cpu:>12.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--threads",
        type=thread_count,
        default=5,
        help=f"signing at once (default %(default)s, at most {MAX_THREADS:,})",
    )
    parser.add_argument("--backend", help=argparse.SUPPRESS)  # one measurement, in a child
    args = parser.parse_args()
    if args.backend:
        print(measure(args.backend, args.threads))
        return
    print(f"{'storage':<36} {'threads':>7} {'RSS MiB':>10} {'MiB each':>10} {'CPU ms each':>12}")
    for backend in ("storages.backends.s3.S3Storage", "config.media.signed.MediaStorage"):
        command = [sys.executable, "-m", "tests.bench.s3_sessions", "--threads", str(args.threads)]
        subprocess.run(
            [*command, "--backend", backend], check=True, preexec_fn=ends_with_this_process()
        )
    print("RSS MiB, CPU ms: what the threads added to the process, after its first signed URL")


if __name__ == "__main__":
    cancel_on_stop.run(main)  # no traceback on a stop; atexit and `finally` run
