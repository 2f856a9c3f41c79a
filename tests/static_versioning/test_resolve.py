"""Static asset versions: which source wins, what is refused, what the pages link."""

import json
import re
from pathlib import Path

import pytest
from django.conf import STATICFILES_STORAGE_ALIAS
from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.template import Context, Template
from django.utils.http import http_date, parse_http_date

from config.static_versioning import (
    COMMIT_VARIABLES,
    MANIFEST_SOURCE,
    SAFE_VERSION,
    AssetVersions,
    Version,
    resolve,
)
from config.static_versioning.middleware import OneByteRangeStaticFile

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "staticfiles.json"
    path.write_text('{"paths": {"css/site.css": "css/site.e7a0f46f537b.css"}, "version": "1.1"}')
    return path


def test_nothing_set_gives_dev_for_every_kind():
    versions = resolve({}, manifest=None)
    assert versions == AssetVersions(*[Version("dev", "default")] * 3)


def test_a_missing_manifest_file_gives_dev(tmp_path):
    assert resolve({}, manifest=tmp_path / "staticfiles.json").other == Version("dev", "default")


def test_the_collected_manifest_gives_a_short_hash_of_its_content(manifest):
    first = resolve({}, manifest=manifest).other
    assert first.source == MANIFEST_SOURCE
    assert re.fullmatch(r"[0-9a-f]{12}", first.value)

    manifest.write_text(manifest.read_text().replace("e7a0f46f537b", "0d1e2f3a4b5c"))
    assert resolve({}, manifest=manifest).other.value != first.value


def test_the_manifests_hash_is_of_its_files_whatever_their_order(manifest):
    """collectstatic writes the files in the order it found them: a build whose folder
    listed them otherwise gave every URL a new version with no file changed."""
    paths = {"css/site.css": "css/site.e7a0f46f537b.css", "js/site.js": "js/site.0123abcd4567.js"}
    manifest.write_text(json.dumps({"paths": paths, "version": "1.1"}))
    first = resolve({}, manifest=manifest).other
    manifest.write_text(json.dumps({"paths": dict(reversed(paths.items())), "version": "1.1"}))
    assert resolve({}, manifest=manifest).other == first
    manifest.write_text(json.dumps({"paths": {**paths, "js/site.js": "js/site.89ab.js"}}))
    assert resolve({}, manifest=manifest).other != first


@pytest.mark.parametrize(
    "variable", ["HEROKU_BUILD_COMMIT", "HEROKU_SLUG_COMMIT", "SOURCE_VERSION"]
)
def test_a_deployed_commit_beats_the_manifest_and_is_shortened(variable, manifest):
    versions = resolve({variable: COMMIT}, manifest=manifest)
    assert versions.css == versions.js == versions.other == Version("0123456", variable)


def test_heroku_build_commit_beats_the_older_commit_variables():
    environ = {
        "HEROKU_BUILD_COMMIT": "a" * 40,
        "HEROKU_SLUG_COMMIT": "b" * 40,
        "SOURCE_VERSION": "c" * 40,
    }
    assert resolve(environ).other == Version("aaaaaaa", "HEROKU_BUILD_COMMIT")


def test_heroku_slug_commit_beats_the_build_time_source_version():
    environ = {"HEROKU_SLUG_COMMIT": "b" * 40, "SOURCE_VERSION": "c" * 40}
    assert resolve(environ).other == Version("bbbbbbb", "HEROKU_SLUG_COMMIT")


def test_static_version_beats_the_commit_and_is_kept_whole(manifest):
    versions = resolve({"STATIC_VERSION": "43", "HEROKU_BUILD_COMMIT": COMMIT}, manifest=manifest)
    assert versions == AssetVersions(*[Version("43", "STATIC_VERSION")] * 3)


def test_css_version_overrides_stylesheets_only():
    versions = resolve({"CSS_VERSION": "css-7", "STATIC_VERSION": "43"})
    assert versions.css == Version("css-7", "CSS_VERSION")
    assert versions.js == versions.other == Version("43", "STATIC_VERSION")


def test_js_version_overrides_scripts_only():
    versions = resolve({"JS_VERSION": "2024.06.1", "HEROKU_BUILD_COMMIT": COMMIT})
    assert versions.js == Version("2024.06.1", "JS_VERSION")
    assert versions.css == versions.other == Version("0123456", "HEROKU_BUILD_COMMIT")


def test_blank_values_count_as_unset():
    environ = {"CSS_VERSION": " ", "STATIC_VERSION": "", "HEROKU_BUILD_COMMIT": "  "}
    assert resolve(environ) == AssetVersions(*[Version("dev", "default")] * 3)


