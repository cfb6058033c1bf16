from django.db import migrations

# Plan delivery's role (pcc_commissioning.roles.Role.PARTNER).
ROLE_GROUPS = ("Partner contributor",)


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("pcc_commissioning", "0005_round_roles")]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
