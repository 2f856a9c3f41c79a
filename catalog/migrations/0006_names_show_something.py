"""Names a page shows must show something and reorder nothing (config/names.py).
No change to the database."""

from django.db import migrations, models

import config.names


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_price_below_zero_is_a_field_error"),
    ]

    operations = [
        migrations.AlterField(
            model_name="category",
            name="name",
            field=models.CharField(
                max_length=100, unique=True, validators=[config.names.validate_name]
            ),
        ),
        migrations.AlterField(
            model_name="feature",
            name="name",
            field=models.CharField(max_length=100, validators=[config.names.validate_name]),
        ),
        migrations.AlterField(
            model_name="product",
            name="name",
            field=models.CharField(max_length=200, validators=[config.names.validate_name]),
        ),
    ]