@pytest.mark.parametrize("value", [" 43\n", "\t43 ", "43\u00a0", "\u300043"])
def test_surrounding_whitespace_is_dropped(value):
    """As the docs say: white space around a value, Unicode's included, is dropped."""
    assert resolve({"STATIC_VERSION": value}).other.value == "43"


UNSAFE = ["a b<", "1/2", "v=1&x", "café", "x" * 65, '"><script>']


@pytest.mark.parametrize("variable", ["STATIC_VERSION", "CSS_VERSION", "JS_VERSION"])
@pytest.mark.parametrize("value", UNSAFE)
def test_a_value_unsafe_in_a_url_stops_start_up_naming_the_variable(variable, value):
    with pytest.raises(ImproperlyConfigured, match=rf"^{variable} must be 1 to 64 of the") as error:
        resolve({variable: value})
    # Its first 40 characters, as config/env.py shows a value.
    shown = repr(value) if len(value) <= 40 else f"{value[:40]!r}... ({len(value)} characters)"
    assert shown in str(error.value)


@pytest.mark.parametrize("variable", COMMIT_VARIABLES)
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2024-06-01T12:00Z", "2024-06-02T09:30Z"),  # a Build API source's versions
        ("release-41", "release-42"),
        ("v1.0.100", "v1.0.101"),
        ("20240601", "20240602"),  # hex digits, but no commit's hash
        ("1234567890", "1234567891"),
        ("v1.0 hotfix", "v1.0 hotfix 2"),  # not safe in a URL
        ("x" * 65, "x" * 66),  # longer than a version may be
        ('"><script>', "café"),
        ("v1\udcff", "v2\udcff"),  # bytes that are not UTF-8, as os.environ holds them
    ],
)
def test_a_version_heroku_set_that_is_no_commit_still_tells_deploys_apart(variable, first, second):
    """Heroku sets these, not the operator: a Build API source names any version as
    SOURCE_VERSION, which the build reads. One refused whole stopped Heroku's build,
    and the way out the error named, STATIC_VERSION, outlasted it and hid every later
    commit; one cut to 7 characters gave every June build the same ?v=. A version
    that is no commit is itself when safe in a URL, else 12 hex digits of its hash."""
    one, two = resolve({variable: first}).other, resolve({variable: second}).other
    assert one.value != two.value
    assert (one.source, two.source) == (variable, variable)
    for given, found in ((first, one), (second, two)):
        assert SAFE_VERSION.fullmatch(found.value)
        if SAFE_VERSION.fullmatch(given):
            assert found.value == given
        else:
            assert re.fullmatch(r"[0-9a-f]{12}", found.value)


@pytest.mark.parametrize("variable", COMMIT_VARIABLES)
@pytest.mark.parametrize("label", ["main", "v1.0 hotfix", "x" * 60, "x" * 64])
def test_a_version_heroku_set_that_is_no_commit_changes_with_the_collected_files(
    variable, label, manifest
):
    """A Build API source's version is whatever its caller sends, the same on every
    deploy for some ("main"): every deploy linked ?v=main over files that had
    changed. The manifest's hash goes with such a version, so a deploy whose files
    changed gets a new one and a deploy whose files did not keeps it."""
    first = resolve({variable: label}, manifest=manifest).other
    assert resolve({variable: label}, manifest=manifest).other == first
    manifest.write_text(manifest.read_text().replace("e7a0f46f537b", "0d1e2f3a4b5c"))
    second = resolve({variable: label}, manifest=manifest).other
    assert second.value != first.value
    assert (first.source, second.source) == (variable, variable)
    for version in (first, second):
        assert SAFE_VERSION.fullmatch(version.value)
        # The version as it was set stays readable where it fits.
        if SAFE_VERSION.fullmatch(label) and len(label) <= 64 - 13:
            assert re.fullmatch(rf"{label}-[0-9a-f]{{12}}", version.value)


def test_a_commits_hash_needs_no_manifest_beside_it(manifest):
    """Every commit is a deploy of its own: its 7 characters, whatever the files."""
    assert resolve({"HEROKU_BUILD_COMMIT": COMMIT}, manifest=manifest).other.value == "0123456"


@pytest.mark.parametrize("variable", COMMIT_VARIABLES)
@pytest.mark.parametrize("commit", [COMMIT, COMMIT.upper(), " " + COMMIT + "\n", "ab" * 32])
def test_a_commit_is_its_first_7_characters(variable, commit):
    """A whole SHA-1 or SHA-256 hash, as Heroku sets it."""
    assert resolve({variable: commit}).other == Version(commit.strip()[:7], variable)


