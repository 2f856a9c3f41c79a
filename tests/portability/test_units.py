"""Each technique lifted into a project of its own: a scratch project made with
`django-admin startproject`, only the unit's folder copied in, only the settings
lines its docs give, and the technique's core promise checked there.

If a unit needed anything else from this repository, its import would fail here.
"""

import re

import pytest

from tests.portability.scratch import documented_blocks, scratch_project
from tests.processes import BASE_DIR, fresh_database, platform_env

PROFILES = """
from django.conf import settings
from django.db import models


class Company(models.Model):
    name = models.CharField(max_length=100)


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile")
    company = models.ForeignKey(Company, models.SET_NULL, null=True)
"""

ORDERS = """
from django.db import models

from lib.lateral import BoundedPrefetchQuerySet


class Order(models.Model):
    reference = models.CharField(max_length=20)
    objects = BoundedPrefetchQuerySet.as_manager()


class LineItem(models.Model):
    order = models.ForeignKey(Order, models.CASCADE, related_name="line_items")
    sku = models.CharField(max_length=20)

    class Meta:
        ordering = ["sku"]
"""


# A template with the tag and the context processor's value, rendered with a
# request, as a view renders it (context processors run only with one).
RENDER = """
import json
from django.template import engines
from django.test import RequestFactory
template = engines["django"].from_string(
    "{% load versioned_static %}TAGS {{ static_versions.css.value }}"
)
print(json.dumps({"html": template.render({}, RequestFactory().get("/"))}))
"""


def render_versions(*assets: str) -> str:
    """A script rendering the tag for each of `assets`, then the context processor's
    stylesheet version."""
    tags = " ".join(f"{{% versioned_static '{asset}' %}}" for asset in assets)
    return RENDER.replace("TAGS", tags)


@pytest.fixture
def base_env(db):
    def env(suffix: str, **extra: str) -> dict[str, str]:
        return platform_env(DATABASE_URL=fresh_database(suffix), **extra)

    return env


def test_profile_auth_loads_user_profile_and_company_in_one_query(tmp_path, base_env):
    scratch = scratch_project(
        tmp_path,
        "accounts/profile_auth",
        "accounts.md",
        base_env("port_auth"),
        {"people": PROFILES},
    )
    scratch.manage("makemigrations", "people")
    scratch.manage("migrate")
    assert "System check identified no issues" in scratch.manage("check")
    found = scratch.script(
        """
import json
from django.contrib.auth import get_backends, get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from people.models import Company, Profile

user = get_user_model().objects.create_user("ada", password="x")
Profile.objects.create(user=user, company=Company.objects.create(name="Acme Tools"))
[backend] = get_backends()
with CaptureQueriesContext(connection) as queries:
    loaded = backend.get_user(user.pk)
    company = loaded.profile.company.name
print(json.dumps({"queries": len(queries), "company": company}))
"""
    )
    assert found == {"queries": 1, "company": "Acme Tools"}


def test_profile_auth_keeps_a_model_backend_session_logged_in(tmp_path, base_env):
    """The block's middleware line: a session ModelBackend logged in (every session
    before the switch) is moved to the profile backend and stays logged in, and a
    page showing the company pays the session's query and the joined user's."""
    scratch = scratch_project(
        tmp_path,
        "accounts/profile_auth",
        "accounts.md",
        base_env("port_auth_upgrade"),
        {"people": PROFILES},
    )
    scratch.write(
        "site_config/urls.py",
        """
from django.http import HttpResponse
from django.urls import path

def page(request):
    return HttpResponse(request.user.profile.company.name)

urlpatterns = [path("", page)]
""",
    )
    scratch.manage("makemigrations", "people")
    scratch.manage("migrate")
    found = scratch.script(
        """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from people.models import Company, Profile

user = get_user_model().objects.create_user("ada", password="x")
Profile.objects.create(user=user, company=Company.objects.create(name="Acme Tools"))
client = Client()
client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
with CaptureQueriesContext(connection) as queries:
    page = client.get("/")
reads = [q["sql"].split()[0] for q in queries]
print(json.dumps({
    "status": page.status_code,
    "page": page.content.decode(),
    "reads": reads[:2],
    "backend": client.session[BACKEND_SESSION_KEY],
}))
"""
    )
    assert found == {
        "status": 200,
        "page": "Acme Tools",
        "reads": ["SELECT", "SELECT"],
        "backend": "accounts.profile_auth.backends.ProfileModelBackend",
    }


def test_bounded_prefetch_sends_the_same_sql_text_at_any_size(tmp_path, base_env):
    """Copied under another package name, as docs/prefetch.md allows."""
    scratch = scratch_project(
        tmp_path,
        "config/bounded_prefetch",
        None,
        base_env("port_prefetch"),
        {"shop": ORDERS},
        at="lib/lateral",
    )
    scratch.manage("makemigrations", "shop")
    scratch.manage("migrate")
    found = scratch.script(
        """
import json, re
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shop.models import LineItem, Order

orders = Order.objects.bulk_create(Order(reference=f"R{n}") for n in range(300))
LineItem.objects.bulk_create(LineItem(order=o, sku=f"S{k}") for o in orders for k in (2, 1))

def shapes(size, sliced_first):
    ordered = Order.objects.order_by("id")
    with CaptureQueriesContext(connection) as queries:
        if sliced_first:  # as the doc's example: sliced, then the method
            page = list(ordered[:size].bounded_prefetch("line_items", to_attr="items"))
        else:
            page = list(ordered.bounded_prefetch("line_items", to_attr="items")[:size])
    assert [o.reference for o in page] == [f"R{n}" for n in range(size)]
    assert all([i.sku for i in o.items] == ["S1", "S2"] for o in page)
    return [re.sub(r"\\b\\d+\\b", "?", q["sql"]) for q in queries]

print(json.dumps({
    "small": shapes(3, False), "large": shapes(300, False),
    "sliced first, small": shapes(3, True), "sliced first, large": shapes(300, True),
}))
"""
    )
    assert len(found["small"]) == 2
    assert found["small"] == found["large"]
    assert found["sliced first, small"] == found["sliced first, large"] == found["small"]


