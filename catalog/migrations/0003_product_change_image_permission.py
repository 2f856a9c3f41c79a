"""A permission to change a product's picture only (catalog/admin.py ProductAdmin)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_image_checked_by_content"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="product",
            options={
                "ordering": ["name", "id"],
                "permissions": [("change_product_image", "Can change a product's picture only")],
            },
        ),
    ]
