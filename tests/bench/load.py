"""Load benchmark: the Procfile's web line under wrk, with memory sampled throughout.

    pipenv run python -m tests.bench.load [--duration 30] [--connections 32] [--products 50000]
                                          [--no-redis] [--page profile ...]

Starts the app as one Heroku dyno runs it (production settings, WEB_CONCURRENCY=2;
its URLs joined by two floors, tests/bench/floors.py: what the rendered list and
the profile page do before any markup of their own) on a fresh database of the
local PostgreSQL, seeds the catalog, then runs wrk
(Debian package `wrk`) against each page in turn, sending the headers Heroku's
router forwards from a browser (X-Forwarded-Proto, Accept-Encoding: gzip).
Prints requests/s, p50 and p99 latency, errors, and the peak memory of all
gunicorn processes together (RSS summed, and PSS: shared pages counted once,
closer to what a dyno is billed for), and how wrk's connections ended up spread
over the two workers (see `spread_wrk`). Each page's "x trivial" is against the
trivial view measured just before and just after it, for a third of
--duration each side (`beside`), not minutes earlier.

Then, unless --no-redis or without Debian's `redis-server`, the same on Heroku
Key-Value Store's shape: a redis-server on 127.0.0.1, and the product list from
the page cache on Redis with one web process, then the trivial view and the list
with two web processes sharing that Redis (two dynos: wrk's connections split
over both, requests/s summed). Last, the product list with REDIS_URL naming a
port that accepts connections and never answers (a Redis that hangs). Traffic
goes to 127.0.0.1 only and every run stops by itself after --duration seconds.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from config import cancel_on_stop
from config.commands import at_least_one, at_most
from config.local.demo import ends_with_this_process

SECRET_KEY = "load-benchmark-secret-" + "k" * 40
# The trivial view: a page that renders nothing, the ceiling every page is compared with.
TRIVIAL = "/robots.txt"
# The pages measured, in order (tests/bench/fixtures.py gives their paths). The
# floors are what two pages do before any markup of their own (tests/bench/floors.py).
PAGE_NAMES = (
    "trivial",
    "home",
    "product list",
    "list, rendered",
    "list floor",
    "product detail",
    "profile",
    "logged-in floor",
)


def setup_django() -> str:
    """Django on a fresh database of the local server and on the local S3 server, with
    the web process's secret (so sessions made here are valid there); returns the
    database's URL."""
    os.environ["ENVIRONMENT"] = "development"
    os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY
    # Production settings need a media bucket: the local S3 server's, as in the tests.
    from config.local import s3 as locals3

    os.environ.update(locals3.start().environ())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from tests.processes import collect_static, used_for_this_run

    collect_static()
    return used_for_this_run("bench_load")


def process_tree(pid: int) -> list[int]:
    """The pid and all its descendants."""
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        children = Path(f"/proc/{parent}/task/{parent}/children")
        if children.exists():
            found = [int(child) for child in children.read_text().split()]
            pids += found
            frontier += found
    return pids


def memory_kib(pids: list[int]) -> tuple[int, int]:
    """(RSS, PSS) summed over the processes, in KiB."""
    rss = pss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        rss += int(re.search(r"^Rss:\s+(\d+)", text, re.M).group(1))
        pss += int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1))
    return rss, pss


