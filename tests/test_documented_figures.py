"""Figures the README and docs give for the site's settings and limits are the code's.

Each claim is written here as the docs word it, with the figure taken from the code:
changing a timeout, a limit or a default without the docs fails here. (Limits of
uploads and query counts have tests of their own beside their code.)
"""

import tomllib

import pytest
from django.conf import settings
from django.core.management import BaseCommand

from accounts import throttles
from catalog import product_images
from catalog.demo_data import CATEGORIES
from catalog.management.commands import seed_catalog
from config import cache, gc_tuning
from config import gunicorn as web
from config.bounded_prefetch import iterable
from config.media import signed, uploads
from config.media import tour as media_tour
from config.media.storage import media_storage
from config.security import upload_limit as upload_limits
from tests.accounts.test_next import LOOPS
from tests.processes import BASE_DIR


def text(name: str) -> str:
    """A doc with its line breaks and runs of spaces as single spaces."""
    return " ".join((BASE_DIR / name).read_text().split())


def coverage_minimum() -> int:
    pyproject = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    return pyproject["tool"]["coverage"]["report"]["fail_under"]


REDIS = cache.redis_options("rediss://:pw@r.example.com:6380", development=False)


def seeded_by_default() -> int:
    from catalog.management.commands.seed_catalog import Command

    return Command().create_parser("manage.py", "seed_catalog").get_default("products")


CLAIMS = [
    (
        "docs/s3-media.md",
        f"{media_tour.DEMONSTRATIONS_PER_HOUR} times an hour per account and client and "
        f"{media_tour.DEMONSTRATIONS_PER_ACCOUNT_PER_HOUR} per account from all its clients",
    ),
    ("README.md", f"Seed it ({seeded_by_default()} products, their pictures stored on the"),
    # The maximum is the settings' (test_settings.py: "from 0 to 600").
    ("README.md", f"default {settings.PAGE_CACHE_SECONDS}, at most 600 (cached pages carry"),
    ("app.json", "(0 turns the cache off, at most 600)"),
    (".env.example", "0 turns the page cache off, 600 at most."),
    ("README.md", f"default {settings.SENTRY_TRACES_SAMPLE_RATE:g} (off)"),
    ("README.md", f"branch coverage (minimum {coverage_minimum()}%)"),
    ("README.md", f"default {settings.DATABASE_STATEMENT_TIMEOUT}, at most "),
    (".env.example", f"# DATABASE_STATEMENT_TIMEOUT={settings.DATABASE_STATEMENT_TIMEOUT}"),
    ("app.json", f'"value": "{settings.DATABASE_STATEMENT_TIMEOUT}"'),
    (
        "docs/production.md",
        f"(`DATABASE_STATEMENT_TIMEOUT` seconds, {settings.DATABASE_STATEMENT_TIMEOUT} by default",
    ),
    ("docs/production.md", f"(`graceful_timeout` {web.graceful_timeout} s)"),
    ("docs/production.md", f"the master's SIGKILL {web.timeout} s later"),
    (
        "docs/production.md",
        f"`connect_timeout={settings.DATABASES['default']['OPTIONS']['connect_timeout']}` "
        "ends the wait",
    ),
    ("docs/production.md", f"an upload that waits over {uploads.DECODE_WAIT_SECONDS} s"),
    (
        "docs/production.md",
        f"reuses a URL it signed less than {signed.REUSE_SECONDS // 60} minutes ago",
    ),
    (
        "docs/s3-media.md",
        f"presigned URLs valid for an hour and reused for {signed.REUSE_SECONDS // 60} minutes",
    ),
    ("docs/demo-site.md", f"reused for {signed.REUSE_SECONDS // 60} minutes, so the same picture"),
    ("docs/production.md", f"`tests/accounts/test_next.py` ({len(LOOPS)} spellings"),
    ("docs/prefetch.md", f"the {iterable.PLANS} most recent texts are kept per process"),
    (
        "docs/prefetch.md",
        f"bulk batches of {seed_catalog.BATCH:,} products (`--batch-size`), and of at most "
        f"{seed_catalog.FEATURES_PER_BATCH:,} features whatever the batch size",
    ),
    ("docs/s3-media.md", f"the demo object's newest {media_tour.SHOWN_VERSIONS} versions"),
    (
        "docs/s3-media.md",
        f"a run waits up to {media_tour.TURN_WAIT.removesuffix('s')} s for the one before it",
    ),
    ("docs/s3-media.md", f"(the session keeps the newest {media_tour.RUNS_KEPT})"),
    ("docs/prefetch.md", "They are WebP, {} x {} (the card".format(*product_images.SIZE)),
    # The lifecycle rule the docs tell an operator to add, and what they say it keeps.
    ("README.md", "media_lifecycle --noncurrent-days 30 --keep-versions 3"),
    (
        "README.md",
        "an old version expires 30 days after it stops being current, except the newest 3 of "
        "every file",
    ),
    ("docs/s3-media.md", "media_lifecycle --noncurrent-days 30 --keep-versions 3"),
    (
        "docs/s3-media.md",
        "expires each one 30 days after it stops being current, except the newest 3 of every file",
    ),
    ("docs/production.md", "lifecycle rule keeps for 30 days (the newest 3 of each file for good)"),
    ("docs/production.md", f"call gives up after {REDIS['socket_timeout']} s"),
    ("docs/production.md", f"stops calling that Redis for {cache.RETRY_SECONDS:g} s"),
    ("docs/production.md", f"every {gc_tuning.THRESHOLDS[0]:,} allocations"),
    ("docs/prefetch.md", f"young collections every {gc_tuning.THRESHOLDS[0]:,}"),
    (
        "docs/production.md",
        f"`REQUEST_BODY_MAX_BYTES` ({settings.REQUEST_BODY_MAX_BYTES // 2**20} MiB)",
    ),
]


