"""The tour's helpers and its index and pipenv pages."""

import ast
import html
import re
import textwrap

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import mark_safe

from config import static_versioning
from config.tour import ENVIRONMENT_VARIABLES, TECHNIQUES, locked_packages, source_excerpt
from tests.factories import ProductFactory, UserFactory
from tests.processes import BASE_DIR

EXCERPT = re.compile(
    r'<figure class="excerpt" data-path="(?P<path>[^"]+)" data-first="(?P<first>\d+)" '
    r'data-last="(?P<last>\d+)">.*?<pre><code>(?P<code>.*?)</code></pre>\s*'
    r'(?:<p class="excerpt-cut">(?P<cut>.*?)</p>)?\s*</figure>',
    re.S,
)


def test_source_excerpt_reads_the_real_file():
    excerpt = source_excerpt("Procfile", "web:", 1)
    assert excerpt == {
        "path": "Procfile",
        "line": 2,
        "last": 2,
        "code": "web: gunicorn --config config/gunicorn.py config.wsgi",
        "cut": "",
    }


def test_an_excerpt_too_short_for_its_definition_says_where_it_is_cut():
    excerpt = source_excerpt("config/media/versions.py", "def restore(", 5)
    assert excerpt["code"].startswith("def restore(")
    assert len(excerpt["code"].splitlines()) == 5
    assert re.fullmatch(r"cut after line \d+: restore\(\) continues to line \d+", excerpt["cut"])


def test_an_excerpt_from_inside_a_function_names_the_function():
    excerpt = source_excerpt("config/media/versions.py", "    if version_id is None:", 39)
    assert re.fullmatch(r"from inside restore\(\), which starts at line \d+", excerpt["cut"])


def statements_cut_by(tree: ast.Module, first: int, last: int) -> list[str]:
    """Statements the lines first..last show only part of (enclosing classes excepted:
    a whole method is a whole definition)."""
    cut = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        partly_shown = (first <= start <= last) != (first <= node.end_lineno <= last)
        encloses = isinstance(node, ast.ClassDef) and start < first <= last <= node.end_lineno
        if partly_shown and not encloses:
            cut.append(f"{type(node).__name__} at line {start}")
    return cut


@pytest.mark.django_db
@pytest.mark.parametrize("slug", [technique[0] for technique in TECHNIQUES])
def test_every_excerpt_of_every_tour_is_whole_definitions(admin_client, slug):
    """A tour shows what its caption names: an excerpt cut short (the prefetch tour's
    statement stopped before its SQL) leaves the visitor the part that explains less."""
    page = admin_client.get(f"/tour/{slug}/").content.decode()
    excerpts = list(EXCERPT.finditer(page))
    assert len(excerpts) == page.count('<figure class="excerpt"') >= 2
    for excerpt in excerpts:
        first, last = int(excerpt["first"]), int(excerpt["last"])
        source = (BASE_DIR / excerpt["path"]).read_text()
        code = html.unescape(excerpt["code"])
        assert code.splitlines() == source.splitlines()[first - 1 : last]
        assert not excerpt["cut"], (excerpt["path"], excerpt["cut"])
        if excerpt["path"].endswith(".py"):
            ast.parse(textwrap.dedent(code))  # whole statements parse on their own
            assert statements_cut_by(ast.parse(source), first, last) == [], excerpt["path"]
        else:
            following = source.splitlines()[last : last + 1]
            assert following in ([], [""]) or following[0].startswith("["), excerpt["path"]


# What each excerpt's caption names, which its code must show (a tour's new excerpt
# needs a line here). The S3 tour's "media on the bucket" showed the bucket names and
# the endpoint, and stopped before the storages that put media on the bucket.
CAPTION_SHOWS = {
    "the runtime packages, locked with their hashes in Pipfile.lock": ["[packages]"],
    "the secret key comes from the environment outside development": [
        'SECRET_KEY = env.secret_key("DJANGO_SECRET_KEY")'
    ],
    "the version of each kind of asset, resolved once at start-up": ["def resolve("],
    "the template tag the site's templates use instead of static (the admin's own files "
    "carry their content hash alone)": ["def versioned_static("],
    "the strategies": ['strategy == "prefetch"', "NaiveIterable"],
    "the bounded features statement": ["ORDER BY", "return sql, params"],
    "the one query, with its joins": ["select_related("],
    "the backend and the relations it joins": [
        "AUTHENTICATION_BACKENDS",
        "ACCOUNTS_USER_SELECT_RELATED =",
    ],
    "moving old sessions onto the backend": ["request.session[BACKEND_SESSION_KEY] = TARGET"],
    "media on the bucket, static elsewhere": [
        "media_storage.media_storage(",
        "STORAGES = {",
        "CompressedManifestStaticFilesStorage",
    ],
    "the media storage's options": ["file_overwrite=False"],
    "restoring a file": ["def restore("],
}
CAPTION = re.compile(r"<figcaption><code>.*?</code>, line \d+: (?P<caption>.*?)</figcaption>")


@pytest.mark.django_db
@pytest.mark.parametrize("slug", [technique[0] for technique in TECHNIQUES])
def test_every_excerpt_shows_what_its_caption_names(admin_client, slug):
    page = admin_client.get(f"/tour/{slug}/").content.decode()
    for excerpt in EXCERPT.finditer(page):
        caption = html.unescape(CAPTION.search(excerpt.group(0))["caption"])
        code = html.unescape(excerpt["code"])
        assert caption in CAPTION_SHOWS, caption
        for shown in CAPTION_SHOWS[caption]:
            assert shown in code, (caption, shown)


