from django.db import migrations

# The grant rounds' roles (pcc_commissioning.roles.Role).
ROLE_GROUPS = ("Applicant", "Assessor")


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("pcc_commissioning", "0004_shared_cache_table")]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
