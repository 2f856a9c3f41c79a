"""The browser tests' site data: who can log in, and which pages they visit.

`python -m tests.e2e.sitedata` runs in the web process's own environment (after
`seed_catalog`, which gives every product its noun's picture on the versioned
media bucket) and creates, through the app's own code:

- a company with a member: a normal user with a display name, a bio and a company;
- a staff user (superuser) for the admin.

It prints, as JSON, the slugs the tests visit and the first product's picture
(the bucket key the restore scenario deletes and restores). The tests import
the names and passwords from here.
"""

import json

PASSWORD = "e2e-Correct-Horse-42"
USER = "ada"
USER_NAME = "Ada Lovelace"
STAFF = "grace"
COMPANY_NAME = "Analytical Engines Ltd"
COMPANY_SLUG = "analytical-engines"


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

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

    # The seeded picture, shared with the other products of its noun and colour.
    product = Product.objects.published().exclude(image="").select_related("category").first()
    print(
        json.dumps(
            {
                "product": product.slug,
                "image": product.image.name,
                "category": product.category.slug,
                "company": COMPANY_SLUG,
            }
        )
    )


if __name__ == "__main__":
    main()