def cpu_seconds(pids: list[int], *, reaped: bool = False) -> float:
    """CPU seconds (user + system) the processes used so far; with `reaped`, also what
    their exited children used (a PostgreSQL backend that served one connection)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of proc(5), 12-15 after the name.
        ticks += int(fields[11]) + int(fields[12])
        if reaped:
            ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


class ServerCPU:
    """CPU seconds used by the web processes and by the local PostgreSQL server.

    Per request, and unlike requests/s, this barely depends on what else the
    machine runs: it says what each page costs the server side, wrk left out.
    """

    def __init__(self, webs: list):
        self.webs = webs
        pidfile = Path(__file__).resolve().parents[2] / ".pgdata" / "postmaster.pid"
        self.postmaster = int(pidfile.read_text().split()[0]) if pidfile.exists() else None

    def now(self) -> tuple[float, float | None]:
        web = cpu_seconds([p for w in self.webs for p in process_tree(w.process.pid)])
        if self.postmaster is None:
            return web, None
        backends = process_tree(self.postmaster)
        # The postmaster's reaped children count the backends that have exited.
        database = cpu_seconds(backends[:1], reaped=True) + cpu_seconds(backends[1:])
        return web, database


class MemorySampler(threading.Thread):
    """Peak memory of the process trees of `pids` together."""

    def __init__(self, *pids: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peak_rss = self.peak_pss = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            rss, pss = memory_kib([p for pid in self.pids for p in process_tree(pid)])
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            time.sleep(self.interval)

    def reset(self):
        self.peak_rss = self.peak_pss = 0


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/s, latency percentiles (ms) and error count from `wrk --latency`."""

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\b", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "errors": errors,
    }


def wrk_command(url: str, duration: int, connections: int, headers: dict[str, str]) -> list[str]:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


def wrk(url: str, duration: int, connections: int, headers: dict[str, str]) -> str:
    command = wrk_command(url, duration, connections, headers)
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
        preexec_fn=ends_with_this_process(),
    ).stdout


def connections_per_worker(port: int, workers: list[int]) -> list[int]:
    """Established connections to `port` held by each worker, most first (`ss`, iproute2)."""
    listing = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    held = [int(pid) for pid in re.findall(r"pid=(\d+)", listing)]
    return sorted((held.count(worker) for worker in workers), reverse=True)


def spread_wrk(
    url: str,
    duration: int,
    connections: int,
    headers: dict[str, str],
    *,
    port: int,
    workers: list[int],
    cpu: ServerCPU,
) -> tuple[str, list[int], int, tuple]:
    """wrk with its connections spread over the workers.

    gunicorn's workers accept from one shared socket and keep a connection for its
    whole life (keep-alive), so wrk's burst of connects can land on one worker and
    leave the other idle: a third of the throughput, whatever the page. A run whose
    busiest worker holds more than three quarters of the connections one second in
    is stopped and started again, up to 5 attempts. Returns wrk's output, the
    connections per worker, the attempts it took, and the server's CPU seconds
    (web, database) over the kept run.
    """
    command = wrk_command(url, duration, connections, headers)
    attempts = 5
    for attempt in range(1, attempts + 1):
        before = cpu.now()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, preexec_fn=ends_with_this_process()
        )
        time.sleep(1)
        spread = connections_per_worker(port, workers)
        if spread[0] <= connections * 3 / 4 or attempt == attempts:
            output, _ = process.communicate(timeout=duration + 30)
            if process.returncode != 0:
                raise subprocess.CalledProcessError(process.returncode, command, output)
            return output, spread, attempt, used(before, cpu.now())
        process.terminate()
        process.wait()
        time.sleep(1)  # let the stopped run's connections close
    raise AssertionError("unreachable")


def server_cpu(row: dict) -> float | None:
    if row["web_cpu_ms"] is None:
        return None
    return row["web_cpu_ms"] + (row["db_cpu_ms"] or 0)


def format_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def used(before: tuple, after: tuple) -> tuple:
    """CPU seconds between two `ServerCPU.now()`s, (web, database or None)."""
    return tuple(None if b is None else a - b for b, a in zip(before, after, strict=True))


