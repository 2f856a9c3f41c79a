"""A price below 0 is an error on the price field of a form (a validator), and the
constraint's own message says it for other writers: the admin showed the
constraint's name. No change to the database."""

import django.core.validators
from django.db import migrations, models

import config.fields


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_price_reads_any_zero_as_zero"),
    ]

    operations = [
        migrations.AlterField(
            model_name="product",
            name="price",
            field=config.fields.DecimalField(
                decimal_places=2,
                max_digits=10,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AlterConstraint(
            model_name="product",
            name="catalog_product_price_gte_0",
            constraint=models.CheckConstraint(
                condition=models.Q(("price__gte", 0)),
                name="catalog_product_price_gte_0",
                violation_error_message="A price may not be below 0.",
            ),
        ),
    ]