def test_the_longest_safe_value_is_accepted():
    assert resolve({"STATIC_VERSION": "A-z_0.9" * 9 + "x"}).other.value == "A-z_0.9" * 9 + "x"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("css/site.css", "css"),
        ("vendor/THEME.CSS", "css"),
        ("js/site.js", "js"),
        ("js/module.mjs", "js"),
        ("admin/img/icon-yes.svg", "other"),
        ("robots.txt", "other"),
        ("css.d/readme", "other"),
    ],
)
def test_each_path_gets_the_version_of_its_kind(path, kind):
    versions = AssetVersions(
        Version("c", "CSS_VERSION"), Version("j", "JS_VERSION"), Version("o", "STATIC_VERSION")
    )
    assert versions.for_path(path) is getattr(versions, kind)


@pytest.mark.parametrize(
    ("source", "origin"),
    [
        ("CSS_VERSION", "a config var"),
        ("STATIC_VERSION", "a config var"),
        ("HEROKU_SLUG_COMMIT", "the deployed commit or version"),
        (MANIFEST_SOURCE, "a hash of the collected files' manifest"),
        ("default", "nothing set: the fallback"),
    ],
)
def test_each_source_is_described_for_the_tour(source, origin):
    assert Version("1", source).origin == origin


@pytest.fixture
def versions(settings):
    """Distinct versions per kind, as `heroku config:set` would give them."""
    settings.STATIC_ASSET_VERSIONS = resolve(
        {"CSS_VERSION": "c2", "JS_VERSION": "j3", "STATIC_VERSION": "s1"}
    )
    return settings.STATIC_ASSET_VERSIONS


def render(text: str) -> str:
    return Template("{% load versioned_static %}" + text).render(Context())


def test_the_tag_gives_the_hashed_css_url_with_the_css_version(versions):
    url = render('{% versioned_static "css/site.css" %}')
    assert url == staticfiles_storage.url("css/site.css") + "?v=c2"
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css\?v=c2", url)


def test_the_tag_gives_the_hashed_js_url_with_the_js_version(versions):
    url = render('{% versioned_static "js/site.js" %}')
    assert re.fullmatch(r"/static/js/site\.[0-9a-f]{12}\.js\?v=j3", url)


def test_the_tag_gives_other_files_the_static_version(versions):
    url = render('{% versioned_static "admin/img/icon-yes.svg" %}')
    assert re.fullmatch(r"/static/admin/img/icon-yes\.[0-9a-f]{12}\.svg\?v=s1", url)


@pytest.mark.parametrize(
    ("path", "version", "after"),
    [
        ("img/favicon.svg#logo", "s1", "#logo"),  # an SVG sprite's element
        ("css/site.css#top", "c2", "#top"),
        ("css/site.css?#iefix", "c2", "#iefix"),  # the old font hack {% static %} keeps
        ("css/site.css?media=print", "c2", ""),
    ],
)
def test_the_version_goes_into_the_query_before_any_fragment(versions, path, version, after):
    """`?v=` after a `#` is part of the fragment: the URL carried no version, and a
    sprite's `<use href>` named an element that is not there. The kind is the path's,
    whatever follows it: a stylesheet with a query got the static version."""
    url = render(f'{{% versioned_static "{path}" as url %}}{{{{ url|safe }}}}')
    stored = staticfiles_storage.url(path).split("#")[0].rstrip("?")
    assert url == f"{stored}{'&' if '?' in stored else '?'}v={version}{after}"


class SignedURLStorage(StaticFilesStorage):
    """A storage whose URLs already carry a query, as a presigned S3 URL does."""

    def url(self, name):
        return f"https://static.example.test/{name}?X-Amz-Signature=abc"


def test_the_tag_relies_only_on_the_storage_url(versions, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": f"{__name__}.SignedURLStorage"},
    }
    assert render('{% versioned_static "css/site.css" as url %}{{ url|safe }}') == (
        "https://static.example.test/css/site.css?X-Amz-Signature=abc&v=c2"
    )
    # Escaped for HTML like any other tag output.
    assert render('{% versioned_static "js/site.js" %}').endswith("?X-Amz-Signature=abc&amp;v=j3")


class ExpiringURLStorage(StaticFilesStorage):
    """A storage whose every URL is new, as presigned URLs with an expiry are."""

    issued = 0

    def url(self, name):
        ExpiringURLStorage.issued += 1
        return f"https://static.example.test/{name}?X-Amz-Signature={self.issued}"


