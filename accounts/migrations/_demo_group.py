"""What migrations 0006 and 0007 do, in a module the migration loader skips (its name
starts with "_") so a test can call it: the permissions earlier seeds gave the
demo's shared staff group and later ones take back (accounts/demo_accounts.py),
taken back on the release that brings this, not only when someone seeds again."""

GROUP = "Demo staff"
# (app label, codename): frozen here, as a migration's data must not follow the code.
WITHDRAWN = (("accounts", "view_profile"), ("accounts", "change_profile"))


def withdraw_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    for app_label, codename in WITHDRAWN:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )


PICTURE_ONLY = ("catalog", "product", "change_product_image", "Can change a product's picture only")
CHANGE_PRODUCTS = ("catalog", "change_product")


def picture_only(apps, schema_editor):
    """The group changes products' pictures only (0007): `change_product` let every
    visitor of the demo rename, reprice or unpublish the public catalog. Django makes
    a model's permissions after the migrations run, so the new one is made here."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    app_label, model, codename, name = PICTURE_ONLY
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    group.permissions.add(permission)
    app_label, codename = CHANGE_PRODUCTS
    group.permissions.remove(
        *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    )
