"""The price reads a zero written with any exponent as a plain zero (config/fields.py):
no change to the column, which stays numeric(10, 2)."""

from django.db import migrations

import config.fields


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_product_change_image_permission"),
    ]

    operations = [
        migrations.AlterField(
            model_name="product",
            name="price",
            field=config.fields.DecimalField(decimal_places=2, max_digits=10),
        ),
    ]
