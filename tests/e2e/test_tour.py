"""The techniques tour in a browser: each page gives the problem in two sentences, the
code that solves it (as it is in the repository), and live evidence from this site."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import sitedata
from tests.e2e.conftest import PHONE, log_in, screenshot
from tests.processes import BASE_DIR

TECHNIQUES = ["pipenv", "static-versioning", "prefetch", "auth-backend", "s3-media"]
CAPTION = re.compile(r"(?P<path>[\w./-]+), line (?P<line>\d+)(: .+)?")
# A sentence ends at . ! or ? followed by a space and a capital letter, or a
# parenthesis opening the next sentence.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def test_the_index_leads_to_every_technique(page):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Techniques tour").click()
    links = page.locator("main .tour-list a")
    expect(links).to_have_count(len(TECHNIQUES))  # the click waits for the page to start only
    assert [link.get_attribute("href") for link in links.all()] == [
        f"/tour/{slug}/" for slug in TECHNIQUES
    ]


@pytest.mark.parametrize("slug", TECHNIQUES)
def test_each_page_gives_the_problem_the_real_code_and_live_evidence(page, slug):
    page.goto(f"/tour/{slug}/")
    problem = page.locator("main .problem").inner_text()
    assert problem.startswith("The problem. ")
    assert len(SENTENCE_END.split(problem.removeprefix("The problem. "))) == 2, problem

    excerpts = page.locator("main figure.excerpt")
    assert excerpts.count() >= 2
    for excerpt in excerpts.all():
        caption = CAPTION.fullmatch(excerpt.locator("figcaption").inner_text())
        assert caption, excerpt.locator("figcaption").inner_text()
        shown = excerpt.locator("pre").inner_text().splitlines()
        first = int(caption["line"]) - 1
        source = (BASE_DIR / caption["path"]).read_text().splitlines()
        assert shown == source[first : first + len(shown)]

    evidence = page.locator("main .live-evidence")
    expect(evidence.get_by_role("heading", level=2)).to_contain_text("Live evidence")
    assert evidence.locator("table, ol, p").count() >= 1


def test_pipenv_evidence_is_the_installed_lock(page):
    page.goto("/tour/pipenv/")
    evidence = page.locator("main .live-evidence")
    expect(evidence).to_contain_text("Every runtime package installed here is the version")
    django = evidence.locator("tr", has=page.locator("td", has_text=re.compile("^django$")))
    locked, installed = django.locator("td").nth(1), django.locator("td").nth(2)
    assert locked.inner_text() == installed.inner_text()


def test_static_versioning_evidence_is_this_pages_own_stylesheet(page):
    page.goto("/tour/static-versioning/")
    linked = page.locator("link[rel=stylesheet]").get_attribute("href")
    expect(page.locator("main .asset-urls a").first).to_have_attribute("href", linked)


def test_prefetch_evidence_runs_again_for_another_page_size(page):
    page.goto("/tour/prefetch/")
    page.fill("#n", "10")
    page.get_by_role("button", name="Run again").click()
    rows = page.locator("table.strategy-table tbody tr")
    expect(rows).to_have_count(3)
    queries = {
        row.locator("th").inner_text(): int(row.locator("td").first.inner_text())
        for row in rows.all()
    }
    assert queries == {"naive": 11, "prefetch": 2, "bounded": 2}


def test_auth_backend_evidence_is_one_query_for_the_logged_in_user(user_page):
    user_page.goto("/tour/auth-backend/")
    expect(user_page.locator("main .live-evidence [data-user-queries]")).to_have_text("1")


def test_s3_media_evidence_is_a_live_delete_and_restore(page):
    log_in(page, sitedata.STAFF)  # each run writes to the live bucket: staff only
    page.goto("/tour/s3-media/")
    page.get_by_role("button", name="Run the demonstration").click()
    expect(page.locator("main .media-steps li")).to_have_count(6)
    steps = page.locator("main .media-steps li").all_inner_texts()
    assert steps[1].startswith("Download its presigned URL: HTTP 200")
    assert steps[3] == "Download the same URL again: HTTP 404."
    assert steps[5].endswith("bytes identical to the saved ones: yes.")
    expect(page.locator("main table.media-versions")).to_contain_text("delete marker")
    screenshot(page, "tour-s3-media-demonstrated")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "tour-s3-media-demonstrated-360")