@pytest.mark.parametrize(("doc", "claim"), CLAIMS)
def test_the_docs_give_the_codes_figure(doc, claim):
    assert claim in text(doc)


def test_the_body_limit_is_a_whole_number_of_mebibytes():
    assert settings.REQUEST_BODY_MAX_BYTES % 2**20 == 0  # "6 MiB" is exact
    assert REDIS["socket_connect_timeout"] == REDIS["socket_timeout"]  # "after 1 s", both


def test_the_pictures_are_counted_as_the_catalog_has_them():
    nouns = [noun for spec in CATEGORIES for noun in spec.nouns]
    colours = {len(spec.colours) for spec in CATEGORIES}
    pictures = sum(len(spec.nouns) * len(spec.colours) for spec in CATEGORIES)
    doc = text("docs/prefetch.md")
    assert f"Each of the {len(set(nouns))} nouns has its own drawing" in doc
    assert colours == {5}  # "five colours per category"
    assert f"With five colours per category that makes {pictures} pictures" in doc


def test_seed_catalog_names_every_option_in_its_synopsis():
    parser = seed_catalog.Command().create_parser("manage.py", "seed_catalog")
    synopsis = text("docs/prefetch.md").partition("`manage.py seed_catalog ")[2].partition("`")[0]
    django_own = {
        option
        for action in BaseCommand().create_parser("manage.py", "base")._actions
        for option in action.option_strings
    }
    options = [
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option not in django_own
    ]
    assert [option for option in options if option not in synopsis] == []


def test_presigned_urls_are_valid_for_an_hour():
    assert media_storage("bucket")["OPTIONS"]["querystring_expire"] == 3600  # "an hour"


def test_the_accounts_doc_gives_every_throttle_limit():
    doc = text("docs/accounts.md")
    claims = [
        f"{throttles.SIGNUPS_PER_CLIENT} signups an hour per client",
        f"and {throttles.TAKEN_USERNAMES_PER_CLIENT} signups naming a username that is taken",
        f"{throttles.RESETS_PER_ADDRESS} password reset requests an hour per e-mail address and "
        f"{throttles.RESETS_PER_CLIENT} per client",
        f"{throttles.LOGIN_FAILURES_PER_ACCOUNT} failed logins an hour per account from any "
        "clients",
        f"{throttles.LOGIN_FAILURES_PER_CLIENT} failed logins an hour per client",
        f"{throttles.PASSWORD_CHANGE_FAILURES_PER_ACCOUNT} wrong current passwords an hour per "
        "account",
    ]
    assert [claim for claim in claims if claim not in doc] == []


def test_the_throttle_table_gives_every_limit():
    table = text("docs/production.md")
    rows = [
        f"| signup | {throttles.SIGNUPS_PER_CLIENT} accounts an hour per client |",
        f"| signup naming a username that is taken | {throttles.TAKEN_USERNAMES_PER_CLIENT} "
        "answers",
        f"| password reset request | {throttles.RESETS_PER_ADDRESS} an hour per e-mail address "
        f"(any case), {throttles.RESETS_PER_CLIENT} an hour per client; the address's first "
        f"account has {throttles.RESETS_PER_ADDRESS} of its own |",
        f"| failed logins | {throttles.LOGIN_FAILURES_PER_ACCOUNT} an hour per account",
        f"| failed logins | {throttles.LOGIN_FAILURES_PER_CLIENT} an hour per client",
        "| wrong current password on the password change forms (the site's and the admin's) | "
        f"{throttles.PASSWORD_CHANGE_FAILURES_PER_ACCOUNT} an hour per account |",
        "| a stored upload (an avatar, a product picture in the admin) or a restore of a "
        "media version in the admin, together; superusers are not counted | "
        f"{upload_limits.UPLOADS_PER_HOUR} an hour per account and client, "
        f"{upload_limits.UPLOADS_PER_ACCOUNT_PER_HOUR} an hour per account from all its clients |",
    ]
    assert [row for row in rows if row not in table] == []
    assert throttles.HOUR == 3600  # "an hour"


def test_the_secret_key_fallbacks_are_kept_as_long_as_a_session_lives():
    assert settings.SESSION_COOKIE_AGE == 14 * 24 * 3600  # "two weeks"
    assert "(sessions: two weeks)" in text("README.md")
    assert "Empty it once they have expired (two weeks)" in text("app.json")
    assert "Empty it two weeks on." in text(".env.example")


def test_the_readme_gives_the_seeds_maximum():
    assert f"`seed_catalog --products` at most {seed_catalog.MAX_PRODUCTS:,} a run" in text(
        "README.md"
    )