def test_a_signed_url_is_asked_for_on_every_page(versions, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": f"{__name__}.ExpiringURLStorage"},
    }
    tag = '{% versioned_static "css/site.css" as url %}{{ url|safe }}'
    first, second = render(tag), render(tag)
    assert first != second
    assert second.endswith(f"?X-Amz-Signature={ExpiringURLStorage.issued}&v=c2")


def test_new_versions_and_a_new_manifest_give_new_urls_at_once(versions, settings):
    tag = '{% versioned_static "css/site.css" %}'
    assert render(tag).endswith("?v=c2")
    settings.STATIC_ASSET_VERSIONS = resolve({"CSS_VERSION": "c9"})
    assert render(tag).endswith("?v=c9")
    # collectstatic in this process gives the storage a new mapping of names.
    storage = storages[STATICFILES_STORAGE_ALIAS]
    before = storage.hashed_files
    storage.hashed_files = {**before, storage.hash_key("css/site.css"): "css/site.0123456789ab.css"}
    try:
        assert render(tag) == "/static/css/site.0123456789ab.css?v=c9"
    finally:
        storage.hashed_files = before
    assert render(tag) == staticfiles_storage.url("css/site.css") + "?v=c9"


def test_a_manifest_filled_in_place_gives_new_urls(versions):
    # collectstatic gives the storage an empty mapping, then fills that one.
    tag = '{% versioned_static "css/site.css" %}'
    storage = storages[STATICFILES_STORAGE_ALIAS]
    before, strict = storage.hashed_files, storage.manifest_strict
    storage.hashed_files, storage.manifest_strict = {}, False
    try:
        assert render(tag) == staticfiles_storage.url("css/site.css") + "?v=c2"
        storage.hashed_files.update({storage.hash_key("css/site.css"): "css/site.00aa11bb22cc.css"})
        assert render(tag) == "/static/css/site.00aa11bb22cc.css?v=c2"
    finally:
        storage.hashed_files, storage.manifest_strict = before, strict


def test_debug_on_gives_the_unhashed_url_at_once(versions, settings):
    # A manifest storage names files unhashed under DEBUG (Django's HashedFilesMixin).
    tag = '{% versioned_static "css/site.css" %}'
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css\?v=c2", render(tag))
    settings.DEBUG = True
    assert render(tag) == "/static/css/site.css?v=c2"
    settings.DEBUG = False
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css\?v=c2", render(tag))


@pytest.mark.django_db
def test_base_html_links_every_stylesheet_and_script_with_its_version(client, versions):
    page = client.get("/").content.decode()
    assert re.search(
        r'<link rel="stylesheet" href="/static/css/site\.[0-9a-f]{12}\.css\?v=c2">', page
    )
    assert re.search(r'<script src="/static/js/site\.[0-9a-f]{12}\.js\?v=j3" defer></script>', page)
    assets = re.findall(r'(?:href|src)="(/static/[^"]*)"', page)
    assert all("?v=" in url for url in assets), assets


@pytest.mark.django_db
def test_the_admins_own_files_carry_their_content_hash_alone(client, versions):
    """As the docs say: Django's admin templates link its stylesheets and scripts with
    `{% static %}` (a new name for new bytes, no `?v=`); the favicon is the site's."""
    page = client.get("/admin/login/").content.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]*)"', page)
    admins = [url for url in assets if url.startswith("/static/admin/")]
    assert admins
    assert all(re.fullmatch(r"/static/admin/\S+\.[0-9a-f]{12}\.(css|js)", url) for url in admins)
    assert [url for url in assets if url not in admins] == [
        staticfiles_storage.url("img/favicon.svg") + "?v=s1"
    ]


def test_one_template_of_the_projects_links_a_file_without_its_version():
    """The docs' one exception besides the admin's own files: the media unit's versions
    page links its stylesheet with `{% static %}`, so the unit lifts into a project
    without static versioning (README, "Busting static caches")."""
    base = Path(__file__).resolve().parents[2]
    templates = [
        path
        for package in ("templates", "config", "catalog", "accounts")
        for path in (base / package).glob("**/*.html")
    ]
    assert len(templates) > 30
    plain = [str(p.relative_to(base)) for p in templates if "{% static " in p.read_text()]
    assert plain == ["config/media/templates/admin/media_versions.html"]
    readme = " ".join((base / "README.md").read_text().split())
    assert "the media versions page's stylesheet (`media/versions.css`)" in readme