def measure(
    name: str,
    path: str,
    webs: list,
    headers: dict[str, str],
    args,
    sampler: MemorySampler,
    duration: int | None = None,
) -> dict:
    """One page under wrk for `duration` seconds (--duration): on one web process, or
    on several at once (their sum)."""
    duration = duration or args.duration
    for web in webs:
        check = web.get(path, {**headers, "Host": "127.0.0.1"})
        if check.status != 200:  # a redirect to the login page would pass as no error
            raise SystemExit(f"{path} answered {check.status}, not 200")
        wrk(web.base_url + path, 2, 4, headers)  # warm up every worker's caches
    sampler.reset()
    share = args.connections // len(webs)
    if len(webs) == 1:
        [web] = webs
        workers = process_tree(web.process.pid)[1:]
        output, spread, attempts, cpu = spread_wrk(
            web.base_url + path,
            duration,
            share,
            headers,
            port=web.port,
            workers=workers,
            cpu=ServerCPU(webs),
        )
        results = [parse_wrk(output)]
        connections = "/".join(map(str, spread))
    else:
        # One wrk per process, at once, as Heroku's router spreads visitors over dynos.
        server = ServerCPU(webs)
        before = server.now()
        runs = [
            subprocess.Popen(
                wrk_command(web.base_url + path, duration, share, headers),
                stdout=subprocess.PIPE,
                text=True,
                preexec_fn=ends_with_this_process(),
            )
            for web in webs
        ]
        time.sleep(1)
        spreads = [
            connections_per_worker(web.port, process_tree(web.process.pid)[1:]) for web in webs
        ]
        results = [parse_wrk(run.communicate(timeout=duration + 30)[0]) for run in runs]
        cpu = used(before, server.now())
        connections = "+".join("/".join(map(str, spread)) for spread in spreads)
        attempts = 1
    return {
        "page": name,
        "path": path,
        "processes": len(webs),
        "rps": round(sum(result["rps"] for result in results), 1),
        # The slower process's latencies: what the unluckier visitors see.
        "p50_ms": max(result["p50_ms"] for result in results),
        "p99_ms": max(result["p99_ms"] for result in results),
        "requests": (requests := sum(result["requests"] for result in results)),
        "errors": sum(result["errors"] for result in results),
        # Server-side CPU milliseconds per request: the web processes', the database's.
        # None when no request finished (a server that hangs): nothing to divide by.
        "web_cpu_ms": round(1000 * cpu[0] / requests, 3) if requests else None,
        "db_cpu_ms": None if cpu[1] is None or not requests else round(1000 * cpu[1] / requests, 3),
        "connections": connections,
        "attempts": attempts,
        "peak_rss_mib": round(sampler.peak_rss / 1024, 1),
        "peak_pss_mib": round(sampler.peak_pss / 1024, 1),
    }


def run_pages(pages, webs, headers, cookie, args) -> list[dict]:
    """Each page in turn, each with the trivial view measured just before and just
    after it on the same processes (`beside`)."""
    sampler = MemorySampler(*(web.process.pid for web in webs))
    sampler.start()
    rows = []
    try:
        for name, path, logged_in in pages:
            page_headers = {**headers, "Cookie": cookie} if logged_in else headers
            if path == TRIVIAL:
                rows.append(measure(name, path, webs, page_headers, args, sampler))
                continue
            side = beside_seconds(args.duration)
            before = measure("trivial", TRIVIAL, webs, headers, args, sampler, side)
            row = measure(name, path, webs, page_headers, args, sampler)
            after = measure("trivial", TRIVIAL, webs, headers, args, sampler, side)
            rows.append({**row, "trivial": beside(before, after)})
    finally:
        sampler.stopped.set()
    return rows


