"""How long the password reset page takes to answer, registered address vs unknown.

    pipenv run python -m tests.bench.reset_timing [--requests 20] [--greeting 0.4]

Runs the app in this process (Django's test client, the real SMTP backend) on a
fresh database of the local PostgreSQL, with mail going to a local SMTP server
that waits --greeting seconds before it greets each connection, as a distant or
busy mail server does. Posts the reset form alternately for a registered and an
unknown address, a new one each time, from 250 client addresses in turn (so the
reset throttles do not kick in: --requests is bounded so that no client address
posts more than the page allows it an hour; it checks that every registered one
got its mail),
and prints the median and slowest answer of each in milliseconds. If the page
waited for the mail server, the registered address would be slower by the
greeting at least. docs/accounts.md has the figures.
"""

import argparse
import os
import re
import statistics
import sys
import time

from config import cancel_on_stop
from config.commands import at_least_one, at_most
from config.env import shown


def setup_django() -> None:
    os.environ["ENVIRONMENT"] = "development"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tests.processes import used_for_this_run

    used_for_this_run("bench_reset")
    call_command("migrate", verbosity=0)


# The posts not timed, first: connecting, compiling templates.
UNTIMED = 2
# Each post comes from the next of these client addresses, in turn.
CLIENTS = 250


def post_count(requests: int) -> int:
    """The posts of a run: `requests` of each kind of address, and the untimed."""
    return requests * 2 + UNTIMED


def client_address(n: int) -> str:
    return f"198.51.100.{n % CLIENTS + 1}"


# Past accounts/throttles.py's RESETS_PER_CLIENT posts an hour from one client
# address, the page answers without looking the address up: the run would time the
# throttled path. Its value, here as that module needs Django loaded to import
# (`measure` and tests/test_bench_arguments.py check it is the same).
RESETS_PER_CLIENT = 20
# At this many requests each address posts RESETS_PER_CLIENT times at most.
MAX_REQUESTS = (CLIENTS * RESETS_PER_CLIENT - UNTIMED) // 2


def posts_per_client(requests: int) -> int:
    """The most posts one client address makes in a run of `requests`."""
    return -(-post_count(requests) // CLIENTS)  # rounded up


def request_count(text: str) -> int:
    """argparse's `type` for --requests: 1 to MAX_REQUESTS a kind of address
    (10**30 made that many users first, and never ended)."""
    return at_most(at_least_one(text), MAX_REQUESTS, "a kind of address")


def measure(requests: int, greeting: float) -> dict[str, list[float]]:
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    from accounts import throttles
    from accounts.mail import outbox
    from tests.mailserver import SMTPServer

    timings: dict[str, list[float]] = {"registered": [], "unknown": []}
    if posts_per_client(requests) > throttles.RESETS_PER_CLIENT:
        raise SystemExit(
            f"{requests} requests post more than RESETS_PER_CLIENT "
            f"({throttles.RESETS_PER_CLIENT}) resets from one client address: the page "
            "would throttle them. Give fewer."
        )
    posts = post_count(requests)
    # An address of its own for each post: past RESETS_PER_ADDRESS an hour, a
    # registered address's post sends no mail, and would time the throttled path.
    for n in range(1, posts, 2):
        get_user_model().objects.create_user(f"grace{n}", f"grace{n}@example.com", "a-long-pass")
    with SMTPServer(greeting_delay=greeting) as server:
        settings = {**server.settings(), "ALLOWED_HOSTS": ["testserver"]}
        with override_settings(**settings):
            for n in range(posts):
                kind = "registered" if n % 2 else "unknown"
                email = f"grace{n}@example.com" if n % 2 else f"nobody{n}@example.com"
                client = Client(REMOTE_ADDR=client_address(n))
                started = time.perf_counter()
                response = client.post("/accounts/password_reset/", {"email": email})
                if n >= UNTIMED:
                    timings[kind].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 302, response.status_code
            outbox.wait(timeout=requests * (greeting + 10))
        # Every registered address's post sent its mail, and no other did.
        assert server.messages.qsize() == posts // 2, server.messages.qsize()
    return timings


def greeting_seconds(text: str) -> float:
    """0 to 10 seconds in ASCII digits: float() took "inf" (a traceback after the set-up),
    "nan", negative delays and other scripts' digits."""
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text) is None or float(text) > 10:
        raise argparse.ArgumentTypeError(
            f"give seconds from 0 to 10 in ASCII digits, not {shown(text)}"
        )
    return float(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests",
        type=request_count,
        default=20,
        help=f"per kind of address (default %(default)s, at most {MAX_REQUESTS:,}: "
        "each client address stays within the reset throttle's limit)",
    )
    parser.add_argument(
        "--greeting",
        type=greeting_seconds,
        default=0.4,
        help="SMTP greeting delay, 0 to 10 s (default %(default)s)",
    )
    args = parser.parse_args(argv)
    from django.core.management import CommandError

    try:
        setup_django()
    except CommandError as error:  # another run holds the database
        sys.exit(f"Error: {error}")
    timings = measure(args.requests, args.greeting)
    print(
        f"{args.requests} request{'s' if args.requests != 1 else ''} each, "
        f"SMTP greeting after {args.greeting} s"
    )
    print("| address | median ms | slowest ms |")
    print("|---|--:|--:|")
    for kind, values in timings.items():
        print(f"| {kind} | {statistics.median(values):.1f} | {max(values):.1f} |")


if __name__ == "__main__":
    cancel_on_stop.run(main)  # no traceback on a stop; atexit and `finally` run