@pytest.mark.django_db
def test_tour_page_shows_the_live_versions_their_sources_and_its_own_urls(client, versions):
    response = client.get("/tour/static-versioning/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<td><code>c2</code></td><td><code>CSS_VERSION</code></td><td>a config var</td>" in page
    assert "<td><code>s1</code></td><td><code>STATIC_VERSION</code></td>" in page
    linked = re.findall(r'(?:href|src)="(/static/[^"]*)"', page)
    shown = re.findall(r"<code>(/static/[^<]*)</code>", page)
    assert [url.split("?")[1] for url in shown] == ["v=c2", "v=j3"]
    assert set(shown) <= set(linked)
    assert "def resolve(" in page
    # resolve() whole, down to what it returns: no note that the excerpt is cut.
    assert "return AssetVersions(" in page
    assert "resolve() continues" not in page
    # Rule 3 as resolve() applies it: a version that is no commit, with the files' hash.
    assert "main-1a2b3c4d5e6f" in page
    assert "heroku config:set STATIC_VERSION=43" in page
    assert "whitenoise.storage.CompressedManifestStaticFilesStorage" in page.replace("<wbr>", "")


def test_hashed_files_are_immutable_for_one_year_unhashed_ones_briefly(client):
    hashed = client.get(staticfiles_storage.url("css/site.css"), HTTP_ACCEPT_ENCODING="br")
    assert hashed.status_code == 200
    assert hashed["Cache-Control"] == "max-age=31536000, public, immutable"
    assert hashed["Content-Encoding"] == "br"
    unhashed = client.get("/static/css/site.css?v=c2")
    assert unhashed.status_code == 200
    assert unhashed["Cache-Control"] == "max-age=60, public"


def test_whitenoises_own_lifetime_is_the_ten_years_the_readme_says_a_fork_gets():
    """README, "Forking as a template": without this unit, hashed files get
    WhiteNoise's own lifetime, ten years, instead of one."""
    from whitenoise.base import WhiteNoise

    assert WhiteNoise.FOREVER == 10 * 365 * 24 * 60 * 60


@pytest.mark.parametrize(
    ("asked", "first", "last"),
    [("bytes=0-0", 0, 0), ("bytes=-1", -1, -1), ("bytes=5-5", 5, 5), ("bytes=0-1", 0, 1)],
)
def test_a_range_of_one_byte_of_a_static_file_is_that_byte(client, asked, first, last):
    """WhiteNoise answered 416 to a range whose first and last byte are one
    (evansd/whitenoise#711), which players and download managers send to probe."""
    whole = b"".join(client.get("/static/css/site.css").streaming_content)
    size = len(whole)
    first, last = first % size, last % size
    part = client.get("/static/css/site.css", HTTP_RANGE=asked)
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes {first}-{last}/{size}"
    assert part["Content-Length"] == str(last - first + 1)
    assert b"".join(part.streaming_content) == whole[first : last + 1]


@pytest.mark.parametrize("size", [1, 2, 50])
@pytest.mark.parametrize("asked", ["bytes=-0", "bytes=-000", " bytes=-0 "])
def test_a_suffix_of_no_bytes_is_416_whatever_the_files_size(tmp_path, size, asked):
    """`bytes=-0` asks for the last no bytes: RFC 9110 counts it unsatisfiable.
    Parsed as WhiteNoise does, it starts at the first byte: in a file of one byte
    that was the one-byte range, in a longer one the whole file as a 206."""
    path = tmp_path / "file.txt"
    path.write_bytes(b"x" * size)
    static_file = OneByteRangeStaticFile(str(path), [("Content-Type", "text/plain")])
    answer = static_file.get_response("GET", {"HTTP_RANGE": asked})
    assert answer.status == 416, asked
    assert ("Content-Range", f"bytes */{size}") in answer.headers
    assert answer.file is None


@pytest.mark.parametrize("digits", [30, 4301])
@pytest.mark.parametrize(
    ("asked", "status", "content_range"),
    [
        ("bytes=-{zeros}", 416, "bytes */50"),  # the last no bytes
        ("bytes={zeros}-{zeros}", 206, "bytes 0-0/50"),  # the first byte
        ("bytes=0-{nines}", 206, "bytes 0-49/50"),  # to the end
        ("bytes=-{nines}", 206, "bytes 0-49/50"),  # the last many: all of them
        ("bytes={nines}-", 416, "bytes */50"),  # past the end
    ],
)
def test_a_range_is_read_the_same_however_many_digits_it_has(
    tmp_path, digits, asked, status, content_range
):
    """int() refuses more than 4,300 digits: such a range was ignored (the whole file,
    200) where the same range of fewer digits was 416 or 206."""
    path = tmp_path / "file.txt"
    path.write_bytes(bytes(range(50)))
    static_file = OneByteRangeStaticFile(str(path), [("Content-Type", "text/plain")])
    header = asked.format(zeros="0" * digits, nines="9" * digits)
    answer = static_file.get_response("GET", {"HTTP_RANGE": header})
    assert answer.status == status
    assert dict(answer.headers)["Content-Range"] == content_range


# int() reads each of these ends as a number; none is RFC 9110's digits.
NOT_RANGES = [
    "bytes=- 0",
    "bytes=-+0",
    "bytes=-0_0",
    "bytes=+0-0",
    "bytes=0-+0",
    "bytes=0_0-0",
    "bytes=\u0660-\u0660",
    "bytes=-\u0661",
    "bytes=0 -0",
    "bytes=0- 0",
]


@pytest.mark.parametrize("size", [1, 50])
@pytest.mark.parametrize("asked", NOT_RANGES)
def test_a_range_header_that_is_no_range_is_ignored(tmp_path, size, asked):
    """What RFC 9110 does not read as a range is ignored: the whole file, 200, as
    WhiteNoise answers a header it cannot read (`bytes=- 0` was the one-byte 206)."""
    path = tmp_path / "file.txt"
    path.write_bytes(bytes(range(size)))
    static_file = OneByteRangeStaticFile(str(path), [("Content-Type", "text/plain")])
    answer = static_file.get_response("GET", {"HTTP_RANGE": asked})
    assert answer.status == 200, asked
    assert ("Content-Length", str(size)) in answer.headers
    assert not any(name == "Content-Range" for name, _ in answer.headers)
    assert answer.file.read() == bytes(range(size))
    answer.file.close()


@pytest.mark.parametrize("asked", ["bytes=-0", "bytes=0-0", "bytes=0-9", "bytes=- 0"])
def test_a_head_request_ignores_the_range(tmp_path, asked):
    """RFC 9110 defines ranges for GET alone and has a server ignore them on any
    other method: a HEAD gets the whole file's headers."""
    path = tmp_path / "file.txt"
    path.write_bytes(b"x" * 50)
    static_file = OneByteRangeStaticFile(str(path), [("Content-Type", "text/plain")])
    answer = static_file.get_response("HEAD", {"HTTP_RANGE": asked})
    assert answer.status == 200, asked
    assert ("Content-Length", "50") in answer.headers
    assert not any(name == "Content-Range" for name, _ in answer.headers)


@pytest.mark.parametrize("asked", ["bytes=0-0", "bytes=0-9", "bytes=-1", "bytes=100-"])
@pytest.mark.parametrize("accepts", ["identity", "gzip", "br"])
def test_a_range_under_any_if_range_gets_the_whole_file(client, asked, accepts):
    """A download resumed after a deploy asked for the rest of the file it had, with
    its tag or date in If-Range, and got a piece of the new file to splice onto
    the old. And WhiteNoise gives the plain and compressed copies one entity tag
    and one date: a download begun compressed and resumed plain, or the other way,
    spliced two encodings under a matching one. No If-Range can say which copy the
    client holds a piece of: each is answered with the whole file."""
    whole = client.get("/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts)
    body = b"".join(whole.streaming_content)
    if_ranges = [
        whole["ETag"],
        whole["Last-Modified"],
        '"stale-0"',
        f"W/{whole['ETag']}",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "yesterday",
        "",
    ]
    for if_range in if_ranges:
        answer = client.get(
            "/static/css/site.css",
            HTTP_ACCEPT_ENCODING=accepts,
            HTTP_RANGE=asked,
            HTTP_IF_RANGE=if_range,
        )
        assert answer.status_code == 200, (asked, if_range)
        assert "Content-Range" not in answer
        assert answer.get("Content-Encoding") == whole.get("Content-Encoding")
        assert b"".join(answer.streaming_content) == body


def stale_preconditions(whole) -> list[dict[str, str]]:
    """If-Match and If-Unmodified-Since values that `whole`'s file fails (RFC 9110,
    13.1.1 and 13.1.4): another copy's tag, a weak tag (never a strong match), a
    list without it, and a date before the file's."""
    modified = parse_http_date(whole["Last-Modified"])
    return [
        {"HTTP_IF_MATCH": '"stale-0"'},
        {"HTTP_IF_MATCH": f"W/{whole['ETag']}"},
        {"HTTP_IF_MATCH": '"a", "b"'},
        {"HTTP_IF_UNMODIFIED_SINCE": "Thu, 01 Jan 1970 00:00:00 GMT"},
        {"HTTP_IF_UNMODIFIED_SINCE": http_date(modified - 1)},
    ]


def met_preconditions(whole) -> list[dict[str, str]]:
    """If-Match and If-Unmodified-Since values that `whole`'s file meets, or that are
    ignored: a date that cannot be read, and any date beside an If-Match."""
    return [
        {"HTTP_IF_MATCH": "*"},
        {"HTTP_IF_MATCH": whole["ETag"]},
        {"HTTP_IF_MATCH": f'"a", {whole["ETag"]}'},
        {"HTTP_IF_UNMODIFIED_SINCE": whole["Last-Modified"]},
        {"HTTP_IF_UNMODIFIED_SINCE": "yesterday"},
        {"HTTP_IF_MATCH": "*", "HTTP_IF_UNMODIFIED_SINCE": "Thu, 01 Jan 1970 00:00:00 GMT"},
    ]


TAGLESS = ("", " ", ",", "not a tag", '"unclosed')


@pytest.mark.parametrize("zone", ["+0000", "+1400", "-0500", "UTC"])
def test_an_if_modified_since_in_another_zones_spelling_is_ignored_as_django_ignores_it(
    client, zone
):
    """HTTP dates are GMT (RFC 9110, 5.6.7): WhiteNoise's parser dropped any other zone,
    so the file's own time at +1400, fourteen hours before it, was a 304. Django's
    parser takes GMT alone and ignores the rest, as its pages do."""
    whole = client.get("/static/css/site.css")
    since = whole["Last-Modified"].replace("GMT", zone)
    assert client.get("/static/css/site.css", HTTP_IF_MODIFIED_SINCE=since).status_code == 200
    assert (
        client.get(
            "/static/css/site.css", HTTP_IF_MODIFIED_SINCE=whole["Last-Modified"]
        ).status_code
        == 304
    )


@pytest.mark.parametrize("tagless", TAGLESS)
@pytest.mark.parametrize("accepts", ["identity", "gzip"])
def test_a_condition_naming_no_tag_is_as_if_it_were_not_there(client, tagless, accepts):
    """Django's own conditional answers (django.utils.cache) ignore an If-Match or
    If-None-Match that names no tag it can read; so do static files: a date beside it
    counts, and a range is answered as without it. The If-Match was a 412, the
    If-None-Match hid an If-Modified-Since's 304."""
    whole = client.get("/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts)
    modified = parse_http_date(whole["Last-Modified"])
    url, asked = "/static/css/site.css", {"HTTP_ACCEPT_ENCODING": accepts}
    assert client.get(url, **asked, HTTP_IF_MATCH=tagless).status_code == 200
    before = http_date(modified - 1)
    assert (
        client.get(url, **asked, HTTP_IF_MATCH=tagless, HTTP_IF_UNMODIFIED_SINCE=before).status_code
        == 412
    )
    since = whole["Last-Modified"]
    assert (
        client.get(
            url, **asked, HTTP_IF_NONE_MATCH=tagless, HTTP_IF_MODIFIED_SINCE=since
        ).status_code
        == 304
    )
    assert client.get(url, **asked, HTTP_IF_NONE_MATCH=tagless).status_code == 200
    if accepts == "identity":  # a compressed copy is sent whole (below)
        ranged = client.get(url, **asked, HTTP_IF_MATCH=tagless, HTTP_RANGE="bytes=0-0")
        assert ranged.status_code == 206


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("accepts", ["identity", "gzip"])
def test_if_none_match_compares_weakly_and_takes_a_list_or_any(client, method, accepts):
    """RFC 9110 (13.1.2): If-None-Match compares tags weakly, may list several, and
    "*" matches any file there is. WhiteNoise compared the header's whole text with
    the tag: a proxy that weakens a tag as it compresses never got a 304."""
    whole = client.get("/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts)
    tag = whole["ETag"]
    ask = client.get if method == "GET" else client.head
    for matching in (tag, f"W/{tag}", f'"other", {tag}', f'W/"other",W/{tag}', "*"):
        answer = ask(
            "/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts, HTTP_IF_NONE_MATCH=matching
        )
        assert answer.status_code == 304, matching
    for other in ('"other"', 'W/"other"', tag[:-2] + '"', "not a tag"):
        answer = ask("/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts, HTTP_IF_NONE_MATCH=other)
        assert answer.status_code == 200, other


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("asked", [None, "bytes=0-0", "bytes=100-"])
@pytest.mark.parametrize("accepts", ["identity", "gzip", "br"])
def test_a_precondition_the_file_fails_is_412_with_or_without_a_range(
    client, method, asked, accepts
):
    """WhiteNoise read no If-Match or If-Unmodified-Since: a download resumed after a
    deploy with the old copy's tag in If-Match got a piece of the new file to splice
    onto the old one (206), where RFC 9110 says 412 Precondition Failed."""
    whole = client.get("/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts)
    ask = client.get if method == "GET" else client.head
    ranged = {"HTTP_RANGE": asked} if asked else {}
    for precondition in stale_preconditions(whole):
        answer = ask("/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts, **ranged, **precondition)
        assert answer.status_code == 412, precondition
        assert "Content-Range" not in answer


@pytest.mark.parametrize("asked", ["bytes=0-0", "bytes=0-9", "bytes=-1", "bytes=100-"])
@pytest.mark.parametrize("accepts", ["identity", "gzip", "br"])
def test_a_range_under_a_met_precondition_gets_the_whole_file(client, asked, accepts):
    """As under an If-Range: the plain and compressed copies share one tag and one date,
    so a precondition they meet cannot say which copy the client holds a piece of."""
    whole = client.get("/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts)
    body = b"".join(whole.streaming_content)
    for precondition in met_preconditions(whole):
        answer = client.get(
            "/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts, HTTP_RANGE=asked, **precondition
        )
        assert answer.status_code == 200, (asked, precondition)
        assert "Content-Range" not in answer
        assert answer.get("Content-Encoding") == whole.get("Content-Encoding")
        assert b"".join(answer.streaming_content) == body


@pytest.mark.parametrize("encoding", ["gzip", "br"])
@pytest.mark.parametrize("hashed", [False, True], ids=["unhashed", "hashed"])
def test_a_range_is_of_the_plain_file_and_a_compressed_copy_is_sent_whole(client, encoding, hashed):
    """A range of a compressed copy matched the one entity tag the plain file has too.
    A request answered from a compressed copy gets all of it; one of the plain file
    its range."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    url = staticfiles_storage.url("css/site.css") if hashed else "/static/css/site.css"
    plain = b"".join(client.get(url, HTTP_ACCEPT_ENCODING="identity").streaming_content)
    full = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
    assert full["Content-Encoding"] == encoding
    compressed = client.get(url, HTTP_ACCEPT_ENCODING=encoding, HTTP_RANGE="bytes=100-")
    assert compressed.status_code == 200
    assert compressed["Content-Encoding"] == encoding
    assert b"".join(compressed.streaming_content) == b"".join(full.streaming_content)
    part = client.get(url, HTTP_ACCEPT_ENCODING="identity", HTTP_RANGE="bytes=100-")
    assert part.status_code == 206
    assert "Content-Encoding" not in part
    assert b"".join(part.streaming_content) == plain[100:]


def test_a_range_the_plain_file_cannot_answer_keeps_the_compression(client):
    """A Range WhiteNoise ignores (two ranges) is the whole file in the encoding the
    request takes, as without the header."""
    answer = client.get(
        "/static/css/site.css", HTTP_ACCEPT_ENCODING="gzip", HTTP_RANGE="bytes=0-1,5-6"
    )
    assert (answer.status_code, answer["Content-Encoding"]) == (200, "gzip")


@pytest.mark.parametrize("asked", ["bytes=999999-999999", "bytes=999999-"])
def test_a_range_past_the_end_of_a_static_file_is_still_416(client, asked):
    refused = client.get("/static/css/site.css", HTTP_RANGE=asked)
    assert refused.status_code == 416


@pytest.mark.parametrize("asked", ["bytes=0-0", "bytes=-1", "bytes=-0", "bytes=999999-"])
@pytest.mark.parametrize("accepts", ["gzip", "gzip, deflate, br, zstd"])
def test_any_range_of_a_request_taking_a_compressed_copy_gets_all_of_it(client, asked, accepts):
    """As docs/static-versioning.md says: the 206 and 416 answers are the plain file's;
    a request answered from a compressed copy gets that copy whole."""
    whole = client.get("/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts)
    answer = client.get("/static/css/site.css", HTTP_ACCEPT_ENCODING=accepts, HTTP_RANGE=asked)
    assert answer.status_code == 200
    assert answer["Content-Encoding"] == whole["Content-Encoding"]
    assert b"".join(answer.streaming_content) == b"".join(whole.streaming_content)
