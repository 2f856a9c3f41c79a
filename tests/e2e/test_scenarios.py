"""What visitors and staff do on the site, each in a real browser, clicking links."""

import io
import os
import re

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from catalog import product_images
from config.local import s3 as locals3
from tests.e2e import sitedata
from tests.e2e.conftest import ROUTER_HEADERS, new_page, screenshot
from tests.pages import query_count

PAGE_PATH = re.compile(r"https://127\.0\.0\.1:\d+(/[^#]*)")


def path_of(page) -> str:
    return PAGE_PATH.fullmatch(page.url).group(1)


def footer_query_count(page) -> int:
    return int(page.locator("[data-query-count]").inner_text())


def server_timing_query_count(response) -> int:
    """The `desc="<n> queries"` of the Server-Timing header every HTML page carries."""
    return query_count(response.headers["server-timing"])


def disc_png(size: tuple[int, int], colour: str) -> bytes:
    """A real PNG file made by Pillow: a coloured disc on a light background."""
    image = Image.new("RGB", size, "#e9edf3")
    width, height = size
    radius = min(width, height) // 3
    box = (width // 2 - radius, height // 2 - radius, width // 2 + radius, height // 2 + radius)
    ImageDraw.Draw(image).ellipse(box, fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def wait_for_image(image) -> int:
    """Wait until an <img> has finished loading or failing; its naturalWidth (0: failed)."""
    image.element_handle().wait_for_element_state("visible")
    return image.evaluate(
        "img => img.decode().then(() => img.naturalWidth, () => img.naturalWidth)"
    )


def test_a_visitor_goes_from_home_through_a_category_and_page_two_to_a_product(page):
    page.goto("/")
    category = page.locator(".latest-products .product-card .category a").first
    category_name = category.inner_text()
    category.click()
    assert re.fullmatch(r"/categories/[-\w]+/", path_of(page))
    expect(page.get_by_role("heading", level=1)).to_have_text(category_name)
    page.wait_for_load_state("domcontentloaded")  # every card parsed, not just the first
    shown = page.locator(".product-card .category a").all_inner_texts()
    assert len(shown) >= 1
    assert set(shown) == {category_name}

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    assert path_of(page) == "/products/"
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    assert path_of(page) == "/products/?page=2"
    expect(page.locator(".result-count")).to_contain_text("page 2 of 3")

    product = page.locator(".product-card h2 a").first
    product_name = product.inner_text()
    product.click()
    assert path_of(page).startswith("/products/")
    expect(page.get_by_role("heading", level=1)).to_have_text(product_name)
    expect(page.locator(".features tbody tr")).to_have_count(4)


def test_sign_up_log_out_log_in_and_upload_an_avatar_that_loads_under_the_csp(page, tmp_path):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.fill("#id_username", "lin")
    page.fill("#id_email", "lin@example.com")
    page.fill("#id_display_name", "Lin Chen")
    page.fill("#id_password1", sitedata.PASSWORD)
    page.fill("#id_password2", sitedata.PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert path_of(page) == "/accounts/profile/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Lin Chen")

    page.get_by_role("button", name="Log out").click()
    assert path_of(page) == "/"
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in").click()
    page.fill("#id_username", "lin")
    page.fill("#id_password", sitedata.PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    assert path_of(page) == "/accounts/profile/"

    page.get_by_role("link", name="Edit your profile").click()
    avatar = tmp_path / "portrait.png"
    avatar.write_bytes(disc_png((200, 200), "#b3261e"))
    page.set_input_files("#id_avatar", avatar)
    page.fill("#id_bio", "Tests sites in real browsers.")
    page.get_by_role("button", name="Save").click()
    assert path_of(page) == "/accounts/profile/"
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")

    image = page.get_by_role("img", name="Avatar of Lin Chen")
    assert wait_for_image(image) == 200
    screenshot(page, "profile-with-avatar")
    # A presigned URL of the media bucket on the local S3 server, which the
    # Content-Security-Policy allows for images (config/security/__init__.py).
    endpoint = os.environ["AWS_S3_ENDPOINT_URL"]
    src = image.get_attribute("src")
    # Stored under a random name: "portrait" stays on the uploader's machine.
    assert src.startswith(f"{endpoint}/{locals3.MEDIA_BUCKET}/avatars/")
    assert "portrait" not in src
    assert "X-Amz-Signature=" in src
    csp = page.reload().headers["content-security-policy"]
    img_src = next(d for d in csp.split(";") if d.strip().startswith("img-src"))
    assert endpoint in img_src.split()


def product_image_width(chromium, site, console_errors, path: str) -> int:
    """What a visitor sees: the product's image width in a fresh browser (nothing cached)."""
    visitor = new_page(chromium, site, console_errors)
    try:
        visitor.goto(path)
        return wait_for_image(visitor.locator(".product-detail img"))
    finally:
        visitor.context.close()


def test_staff_restore_a_deleted_product_image_from_its_versions(
    page, chromium, site, slugs, local_s3, console_errors
):
    product_path = f"/products/{slugs['product']}/"
    width = product_images.SIZE[0]  # the seeded picture
    assert product_image_width(chromium, site, console_errors, product_path) == width

    # The bad DELETE (a slip in code, a leaked key) straight at the bucket: a delete marker.
    local_s3.client().delete_object(Bucket=locals3.MEDIA_BUCKET, Key=slugs["image"])
    console_errors.expect("status of 404")  # the visitor's broken image
    assert product_image_width(chromium, site, console_errors, product_path) == 0

    page.goto("/admin/")
    page.fill("#id_username", sitedata.STAFF)
    page.fill("#id_password", sitedata.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Products").first.click()
    page.fill("#searchbar", slugs["product"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q="))  # the filtered list, not the one before
    page.locator("#result_list tbody th a").first.click()
    page.get_by_role("link", name=f"Versions of {slugs['image']}").click()

    versions = page.locator("table.media-versions tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("delete marker")
    versions.nth(1).get_by_role("button", name="Restore this version").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Restored {slugs['image']}")
    expect(versions).to_have_count(3)
    screenshot(page, "admin-media-versions-restored")

    assert product_image_width(chromium, site, console_errors, product_path) == width


def counted(page) -> bool:
    """Whether the page's footer lists the paginator's COUNT: a worker counts a list
    once and keeps the count as long as its cached pages (catalog/counts.py)."""
    return any("COUNT(*)" in sql for sql in page.locator(".query-log li code").all_text_contents())


def test_an_anonymous_product_list_runs_three_queries_or_none_from_the_page_cache(page):
    for path in ("/products/", "/products/?page=2", "/products/?per_page=100&sort=-price"):
        for _ in range(2):  # the second visit may find the page in the worker's cache
            response = page.goto(path)
            queries = footer_query_count(page)
            assert queries == server_timing_query_count(response), path
            expected = {"miss": 2 + counted(page), "hit": 0}[response.headers["x-page-cache"]]
            assert queries == expected, (path, response.headers["x-page-cache"])


def test_logged_in_the_user_comes_from_one_query_with_its_profile_and_company(user_page):
    response = user_page.goto("/products/")
    statements = user_page.locator(".query-log li code").all_text_contents()
    user_statements = [sql for sql in statements if 'FROM "auth_user"' in sql]
    assert len(user_statements) == 1
    assert 'JOIN "accounts_profile"' in user_statements[0]
    assert 'JOIN "accounts_company"' in user_statements[0]
    # The session, the user, then the list's own two or three.
    expected = 4 + counted(user_page)
    assert footer_query_count(user_page) == server_timing_query_count(response) == expected

    user_page.goto("/tour/auth-backend/")
    expect(user_page.locator("[data-user-queries]")).to_have_text("1")
    expect(user_page.locator('[data-backend-queries="ModelBackend"]')).to_have_text("3")
    expect(user_page.locator('[data-backend-queries="ProfileModelBackend"]')).to_have_text("1")


def test_the_site_works_without_javascript(chromium, site):
    context = chromium.new_context(
        base_url=site.base_url, extra_http_headers=ROUTER_HEADERS, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/products/")
        page.select_option("#sort", "-price")
        page.get_by_role("button", name="Show").click()
        assert path_of(page) == "/products/?sort=-price&per_page=24"
        page.wait_for_load_state("domcontentloaded")  # every card parsed
        prices = [
            float(text.strip("$").replace(",", ""))
            for text in page.locator(".product-card .price").all_inner_texts()
        ]
        assert prices == sorted(prices, reverse=True)
        page.get_by_role("link", name="Next").click()
        expect(page.locator(".result-count")).to_contain_text("page 2 of 3")
        # The query log opens natively; the script's "Copy SQL" button never appears.
        page.locator(".query-log summary").click()
        expect(page.locator(".query-log li").first).to_be_visible()
        expect(page.locator(".copy-sql")).to_have_count(0)

        page.goto("/tour/")
        links = page.locator("main .tour-list a")
        for index in range(links.count()):
            page.goto("/tour/")
            links.nth(index).click()
            expect(page.locator("main figure.excerpt").first).to_be_visible()
            expect(page.locator("main .live-evidence")).not_to_be_empty()
    finally:
        context.close()
