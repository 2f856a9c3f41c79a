"""The benchmarks' number options take 1 or more, in ASCII digits: a 0 or a
negative one was a traceback after minutes of set-up, or a run that never ended
(`s3_sessions --threads -1`)."""

import re
import subprocess
import sys

import pytest

from tests.processes import BASE_DIR

OPTION = re.compile(r'add_argument\(\s*"(--[a-z-]+)",\s*type=(\w+)')


def number_options() -> list[tuple[str, str, str]]:
    """(module, option, type) for every option of tests/bench/*.py given a type."""
    found = []
    for path in sorted((BASE_DIR / "tests" / "bench").glob("*.py")):
        for option, kind in OPTION.findall(path.read_text()):
            found.append((f"tests.bench.{path.stem}", option, kind))
    return found


def test_every_number_option_counts_from_one():
    # reset_timing's --greeting is seconds, 0 to 10 (below).
    others = [
        ("tests.bench.demo_start", "--runs", "run_count"),
        ("tests.bench.forkserver", "--runs", "run_count"),
        ("tests.bench.load", "--duration", "duration_seconds"),
        ("tests.bench.load", "--connections", "connection_count"),
        ("tests.bench.load", "--products", "product_count"),
        ("tests.bench.render", "--products", "render_product_count"),
        ("tests.bench.render", "--requests", "request_count"),
        ("tests.bench.reset_timing", "--requests", "request_count"),
        ("tests.bench.reset_timing", "--greeting", "greeting_seconds"),
        ("tests.bench.s3_sessions", "--threads", "thread_count"),
    ]
    assert [entry for entry in number_options() if entry[2] != "at_least_one"] == others
    assert ("tests.bench.s3_sessions", "--threads", "thread_count") in number_options()


def test_every_count_has_an_upper_bound():
    """A count of runs or requests with no bound took 10**30: a run that never ended
    (reset_timing first made that many users). jpeg_scans checks its two in main();
    render's --top only limits how many functions its profile prints."""
    unbounded = [entry[:2] for entry in number_options() if entry[2] == "at_least_one"]
    assert unbounded == [
        ("tests.bench.jpeg_scans", "--scans"),
        ("tests.bench.jpeg_scans", "--side"),
        ("tests.bench.render", "--top"),
    ]


def test_reset_timing_posts_from_each_client_address_what_the_throttle_allows_at_most():
    """Each post comes from one of 250 client addresses in turn; past
    RESETS_PER_CLIENT an hour from one, the page answers without sending mail, and
    the run would time the throttled path."""
    from collections import Counter

    from accounts import throttles
    from tests.bench import reset_timing

    assert reset_timing.RESETS_PER_CLIENT == throttles.RESETS_PER_CLIENT

    def most_from_one_client(requests: int) -> int:
        posts = reset_timing.post_count(requests)
        return max(Counter(map(reset_timing.client_address, range(posts))).values())

    most = reset_timing.MAX_REQUESTS
    assert most_from_one_client(most) == reset_timing.posts_per_client(most)
    assert most_from_one_client(most) <= throttles.RESETS_PER_CLIENT
    assert most_from_one_client(most + 1) > throttles.RESETS_PER_CLIENT
    assert reset_timing.posts_per_client(most + 1) > throttles.RESETS_PER_CLIENT