def beside_seconds(duration: int) -> int:
    """How long the trivial view runs on each side of a page: a third of its time."""
    return max(3, duration // 3)


def beside(before: dict, after: dict) -> dict:
    """The trivial view's rows either side of a page, as one: the means of its
    requests/s and of its CPU per request.

    The machine's speed drifts over a run (on a shared 2-core machine the
    trivial view alone has served 1,538 and 2,202 requests/s a few minutes
    apart); a page's ratio against the trivial view measured around it, not
    minutes earlier, leaves that drift out.
    """

    def mean(key: str) -> float | None:
        values = [row[key] for row in (before, after)]
        return None if None in values else round(sum(values) / 2, 3)

    return {
        "rps": mean("rps"),
        "web_cpu_ms": mean("web_cpu_ms"),
        "db_cpu_ms": mean("db_cpu_ms"),
        "errors": before["errors"] + after["errors"],
    }


def against_trivial(row: dict, rows: list[dict]) -> dict:
    """`row` with its ratios: against the trivial view measured beside it, or for the
    trivial view's own row, against itself (1.00)."""
    trivial = row.get("trivial") or next(
        r for r in rows if r["path"] == TRIVIAL and r["processes"] == row["processes"]
    )
    cost, trivial_cost = server_cpu(row), server_cpu(trivial)
    cpu_ratio = None if not cost or trivial_cost is None else round(trivial_cost / cost, 2)
    return {
        **row,
        "of_trivial": round(row["rps"] / trivial["rps"], 2),
        # The same comparison from the server's CPU per request: the trivial view's
        # cost over the page's (1.00 for the trivial view itself).
        "cpu_of_trivial": cpu_ratio,
    }


def on_redis(env, pages, headers, cookie, args) -> list[dict]:
    """The page cache on a redis-server: one web process, then two sharing it."""
    from tests import redisserver
    from tests.processes import start_web

    list_page = [page for page in pages if page[0] == "product list"]
    trivial = [page for page in pages if page[0] == "trivial"]
    with tempfile.TemporaryDirectory() as folder:
        redis = redisserver.start(Path(folder))
        try:
            env = {**env, "REDIS_URL": redis.url}
            rows = []
            for count, measured in ((1, list_page), (2, trivial + list_page)):
                webs = [start_web(env) for _ in range(count)]
                try:
                    for web in webs:
                        web.wait_until_serving()
                    for row in run_pages(measured, webs, headers, cookie, args):
                        row["page"] += ", Redis" if row["page"] != "trivial" else ""
                        rows.append(row)
                finally:
                    for web in webs:
                        web.stop()
            return rows
        finally:
            redis.stop()


def on_silent_redis(env, pages, headers, cookie, args) -> list[dict]:
    """The product list with REDIS_URL naming a server that accepts connections and
    never answers (a Redis that hangs): every page-cache call fails, after its timeout
    or at once while the cache skips a server that just failed (config/cache.py)."""
    from tests.processes import SilentServer, start_web

    list_page = [page for page in pages if page[0] == "product list"]
    silent = SilentServer()
    try:
        web = start_web({**env, "REDIS_URL": f"redis://127.0.0.1:{silent.port}/0"})
        try:
            web.wait_until_serving()
            rows = run_pages(list_page, [web], headers, cookie, args)
        finally:
            web.stop()
    finally:
        silent.close()
    for row in rows:
        row["page"] += ", Redis not answering"
    return rows


# wrk's threads (wrk_command), each holding at least one connection, on each of the
# Redis run's two web processes.
WRK_THREADS = 2
MIN_CONNECTIONS = 2 * WRK_THREADS


# wrk keeps a buffer per connection: 10,000,000 ran it out of memory.
MAX_CONNECTIONS = 10_000
# Seconds a page: waiting on wrk past about 2,147,000 s was an OverflowError.
MAX_DURATION = 3_600


def connection_count(text: str) -> int:
    """argparse's `type` for --connections: MIN_CONNECTIONS to MAX_CONNECTIONS (wrk
    refused fewer connections than threads, and ran out of memory for millions,
    after minutes of set-up)."""
    number = at_least_one(text)
    if number < MIN_CONNECTIONS:
        raise argparse.ArgumentTypeError(
            f"give {MIN_CONNECTIONS} or more: wrk's {WRK_THREADS} threads need a "
            "connection each, on each of the Redis run's two web processes"
        )
    return at_most(number, MAX_CONNECTIONS)


def duration_seconds(text: str) -> int:
    """argparse's `type` for --duration: 1 to MAX_DURATION seconds a page."""
    return at_most(at_least_one(text), MAX_DURATION, "seconds a page")


def product_count(text: str) -> int:
    """argparse's `type` for --products: 1 to what one seed_catalog run adds (its
    own refusal came as a traceback, after the release)."""
    from catalog.demo_data import MAX_PRODUCTS

    number = at_least_one(text)
    if number > MAX_PRODUCTS:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_PRODUCTS:,}: what one run of seed_catalog adds"
        )
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    from catalog.demo_data import MAX_PRODUCTS

    parser.add_argument(
        "--duration",
        type=duration_seconds,
        default=30,
        help=f"seconds per page (default %(default)s, at most {MAX_DURATION:,})",
    )
    parser.add_argument(
        "--connections",
        type=connection_count,
        default=32,
        help="wrk's connections "
        f"(default %(default)s, from {MIN_CONNECTIONS} to {MAX_CONNECTIONS:,})",
    )
    parser.add_argument(
        "--products",
        type=product_count,
        default=50_000,
        help=f"seeded (default %(default)s, at most {MAX_PRODUCTS:,})",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per page")
    parser.add_argument("--no-redis", action="store_true", help="skip the runs on a redis-server")
    parser.add_argument(
        "--page",
        action="append",
        choices=PAGE_NAMES,
        help="only this page (repeat for more), beside the trivial view, on one web "
        "process: no Redis runs",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian package `wrk`)")
    if shutil.which("ss") is None:
        parser.error("ss is not installed (Debian package `iproute2`)")
    redis = not args.no_redis and not args.page and shutil.which("redis-server") is not None

    from django.core.management import CommandError

    try:
        database_url = setup_django()
    except CommandError as error:  # another run holds the database
        sys.exit(f"Error: {error}")

    from tests.bench import fixtures
    from tests.processes import production_env, run_procfile, start_web

    env = production_env(
        # Production's settings, serving the floors too (tests/bench/settings.py).
        DJANGO_SETTINGS_MODULE="tests.bench.settings",
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        WEB_CONCURRENCY="2",
    )
    release = run_procfile("release", env)
    if release.returncode != 0:
        sys.exit(release.stderr)
    try:
        pages, cookie, seeded = fixtures.prepare(products=args.products)
    except CommandError as error:  # the seed's: the media storage failed, say
        sys.exit(f"Error: {error}")
    if args.page:
        pages = [page for page in pages if page[0] in args.page]
    # What a browser sends through Heroku's router: pages come back compressed.
    headers = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip, deflate, br"}

    web = start_web(env)
    try:
        web.wait_until_serving()
        rows = run_pages(pages, [web], headers, cookie, args)
    finally:
        web.stop()
    if redis:
        rows += on_redis(env, pages, headers, cookie, args)
    if not args.page:
        rows += on_silent_redis(env, pages, headers, cookie, args)

    rows = [against_trivial(row, rows) for row in rows]
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(
        f"wrk {args.duration}s x {args.connections} connections, WEB_CONCURRENCY=2, "
        f"{args.products} product{'s' if args.products != 1 else ''} x 5 features "
        f"(seeded in {seeded:.1f} s)" + ("" if redis else "; no redis-server runs")
    )
    header = f"{'page':<22}{'dynos':>6}{'req/s':>9}{'trivial':>9}{'x trivial':>11}"
    header += f"{'p50 ms':>9}{'p99 ms':>9}"
    header += f"{'errors':>8}{'web CPU':>9}{'db CPU':>8}{'x':>6}"
    header += f"{'RSS MiB':>9}{'PSS MiB':>9}{'conns':>12}{'runs':>6}"
    print(header)
    for row in rows:
        print(
            f"{row['page']:<22}{row['processes']:>6}{row['rps']:>9.1f}"
            f"{row.get('trivial', row)['rps']:>9.1f}{row['of_trivial']:>11.2f}"
            f"{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['errors']:>8}"
            f"{format_ms(row['web_cpu_ms']):>9}{format_ms(row['db_cpu_ms']):>8}"
            f"{format_ms(row['cpu_of_trivial']):>6}"
            f"{row['peak_rss_mib']:>9.1f}{row['peak_pss_mib']:>9.1f}{row['connections']:>12}"
            f"{row['attempts']:>6}"
        )
    print(
        "trivial: req/s of the trivial view on as many web processes, measured just before "
        "and after the page (their mean); x trivial: the page's req/s over that; web CPU, db CPU: "
        "milliseconds of server CPU per request; x: the trivial view's CPU per request "
        "over the page's; conns: wrk's connections held by each worker (+ between "
        "processes); runs: attempts to spread them"
    )
    return 0


if __name__ == "__main__":
    cancel_on_stop.run(main)  # no traceback on a stop; atexit and `finally` run
