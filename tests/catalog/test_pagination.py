"""The pager of the product lists and company pages (config/templatetags/pager.py):
first / previous / nearby numbers / next / last, keeping the other parameters."""

import re

import pytest
from django.core.paginator import Paginator
from django.template import RequestContext, Template

from accounts.models import Company
from accounts.profiles import create_user_with_profile
from config.templatetags.pager import nearby_pages, page_href

pytestmark = pytest.mark.django_db


def pager(html: str) -> str:
    found = re.search(r'<nav class="pagination" aria-label="Pages">.*?</nav>', html, re.S)
    assert found, "no pager"
    return found.group(0)


def links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each pager link, in order."""
    return re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', pager(html))


@pytest.mark.parametrize(
    ("number", "pages", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, 4, 5]),
        (2, 10, [1, 2, 3, 4, 5]),
        (5, 10, [3, 4, 5, 6, 7]),
        (9, 10, [6, 7, 8, 9, 10]),
        (10, 10, [6, 7, 8, 9, 10]),
    ],
)
def test_nearby_pages_keep_five_numbers_around_the_current_one(number, pages, expected):
    page = Paginator(range(pages), 1).page(number)
    assert list(nearby_pages(page)) == expected


def test_a_middle_page_links_first_previous_numbers_next_last(client, make_products):
    make_products(10)
    html = client.get("/products/?per_page=1&page=5&sort=price").content.decode()
    assert [text for _, text in links(html)] == [
        "First", "Previous", "3", "4", "5", "6", "7", "Next", "Last",
    ]  # fmt: skip
    # Every link keeps the other parameters and changes only the page.
    hrefs = [href for href, _ in links(html)]
    pages = ["1", "4", "3", "4", "5", "6", "7", "6", "10"]
    assert hrefs == [f"?per_page=1&amp;page={n}&amp;sort=price" for n in pages]
    nav = pager(html)
    assert nav.count('aria-current="page"') == 1
    assert re.search(
        r'<a href="[^"]*page=5[^"]*" aria-current="page" aria-label="Page 5">5</a>', nav
    )
    assert 'rel="prev"' in nav
    assert 'rel="next"' in nav


def test_first_and_last_pages_leave_out_the_links_that_go_nowhere(client, make_products):
    make_products(3)
    first = [text for _, text in links(client.get("/products/?per_page=1").content.decode())]
    last = [text for _, text in links(client.get("/products/?per_page=1&page=3").content.decode())]
    assert first == ["1", "2", "3", "Next", "Last"]
    assert last == ["First", "Previous", "1", "2", "3"]


def test_a_single_page_has_no_pager(client, make_products):
    make_products(3)
    assert 'class="pagination"' not in client.get("/products/").content.decode()


def test_the_company_page_has_the_same_pager(client):
    company = Company.objects.create(name="Works", slug="works")
    for n in range(30):
        user = create_user_with_profile(
            username=f"member{n}", email=f"m{n}@example.com", password="a-long-passphrase-1"
        )
        user.profile.company = company
        user.profile.save()
    html = client.get("/companies/works/?page=2").content.decode()
    assert [text for _, text in links(html)] == ["First", "Previous", "1", "2"]
    assert 'aria-current="page" aria-label="Page 2">2</a>' in html
    assert client.get("/companies/works/?page=3").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=3",
        "sort=price&page=3",
        "page=3&sort=price&q=a&q=b",
        "a=1&page=2&b=2&page=3&c=",
        "tag=caf%C3%A9&x=%26%3D&sp=a+b",
    ],
)
def test_each_link_is_what_querystring_gives(rf, query):
    request = rf.get(f"/products/?{query}")
    href = page_href(request.GET)
    expected = Template("{% querystring page=n %}")
    for number in (1, 2, 10, 1234):
        context = RequestContext(request, {"n": number}, autoescape=False)
        assert href(number) == expected.render(context), (query, number)
