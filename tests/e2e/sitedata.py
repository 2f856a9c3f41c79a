"""The browser tests' site data: who can log in, and a few product images.

`python -m tests.e2e.sitedata` runs in the web process's own environment (after
`seed_catalog`) and creates, through the app's own code:

- a company with a member: a normal user with a display name, a bio and a company;
- a staff user (superuser) for the admin;
- an image for each of the first IMAGED_PRODUCTS products by name, stored on the
  versioned media bucket exactly as an upload is (width and height recorded).

It prints, as JSON, the slugs the tests visit. The tests import the names and
passwords from here.
"""

import io
import json

PASSWORD = "e2e-Correct-Horse-42"
USER = "ada"
USER_NAME = "Ada Lovelace"
STAFF = "grace"
COMPANY_NAME = "Analytical Engines Ltd"
COMPANY_SLUG = "analytical-engines"
IMAGED_PRODUCTS = 3
IMAGE_SIZE = (480, 360)


def png(size: tuple[int, int] = IMAGE_SIZE, colour: str = "#0b57d0") -> bytes:
    """A real PNG file made by Pillow: a coloured disc on a light background."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "#e9edf3")
    width, height = size
    radius = min(width, height) // 3
    centre = (width // 2, height // 2)
    ImageDraw.Draw(image).ellipse(
        (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius),
        fill=colour,
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from accounts.models import Company
    from accounts.profiles import create_user_with_profile
    from catalog.models import Product

    company = Company.objects.create(
        name=COMPANY_NAME, slug=COMPANY_SLUG, website="https://example.com/"
    )
    user = create_user_with_profile(
        username=USER, email="ada@example.com", password=PASSWORD, display_name=USER_NAME
    )
    user.profile.bio = "Writes programs for engines that do not exist yet."
    user.profile.company = company
    user.profile.save()
    get_user_model().objects.create_superuser(STAFF, "grace@example.com", PASSWORD)

    colours = ["#0b57d0", "#146c2e", "#b06000"]
    imaged = list(Product.objects.published()[:IMAGED_PRODUCTS])
    for product, colour in zip(imaged, colours, strict=False):
        # Named content: Django reads the width and height from it as it saves.
        name = f"{product.slug}.png"
        product.image.save(name, ContentFile(png(colour=colour), name=name), save=True)
    print(
        json.dumps(
            {
                "product": imaged[0].slug,
                "image": imaged[0].image.name,
                "category": imaged[0].category.slug,
                "company": COMPANY_SLUG,
            }
        )
    )


if __name__ == "__main__":
    main()