def test_every_runtime_package_is_installed_at_its_locked_version():
    packages = {row["name"]: row for row in locked_packages()}
    assert packages["django"]["locked"].startswith("5.2.")
    assert all(row["matches"] for row in packages.values()), packages
    assert all(row["hashes"] > 0 for row in packages.values())


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/tour/", "/"])
def test_the_tour_index_and_the_home_page_link_every_technique(client, path):
    response = client.get(path)
    assert response.status_code == 200
    for slug in ("pipenv", "static-versioning", "prefetch", "auth-backend", "s3-media"):
        assert f'href="/tour/{slug}/"'.encode() in response.content


@pytest.mark.django_db
def test_pipenv_tour_shows_lock_evidence_and_never_a_secret_value(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "do-not-show-me-123")
    response = client.get("/tour/pipenv/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Every runtime package installed here is the version" in content
    assert "<code>DJANGO_SECRET_KEY</code></td><td>set</td>" in content
    assert "do-not-show-me-123" not in content
    assert "[packages]" in content
    # The variables Heroku sets that the app reads, where a visitor looks for them.
    for name in (*static_versioning.COMMIT_VARIABLES, "DYNO", "CI"):
        assert f"<code>{name}</code>" in content


@pytest.mark.parametrize(
    ("environment", "development", "shown"),
    [
        ("development", True, "<code>ENVIRONMENT=development</code>."),
        ("production", False, "<code>ENVIRONMENT=production</code>."),
        (
            "Development",
            False,
            "<code>ENVIRONMENT=Development</code>,\nwhich counts as production.",
        ),
        ("dev", False, "<code>ENVIRONMENT=dev</code>,\nwhich counts as production."),
    ],
)
def test_the_pipenv_tour_says_which_settings_a_near_miss_gets(
    client, settings, environment, development, shown
):
    """ENVIRONMENT=Development is production (config/settings.py): the tour says so."""
    settings.ENVIRONMENT, settings.DEVELOPMENT = environment, development
    assert shown in client.get("/tour/pipenv/").content.decode()


def test_the_pipenv_tour_lists_exactly_the_variables_of_env_example():
    example = (BASE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    assert set(ENVIRONMENT_VARIABLES) == documented


@pytest.mark.django_db
@pytest.mark.urls("tests.config.urls_without_media_tour")
def test_a_technique_whose_page_is_removed_leaves_the_index_and_the_home_page(client):
    for path in ("/", "/tour/"):
        page = client.get(path)
        assert page.status_code == 200
        assert 'href="/tour/s3-media/"' not in page.content.decode()
        assert 'href="/tour/prefetch/"' in page.content.decode()
    assert client.get("/tour/s3-media/").status_code == 404
    # The index counts what it lists: a fork's dropped unit leaves four.
    index = client.get("/tour/").content.decode()
    assert "<p>Four production techniques, each working on this site." in index


@pytest.mark.django_db
def test_the_index_counts_one_technique_as_one(client, monkeypatch):
    monkeypatch.setattr("config.tour.available_techniques", lambda: TECHNIQUES[:1])
    index = client.get("/tour/").content.decode()
    assert "<p>One production technique, each working on this site." in index


@pytest.mark.django_db
def test_the_index_counts_the_five_techniques(client):
    index = client.get("/tour/").content.decode()
    assert "<p>Five production techniques, each working on this site." in index


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_staff_pages_run_the_queries_docs_demo_site_says_they_add(client, fresh_s3):
    """docs/demo-site.md: staff read past what is kept (the list's count runs on
    every request), and the auth and S3 tours read the permissions of staff who
    are not superusers (2 queries); a superuser holds every one unread."""
    ProductFactory.create_batch(3)
    member, staff = UserFactory(), UserFactory(is_staff=True)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    counts = {}
    for who in (member, staff, superuser):
        client.force_login(who)
        counts[who] = [
            queries_of(client, url)
            for url in ("/products/", "/products/", "/tour/auth-backend/", "/tour/s3-media/")
        ]
        client.logout()
    first, again, auth, media = counts[member]
    assert again == first - 1  # the count, kept
    assert counts[staff] == [first, first, auth + 2, media + 2]
    assert counts[superuser] == [first, first, auth, media]


def test_a_name_may_break_after_its_dots_and_slashes_and_is_escaped():
    from config.templatetags.names import breaks_between_parts

    assert breaks_between_parts("a.b/c<d>.py") == "a.<wbr>b/<wbr>c&lt;d&gt;.<wbr>py"
    assert breaks_between_parts("v1.0 / end.") == "v1.<wbr>0 / end."
    assert breaks_between_parts(mark_safe("a&amp;b.py")) == "a&amp;b.<wbr>py"  # not again
    assert breaks_between_parts("a<b>.py", autoescape=False) == "a<b>.<wbr>py"


def tour_templates() -> list:
    folders = [
        BASE_DIR / "templates",
        *(
            path
            for top in ("config", "catalog", "accounts")
            for path in (BASE_DIR / top).rglob("templates")
        ),
    ]
    return sorted(
        path
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("tour/*.html")
        if "__pycache__" not in path.parts
    )


def test_every_tour_step_that_names_the_demo_names_herokus_way_too():
    """The tours run on Heroku as well: a step that sends the reader to what
    `pipenv run demo` printed (a login, a command) says how a deployment gets it,
    where nothing was printed (a Heroku Button app)."""
    steps = [
        (path.name, paragraph)
        for path in tour_templates()
        for paragraph in re.split(r"</p>", path.read_text())
        if "pipenv run demo" in paragraph
    ]
    assert len(steps) >= 4  # the auth and S3 tours' logins
    for name, paragraph in steps:
        said = " ".join(paragraph.split())
        command = "heroku run python manage.py seed_demo_accounts --random-passwords"
        assert command in said, (name, paragraph)
        assert "prints its password, once" in said, (name, paragraph)  # not again
