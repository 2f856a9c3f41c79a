"""Heroku's build step (`manage.py collectstatic --noinput`), run once per test run.

The build writes STATIC_ROOT, which every web process the tests start serves
files from and whose manifest the in-process tests render URLs with. collectstatic
does not replace files atomically: it deletes and rewrites what it already wrote
(the manifest, processed CSS) and truncates every .gz/.br it recompresses. Run
while tests run on parallel workers, a build would pull files from under a
process serving them, and two builds at once would trip over each other's
writes. So the run's builds happen first, in the main pytest process before any
worker starts (tests/conftest.py), and the tests assert on what they returned.
"""

import json
from dataclasses import asdict, dataclass

from config.local import s3 as locals3
from tests.processes import BASE_DIR, manage, production_env, static_root_held

MANIFEST = BASE_DIR / "staticfiles" / "staticfiles.json"
# Config vars that name services the build must not need: nothing listens there.
UNREACHABLE_DB = "postgres://build:build@127.0.0.1:9/unreachable"
UNREACHABLE_S3 = "http://127.0.0.1:9"


def first_push_env(**extra: str | None) -> dict[str, str]:
    """What Heroku's build has on a first push: no config vars at all, no DYNO."""
    env = production_env()
    for name in [*env]:
        if name.startswith(("AWS_", "DJANGO_", "DATABASE_", "ENVIRONMENT")):
            del env[name]
    return {key: value for key, value in {**env, **extra}.items() if value is not None}


def config_vars_env() -> dict[str, str]:
    """A later push: the app's config vars exported, its database and S3 out of reach."""
    return production_env(
        DATABASE_URL=UNREACHABLE_DB,
        AWS_ACCESS_KEY_ID=locals3.ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=locals3.SECRET_KEY,
        AWS_S3_REGION_NAME=locals3.REGION,
        AWS_S3_ENDPOINT_URL=UNREACHABLE_S3,
        AWS_MEDIA_BUCKET_NAME=locals3.MEDIA_BUCKET,
    )


@dataclass(frozen=True)
class Build:
    returncode: int
    stdout: str
    stderr: str
    manifest: dict[str, str]  # the "paths" of staticfiles.json after this build

    def check(self) -> "Build":
        assert self.returncode == 0, self.stderr
        return self


# Run in this order: the last one leaves STATIC_ROOT as every test finds it.
SHAPES = {"first push": first_push_env, "config vars": config_vars_env}
_builds: dict[str, Build] = {}


def run_all() -> dict[str, dict]:
    """Build once in each shape; the outcomes, as plain data for the workers."""
    outcomes = {}
    for shape, env in SHAPES.items():
        with static_root_held():  # a benchmark of this checkout may be collecting
            done = manage("collectstatic", "--noinput", "--traceback", env=env())
        try:
            manifest = json.loads(MANIFEST.read_text())["paths"]
        except (OSError, ValueError, KeyError):
            manifest = {}
        outcomes[shape] = asdict(Build(done.returncode, done.stdout, done.stderr, manifest))
    return outcomes


def record(outcomes: dict[str, dict]) -> None:
    _builds.update({shape: Build(**outcome) for shape, outcome in outcomes.items()})


def recorded() -> dict[str, dict]:
    return {shape: asdict(build) for shape, build in _builds.items()}


def build(shape: str) -> Build:
    """The run's build in `shape` ("first push" or "config vars")."""
    assert shape in _builds, "no build recorded: tests/conftest.py builds at session start"
    return _builds[shape]