@pytest.mark.parametrize("value", ["-1", "\u0661"])
@pytest.mark.parametrize(
    ("module", "option"), [entry[:2] for entry in number_options() if entry[2] == "at_least_one"]
)
def test_a_number_below_one_stops_the_benchmark_before_it_starts(module, option, value):
    done = subprocess.run(
        [sys.executable, "-m", module, option, value],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert f"argument {option}: give a whole number of 1 or more" in done.stderr
    assert "Traceback" not in done.stderr


BOUNDS = [
    ("tests.bench.jpeg_scans", ["--side", "10001"], "argument --side: at most 10,000 pixels"),
    ("tests.bench.jpeg_scans", ["--scans", "10001"], "argument --scans: at most 10,000"),
    # The RGB picture has 10 scans: fewer repeated none, and it measured nothing.
    ("tests.bench.jpeg_scans", ["--scans", "1"], "argument --scans: give 11 or more"),
    ("tests.bench.jpeg_scans", ["--scans", "10"], "argument --scans: give 11 or more"),
    # wrk's two threads need a connection each, on each of the Redis run's two processes.
    ("tests.bench.load", ["--connections", "3"], "argument --connections: give 4 or more"),
    # wrk ran out of memory at 10,000,000, after the seed.
    ("tests.bench.load", ["--connections", "10001"], "argument --connections: at most 10,000"),
    # Past about 2,147,000 s, waiting for wrk was an OverflowError, after the seed.
    ("tests.bench.load", ["--duration", "3601"], "argument --duration: at most 3,600"),
    ("tests.bench.load", ["--duration", "0"], "give a whole number of 1 or more"),
    ("tests.bench.s3_sessions", ["--threads", "1001"], "argument --threads: at most 1,000"),
    ("tests.bench.s3_sessions", ["--threads", "0"], "give a whole number of 1 or more"),
    ("tests.bench.load", ["--products", "1000001"], "argument --products: at most 1,000,000"),
    ("tests.bench.load", ["--products", "9" * 5000], "more digits than Python reads"),
    ("tests.bench.render", ["--products", "1000001"], "argument --products: at most 1,000,000"),
    ("tests.bench.render", ["--products", "99"], "argument --products: give 100 or more"),
    ("tests.bench.render", ["--profile", "products"], "argument --profile: invalid choice"),
    # 10**30 never ended; reset_timing first made that many users.
    ("tests.bench.render", ["--requests", "10001"], "argument --requests: at most 10,000"),
    ("tests.bench.forkserver", ["--runs", "1001"], "argument --runs: at most 1,000"),
    ("tests.bench.demo_start", ["--runs", "101"], "argument --runs: at most 100"),
    # The reset throttle allows 20 an hour from each of the 250 client addresses.
    ("tests.bench.reset_timing", ["--requests", "2500"], "--requests: at most 2,499"),
    ("tests.bench.reset_timing", ["--requests", "9" * 31], "--requests: at most 2,499"),
    ("tests.bench.reset_timing", ["--greeting", "inf"], "give seconds from 0 to 10"),
    ("tests.bench.reset_timing", ["--greeting", "-1"], "give seconds from 0 to 10"),
    ("tests.bench.reset_timing", ["--greeting", "10.5"], "give seconds from 0 to 10"),
]


@pytest.mark.parametrize(("module", "arguments", "said"), BOUNDS)
def test_a_number_past_its_bound_stops_the_benchmark_before_it_starts(module, arguments, said):
    done = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert said in done.stderr


def test_jpeg_scans_asks_for_more_scans_than_a_picture_of_any_side_has():
    """The least --scans it takes comes from a 16-pixel picture; a larger one has as
    many scans, so every file it times repeats at least one scan."""
    from tests.bench import jpeg_scans

    own = jpeg_scans.own_scans()
    for mode, colour in jpeg_scans.MODES:
        content = jpeg_scans.progressive_jpeg(mode, 1000, colour)
        assert len(jpeg_scans.scan_spans(content)) <= own


def help_text(module: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def help_by_option(text: str) -> dict[str, str]:
    """Each option's line of a --help, its wrapped lines joined."""
    found: dict[str, str] = {}
    option = None
    for line in text.split("options:", 1)[1].splitlines():
        if line.startswith("  -"):
            option = line.split()[0].rstrip(",")
            found[option] = line
        elif option:
            found[option] += " " + line.strip()
    return {option: " ".join(line.split()) for option, line in found.items()}


@pytest.mark.parametrize("module", sorted({entry[0] for entry in number_options()}))
def test_every_number_option_shows_its_default_and_every_bound_its_parser_enforces(module):
    """--help said neither: each bound an option's value is refused past (BOUNDS)
    is in its help, beside its default."""
    shown = help_by_option(help_text(module))
    for _, option, _ in [entry for entry in number_options() if entry[0] == module]:
        assert "(default " in shown[option], shown[option]
    for bound_module, arguments, said in BOUNDS:
        if bound_module != module or not (
            bound := re.search(r"at most ([\d,]+)|give ([\d,]+) or more", said)
        ):
            continue
        number = bound[1] or bound[2]
        assert re.search(rf"\b{number}\b", shown[arguments[0]]), (number, shown[arguments[0]])


@pytest.mark.parametrize("module", sorted({entry[0] for entry in number_options()}))
def test_the_description_is_a_whole_sentence(module):
    """Its docstring's first line was cut mid-sentence (jpeg_scans, forkserver)."""
    description = help_text(module).split("\n\n")[1]
    assert description.endswith("."), description


def command_help(name: str) -> dict[str, str]:
    from django.core.management import get_commands, load_command_class

    command = load_command_class(get_commands()[name], name)
    return help_by_option(command.create_parser("manage.py", name).format_help())


def test_the_commands_help_shows_the_bounds_they_check():
    """Each bound the command refuses past, in its --help: bench_prefetch's and
    seed_catalog's were checked in handle(), media_lifecycle's in put_lifecycle()."""
    from django.db import connection

    from catalog.management.commands import bench_prefetch
    from catalog.models import Feature

    sizes = command_help("bench_prefetch")["--sizes"]
    assert f"(default 50,500,5000, each at most {bench_prefetch.MAX_SIZE:,})" in sizes
    positions = Feature._meta.get_field("position").get_internal_type()
    most = connection.ops.integer_field_range(positions)[1] + 1  # as seed_catalog finds it
    assert (
        f"(default 5, at most {most:,})" in command_help("seed_catalog")["--features-per-product"]
    )
    lifecycle = command_help("media_lifecycle")
    assert "(default 30, from 1 to 999,999,999)" in lifecycle["--noncurrent-days"]
    assert "(default 3, from 0 to 100: S3's limit)" in lifecycle["--keep-versions"]
    assert "(default 7, from 1 to 999,999,999)" in lifecycle["--abort-multipart-days"]
