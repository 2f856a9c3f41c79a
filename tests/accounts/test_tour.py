import re

import pytest

from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


def backend_queries(content: str) -> dict[str, int]:
    return {
        name: int(count)
        for name, count in re.findall(r'data-backend-queries="(\w+)">(\d+)<', content)
    }


def test_anonymous_visitors_see_the_problem_the_code_and_how_to_get_evidence(client):
    response = client.get("/tour/auth-backend/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "select_related(*select_related_paths())" in content
    assert (
        "ACCOUNTS_USER_SELECT_RELATED = (&quot;profile&quot;, &quot;profile__company&quot;)"
        in content
    )
    assert "request.session[BACKEND_SESSION_KEY] = TARGET" in content
    assert "You are not logged in" in content


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
    assert "You have no company yet: staff assign\ncompanies in the admin" in content


def test_with_the_query_log_off_the_comparison_still_runs(client, settings):
    settings.QUERY_LOG = False
    client.force_login(UserFactory(profile__company=CompanyFactory()))
    content = client.get("/tour/auth-backend/").content.decode()
    assert "The query log is off" in content
    assert backend_queries(content) == {"ModelBackend": 3, "ProfileModelBackend": 1}