def test_media_restores_a_deleted_file_byte_identical(tmp_path, base_env, fresh_s3):
    env = base_env("port_media", **fresh_s3.environ())
    scratch = scratch_project(tmp_path, "config/media", "s3-media.md", env)
    _, urls, wsgi = documented_blocks("s3-media.md")
    scratch.write("site_config/urls.py", urls)
    scratch.write("site_config/wsgi.py", (scratch.root / "site_config/wsgi.py").read_text() + wsgi)
    # The one module from elsewhere the doc names.
    scratch.write("config/security/__init__.py", "")
    handlers = BASE_DIR / "config/security/uploadhandlers.py"
    scratch.write("config/security/uploadhandlers.py", handlers.read_text())
    assert "System check identified no issues" in scratch.manage("check")
    # The unit's commands load there too (a number option's type came from config/).
    for command in ("media_lifecycle", "media_restore", "media_versioning", "media_versions"):
        assert f"manage.py {command}" in scratch.manage("help", command)
    scratch.manage("migrate")
    found = scratch.script(
        """
import json
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from config.media import versions

content = bytes(range(256)) * 40
name = default_storage.save("docs/report.bin", ContentFile(content))
default_storage.delete(name)
gone = not default_storage.exists(name)
versions.restore(name)
with default_storage.open(name) as restored:
    same = restored.read() == content
permission = Permission.objects.filter(codename="restore_media").exists()
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
client = Client()
client.force_login(User.objects.create_superuser("root", password="x"))
page = client.get(reverse("admin-media-versions"), {"name": name}).status_code
# A form sent a file past FILE_UPLOAD_MAX_MEMORY_SIZE under a 240-character extension:
# Django's own handler names its temporary file after it (too long a name: a 500).
from django.core.files.uploadedfile import SimpleUploadedFile
upload = SimpleUploadedFile("a." + "x" * 240, b"0" * (6 * 1024 * 1024))
long_name = Client().post("/admin/login/", {"username": "a", "file": upload}).status_code
import site_config.wsgi  # the doc's lines at its end
print(json.dumps({"gone": gone, "same": same, "permission": permission, "page": page,
                  "long name": long_name}))
"""
    )
    assert found == {
        "gone": True,
        "same": True,
        "permission": True,
        "page": 200,
        "long name": 200,
    }


def static_versioning_project(tmp_path, env):
    """Without the two modules the doc says may be left out."""
    leave_out = ("tour.py", "tour", "middleware.py")
    return scratch_project(
        tmp_path, "config/static_versioning", "static-versioning.md", env, leave_out=leave_out
    )


def test_static_versioning_puts_the_config_var_on_static_urls(tmp_path, base_env):
    scratch = static_versioning_project(tmp_path, base_env("port_static", STATIC_VERSION="a1b2"))
    found = scratch.script(render_versions("css/site.css", "js/a.js"))
    # The second part is the context processor's, which the block adds.
    assert found["html"] == "/static/css/site.css?v=a1b2 /static/js/a.js?v=a1b2 a1b2"


def test_static_versioning_without_a_config_var_follows_a_manifest_storage(tmp_path, base_env):
    """What the doc says a deploy without STATIC_VERSION and without Heroku's commit
    gets: the manifest's hash with a manifest storage, and "dev" without one."""
    # The machine's variables only: no commit, no config var.
    scratch = static_versioning_project(tmp_path, base_env("port_static_manifest"))
    render = render_versions("admin/css/base.css")
    scratch.manage("collectstatic", "--noinput")
    assert scratch.script(render)["html"] == "/static/admin/css/base.css?v=dev dev"

    settings = scratch.root / "site_config" / "settings.py"
    storage = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    settings.write_text(
        settings.read_text()
        + f'STORAGES = {{"default": {{"BACKEND": "django.core.files.storage.FileSystemStorage"}}, '
        f'"staticfiles": {{"BACKEND": "{storage}"}}}}\n'
    )
    scratch.manage("collectstatic", "--noinput")
    url, version = scratch.script(render)["html"].split()
    assert re.fullmatch(r"[0-9a-f]{12}", version), version
    assert url == f"/static/admin/css/base.css?v={version}"


def test_query_log_sends_the_query_count_in_server_timing(tmp_path, base_env):
    scratch = scratch_project(tmp_path, "config/querylog", "query-log.md", base_env("port_qlog"))
    scratch.write(
        "site_config/urls.py",
        """
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.urls import path

def page(request):
    count = User.objects.count() + User.objects.filter(is_staff=True).count()
    return HttpResponse(f"<p>{count}</p><!-- query-log -->")

urlpatterns = [path("", page)]
""",
    )
    scratch.manage("migrate")
    found = scratch.script(
        """
import json
from django.test import Client
response = Client().get("/")
print(json.dumps({"timing": response["Server-Timing"], "html": response.content.decode()}))
"""
    )
    assert found["timing"].startswith("db;dur=")
    assert found["timing"].endswith(';desc="2 queries"')
    assert "ran <strong data-query-count>2</strong> database queries" in found["html"]
