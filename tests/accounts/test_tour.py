import re

import pytest
from django.contrib.auth.models import Permission

from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


def backend_queries(content: str) -> dict[str, int]:
    return {
        name: int(count)
        for name, count in re.findall(r'data-backend-queries="(\w+)">(\d+)<', content)
    }


def next_step(content: str) -> str:
    """What the page tells this visitor to do next, tags and line breaks removed."""
    found = re.search(r'<p class="next-step" data-visitor="(\w+)">(.*?)</p>', content, re.S)
    if found is None:
        return ""
    return found[1] + ": " + " ".join(re.sub(r"<[^>]+>", "", found[2]).split())


def test_anonymous_visitors_see_the_problem_the_code_and_how_to_get_evidence(client):
    response = client.get("/tour/auth-backend/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "users.select_related(*paths) if paths else users" in content
    assert (
        "ACCOUNTS_USER_SELECT_RELATED = (&quot;profile&quot;, &quot;profile__company&quot;)"
        in content
    )
    assert "request.session[BACKEND_SESSION_KEY] = TARGET" in content
    told = next_step(content)
    assert told.startswith("anonymous: You are not logged in"), told
    assert "log in with the demo's member account" in told
    assert "seed_demo_accounts --random-passwords" in told  # Heroku's way


def test_logged_in_the_page_shows_its_own_one_query_user_lookup(client):
    client.force_login(UserFactory(profile__company=CompanyFactory()))
    content = client.get("/tour/auth-backend/").content.decode()
    assert re.search(r"<strong data-user-queries>1</strong> query", content)
    assert "LEFT OUTER JOIN &quot;accounts_company&quot;" in content
    assert backend_queries(content) == {"ModelBackend": 3, "ProfileModelBackend": 1}
    # The footer counts everything: session, user, and the comparison's 3 + 1.
    assert re.search(r"ran <strong data-query-count>6</strong> database queries", content)


def test_without_a_company_the_stock_backend_needs_one_query_less(client):
    client.force_login(UserFactory())
    content = client.get("/tour/auth-backend/").content.decode()
    assert backend_queries(content) == {"ModelBackend": 2, "ProfileModelBackend": 1}
    told = next_step(content)
    assert told.startswith("member: You have no company yet"), told
    assert "log in with the demo's member account" in told
    assert "seed_demo_accounts --random-passwords" in told  # Heroku's way
    assert "on your own deployment, staff assign companies in the admin" in told


def test_staff_without_a_company_get_a_link_to_give_themselves_one(admin_client, admin_user):
    content = admin_client.get("/tour/auth-backend/").content.decode()
    told = next_step(content)
    assert told.startswith("staff: You have no company yet"), told
    assert "you can give yourself one on your profile's admin page" in told
    link = re.search(r"<a href=\"([^\"]+)\">your profile's admin page</a>", content)[1]
    assert admin_client.get(link).status_code == 200
    assert link.endswith(f"/accounts/profile/{admin_user.profile.pk}/change/")


def test_a_member_with_a_company_needs_no_next_step(client):
    client.force_login(UserFactory(profile__company=CompanyFactory()))
    assert next_step(client.get("/tour/auth-backend/").content.decode()) == ""


def test_with_the_query_log_off_the_comparison_still_runs(client, settings):
    settings.QUERY_LOG = False
    client.force_login(UserFactory(profile__company=CompanyFactory()))
    content = client.get("/tour/auth-backend/").content.decode()
    assert "The query log is off" in content
    assert backend_queries(content) == {"ModelBackend": 3, "ProfileModelBackend": 1}
    # No page points at queries a footer does not show (production's default, and a
    # `git push heroku` deploy's): the home page said every page shows them.
    for path in ("/tour/auth-backend/", "/"):
        page = client.get(path).content.decode()
        assert "page's footer" not in page
        assert "every page shows" not in page


@pytest.mark.parametrize(
    ("codenames", "linked"),
    [
        (("change_profile",), False),
        (("change_profile", "view_company"), True),
        (("change_profile", "change_company"), True),
    ],
    ids=["no company permission", "view companies", "change companies"],
)
def test_the_link_is_offered_only_to_staff_who_may_choose_a_company_there(
    client, codenames, linked
):
    """The profile's page picks its company from the admin's autocomplete, which
    answers 403 to staff who may not view companies: a link to a picker that cannot
    load a single choice was no next step."""
    staff = UserFactory(is_staff=True)
    for codename in codenames:
        staff.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(staff)
    told = next_step(client.get("/tour/auth-backend/").content.decode())
    assert ("your profile's admin page" in told) == linked, told
