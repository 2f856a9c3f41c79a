"""What migration 0006 does, in a module the migration loader skips (its name starts
with "_") so a test can call it: the permissions earlier seeds gave the demo's
shared staff group and later ones take back (accounts/demo_accounts.py), taken
back on the release that brings this, not only when someone seeds again."""

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
