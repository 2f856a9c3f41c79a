"""`manage.py seed_catalog --products N --features-per-product K`: demo data.

Repeatable (`--seed`), inserted in bulk batches, with progress on long runs.
Runs anywhere the app runs, Heroku included (`heroku run python manage.py
seed_catalog --products 1000`): no dev packages. Every product gets a picture
of its noun drawn in its colour (catalog/product_images.py), stored once on
the media storage and shared; if the storage fails, nothing is seeded.
"""

import time

from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from catalog import demo_data, pagecache, product_images
from catalog.models import Category, Feature, Product
from config.commands import DatabaseCommand, whole_number
from config.media import versions

BATCH = 5000
MAX_PRODUCTS = demo_data.MAX_PRODUCTS
# And at most this many features an insert (the default batch's, at 5 a product):
# --batch-size counts products, and at the most features a product may have
# (32,768) the default 200 products were 6.5 million instances, about 2 GB.
FEATURES_PER_BATCH = 25_000
TABLES = (Category, Product, Feature)


class Command(DatabaseCommand):
    help = "Add realistic demo products with their features to the catalog."

    def add_arguments(self, parser):
        parser.add_argument(
            "--products",
            type=whole_number,
            default=200,
            help=f"how many (default 200, at most {MAX_PRODUCTS:,})",
        )
        parser.add_argument(
            "--features-per-product",
            type=whole_number,
            default=5,
            # A feature's position is a small integer, numbered from 0 (handle() checks).
            help="features each (default 5, at most 32,768)",
        )
        parser.add_argument("--seed", type=whole_number, default=1, help="same seed, same catalog")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when products already exist"
        )
        parser.add_argument(
            "--clear", action="store_true", help="delete every product and category first"
        )
        parser.add_argument(
            "--batch-size",
            type=whole_number,
            default=BATCH,
            help=f"products per insert (default {BATCH})",
        )

    def handle(
        self, *args, products, features_per_product, seed, if_empty, clear, batch_size, **options
    ):
        if if_empty and clear:
            raise CommandError(
                "--if-empty and --clear contradict each other: --if-empty seeds only an "
                "empty catalog, --clear empties it first."
            )
        if products < 0 or features_per_product < 0 or batch_size < 1:
            raise CommandError(
                "--products and --features-per-product must be 0 or more, --batch-size 1 or more."
            )
        if products > MAX_PRODUCTS:
            raise CommandError(
                f"--products can be at most {MAX_PRODUCTS:,} in one run: it seeds in one "
                "transaction. Run it again to add more."
            )
        positions = Feature._meta.get_field("position").get_internal_type()
        most = connection.ops.integer_field_range(positions)[1] + 1  # numbered from 0
        if features_per_product > most:
            raise CommandError(
                f"--features-per-product can be at most {most:,}: "
                "a feature's position is a small integer."
            )
        if if_empty and Product.objects.exists():
            self.stdout.write("The catalog already has products: nothing seeded.")
            self.restore_pictures()
            return
        started = time.perf_counter()
        try:
            with transaction.atomic():
                if clear:
                    # Plain DELETEs: QuerySet.delete() would load every row to send the
                    # delete signals the page cache listens to; it is cleared below.
                    with connection.cursor() as cursor:
                        for model in reversed(TABLES):  # features first, categories last
                            cursor.execute(
                                # The model's own table name, quoted: no input reaches it.
                                f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}"  # noqa: S608
                            )
                categories = self.categories()
                specs = demo_data.products(
                    products,
                    features_per_product,
                    seed=seed,
                    first_number=(Product.objects.aggregate(Max("id"))["id__max"] or 0) + 1,
                    now=timezone.now(),
                    taken=set(Product.objects.values_list("name", flat=True).distinct()),
                )
                done = 0
                images: dict[tuple[str, str], product_images.StoredImage] = {}
                batch_size = min(
                    batch_size, max(1, FEATURES_PER_BATCH // max(1, features_per_product))
                )
                while done < products:
                    batch = [next(specs) for _ in range(min(batch_size, products - done))]
                    self.store_images(batch, images)
                    self.insert(batch, categories, images)
                    done += len(batch)
                    if products > batch_size:
                        self.stdout.write(
                            f"  {done:,} / {products:,} products "
                            f"({time.perf_counter() - started:.1f} s)"
                        )
        except IntegrityError as error:  # rolled back: nothing of this run was written
            diagnosis = getattr(error.__cause__, "diag", None)
            detail = getattr(diagnosis, "message_detail", None) or str(error).splitlines()[0]
            raise CommandError(
                f"A row already in the catalog is in the way: {detail} Nothing was seeded: "
                "change it in the admin, or empty the catalog with --clear."
            ) from error
        # bulk_create sends no signals: drop the cached list pages here.
        pagecache.invalidate()
        # Fresh statistics now, not when autovacuum gets to it: a plan made for
        # the empty tables would scan where an index serves.
        with connection.cursor() as cursor:
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in TABLES)
            cursor.execute(f"ANALYZE {tables}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {counted(products, 'product')} with "
                f"{counted(products * features_per_product, 'feature')} "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )

    def categories(self) -> dict[str, Category]:
        """The demo's categories by their slugs: one of that slug, else of that name
        (staff may have made "Kitchen" at a slug of their own: the name is unique
        too), else a new one."""
        by_slug = {}
        for spec in demo_data.CATEGORIES:
            by_slug[spec.slug] = (
                Category.objects.filter(slug=spec.slug).first()
                or Category.objects.filter(name=spec.name).first()
                or Category.objects.create(
                    slug=spec.slug, name=spec.name, description=spec.description
                )
            )
        return by_slug

    def restore_pictures(self) -> None:
        """Store again the demo pictures products show that the storage lost."""
        in_use = set(
            Product.objects.filter(image__startswith=f"{product_images.FOLDER}/")
            .values_list("image", flat=True)
            .distinct()
        )
        if not in_use:
            return
        pictures = [
            (noun.picture, colour, demo_data.COLOURS[colour])
            for category in demo_data.CATEGORIES
            for noun in category.nouns
            for colour in category.colours
        ]
        try:
            restored, still_lost = product_images.restore(in_use, pictures)
        except versions.storage_errors() as error:
            # Nothing to seed, so not a failure: the pages show without pictures.
            self.stderr.write(f"Could not check the product pictures on the media storage: {error}")
            return
        if restored:
            self.stdout.write(f"Stored {counted(len(restored), 'missing product picture')} again.")
        if still_lost:
            names = sorted(still_lost)
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            one = len(names) == 1
            self.stderr.write(
                f"{len(names)} product {'picture is' if one else 'pictures are'} missing and "
                f"{'is no drawing' if one else 'are no drawings'} of this version (an earlier "
                f"Pillow or drawing made {'it' if one else 'them'}): {shown}. Their products "
                "show no picture: give them one in the admin, or seed the demo catalog anew "
                "with `manage.py seed_catalog --clear`, which deletes every product and "
                "category first, staff's own too."
            )

    def store_images(self, batch: list[demo_data.ProductSpec], images: dict) -> None:
        """Add to `images` the pictures this batch needs and earlier ones did not."""
        missing = {(spec.picture, spec.colour) for spec in batch} - images.keys()
        if not missing:
            return
        try:
            images |= product_images.stored_images(
                (picture, colour, demo_data.COLOURS[colour]) for picture, colour in sorted(missing)
            )
        except versions.storage_errors() as error:
            # Inside the transaction: raising rolls back whatever this run wrote.
            raise CommandError(
                f"Could not store the product images on the media storage ({error}). "
                "Nothing was seeded; check the AWS_* settings and that the bucket is reachable."
            ) from error

    def insert(
        self, batch: list[demo_data.ProductSpec], categories: dict[str, Category], images: dict
    ) -> None:
        created = Product.objects.bulk_create(
            Product(
                image=(image := images[spec.picture, spec.colour]).name,
                image_width=image.width,
                image_height=image.height,
                name=spec.name,
                slug=spec.slug,
                description=spec.description,
                price=spec.price,
                category=categories[spec.category.slug],
                is_published=spec.is_published,
                created_at=spec.created_at,
            )
            for spec in batch
        )
        Feature.objects.bulk_create(
            Feature(product_id=product.pk, name=name, value=value, position=position)
            for product, spec in zip(created, batch, strict=True)
            for position, (name, value) in enumerate(spec.features)
        )


def counted(number: int, noun: str) -> str:
    """The number with its noun: "1 product", "2 products"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
