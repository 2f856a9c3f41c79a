"""Take the profile permissions back from the demo's shared staff group (_demo_group.py).

Earlier seeds gave the group `view_profile` and `change_profile`: a login shared by
the demo's visitors listed every account's username and private bio and could edit
any profile. Only a later seed run took them back, and a deployed demo seeds once.
The reverse gives nothing back.
"""

from django.db import migrations

from accounts.migrations._demo_group import withdraw_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_database_cache_tables_whatever_the_cache"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(withdraw_permissions, migrations.RunPython.noop)]
