"""The public company page: paged members, only the columns it shows, no usernames."""

import re

import pytest

from accounts.models import Profile
from accounts.views import MEMBERS_PER_PAGE
from config.querylog import record
from tests.factories import CompanyFactory, UserFactory
from tests.sqlshape import assert_sql_does_not_grow

pytestmark = pytest.mark.django_db

ACME = "/companies/acme/"


@pytest.fixture
def company():
    return CompanyFactory(name="Acme Tools", slug="acme")


def member_list(content: bytes) -> list[str]:
    """The names shown in the page's member list, in order."""
    found = re.search(r'<ul class="member-list">(.*?)</ul>', content.decode(), re.S)
    return re.findall(r"<li>(?:<img [^>]*>)?<bdi>([^<]*)</bdi></li>", found[1]) if found else []


def test_members_are_paged(client, company):
    for n in range(MEMBERS_PER_PAGE + 3):
        UserFactory(profile__company=company, profile__display_name=f"Member {n:03}")
    first = client.get(ACME)
    assert member_list(first.content) == [f"Member {n:03}" for n in range(MEMBERS_PER_PAGE)]
    assert b'href="?page=2" rel="next"' in first.content
    second = client.get(ACME, {"page": 2})
    assert member_list(second.content) == [
        f"Member {n:03}" for n in range(MEMBERS_PER_PAGE, MEMBERS_PER_PAGE + 3)
    ]
    assert b'href="?page=1" rel="prev"' in second.content
    assert member_list(client.get(ACME, {"page": "last"}).content) == member_list(second.content)


# And what int() reads as 2 (or 10) that the site writes no page as.
SPELLINGS = ["+2", " 2", "2 ", "\u0662", "\uff12", "1_0"]


@pytest.mark.parametrize(
    "page", ["abc", "0", "99", "-1", "1.5", "9" * 40, "9" * 4301, "%00", *SPELLINGS]
)
def test_a_page_that_does_not_exist_is_404(client, company, page):
    UserFactory(profile__company=company)
    assert client.get(ACME, {"page": page}).status_code == 404


def test_an_empty_company_has_one_page(client, company):
    response = client.get(ACME)
    assert b"No members yet." in response.content
    assert client.get(ACME, {"page": 2}).status_code == 404


def test_unknown_company_is_404(client):
    assert client.get("/companies/no-such-company/").status_code == 404


def test_members_without_a_display_name_are_not_shown_by_username(client, company):
    UserFactory(username="secret-login-name", profile__company=company)
    UserFactory(username="ada-login", profile__company=company, profile__display_name="Ada")
    content = client.get(ACME).content
    assert member_list(content) == ["Ada", "Member"]
    assert b"secret-login-name" not in content
    assert b"ada-login" not in content


def test_the_members_query_selects_only_what_the_page_shows(client, company):
    UserFactory(profile__company=company, profile__bio="b" * 2000, profile__display_name="Ada")
    with record() as log:
        response = client.get(ACME)
    assert response.status_code == 200
    # The company, the members' count (the pager), one page of members.
    assert log.count == 3
    members = [q.sql for q in log.queries if 'FROM "accounts_profile"' in q.sql][-1]
    assert '"accounts_profile"."display_name"' in members
    assert '"accounts_profile"."avatar"' in members
    for never in ('"bio"', '"password"', '"username"', '"email"'):
        assert never not in members, never
    # The user is joined for its is_active flag only, which no column selects.
    selected, _, rest = members.partition(" FROM ")
    assert '"auth_user"' not in selected
    assert '"auth_user"."is_active"' in rest
    assert b"b" * 100 not in response.content


def test_member_queries_do_not_grow_with_the_membership(client, company):
    def add_members(count):
        while Profile.objects.filter(company=company).count() < count:
            UserFactory(profile__company=company)

    assert_sql_does_not_grow(
        lambda n: client.get(ACME), 1, MEMBERS_PER_PAGE * 2, prepare=add_members
    )


def test_the_for_member_list_queryset_runs_one_query(company):
    UserFactory(profile__company=company, profile__display_name="Ada")
    UserFactory(profile__company=company)
    with record() as log:
        members = [m.public_name for m in Profile.objects.filter(company=company).for_member_list()]
    assert members == ["Ada", "Member"]
    assert log.count == 1


def test_a_deactivated_account_is_not_listed(client, company):
    """Django advises turning `is_active` off instead of deleting an account."""
    UserFactory(profile__company=company, profile__display_name="Ada")
    UserFactory(profile__company=company, profile__display_name="Grace", is_active=False)
    page = client.get(ACME)
    assert [m.public_name for m in page.context["members"]] == ["Ada"]
    assert page.context["paginator"].count == 1
    assert b"Grace" not in page.content


def test_a_page_lists_24_members_as_the_docs_say():
    assert MEMBERS_PER_PAGE == 24  # docs/accounts.md, Company pages
