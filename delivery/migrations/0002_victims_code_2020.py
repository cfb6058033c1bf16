"""The Code of Practice for Victims of Crime in England and Wales of 2020 (in force from 1 April
2021): its twelve rights, and the five key areas the Ministry of Justice asks PCCs to report
compliance with each quarter.

Data, not code: a later edition (a new Code was consulted on in February 2026) is added on the
Code's page, with its own rights and measures, and this one is closed by its ``in_force_to``.
The rights' titles are short paraphrases for tables and files; the Code has the full wording."""

import datetime

from django.db import migrations

EDITION = "Code of Practice for Victims of Crime 2020"

RIGHTS = (
    (1, "To understand and to be understood"),
    (2, "To have the details of the crime recorded without unjustified delay"),
    (3, "To be given information when reporting the crime"),
    (4, "To be referred to services that support victims, with support tailored to your needs"),
    (5, "To be given information about compensation"),
    (6, "To be given information about the investigation and prosecution"),
    (7, "To make a Victim Personal Statement"),
    (8, "To be given information about the trial and your role as a witness"),
    (9, "To be given information about the outcome of the case and any appeals"),
    (10, "To be paid expenses and to have property returned"),
    (11, "To be given information about the offender following a conviction"),
    (12, "To make a complaint about your rights not being met"),
)

# (position, key, right, name, description)
MEASURES = (
    (
        1,
        "acknowledgement",
        3,
        "Written acknowledgement of the crime report",
        "Victims who reported a crime and were given a written acknowledgement of it.",
    ),
    (
        2,
        "referral",
        4,
        "Referral to support services",
        "Victims referred to a support service (or told how to refer themselves) where they wished.",
    ),
    (
        3,
        "updates",
        6,
        "Timely, good-quality updates",
        "Victims kept informed about the investigation and prosecution within the Code's time limits.",
    ),
    (
        4,
        "vps",
        7,
        "Offer of a Victim Personal Statement",
        "Victims offered the chance to make a Victim Personal Statement.",
    ),
    (
        5,
        "release",
        11,
        "Advance notice of an offender's release",
        "Victims in the Victim Contact Scheme told before the offender's release.",
    ),
)


def add_2020_code(apps, schema_editor):
    CodeEdition = apps.get_model("delivery", "CodeEdition")
    CodeRight = apps.get_model("delivery", "CodeRight")
    ComplianceMeasure = apps.get_model("delivery", "ComplianceMeasure")
    edition, _created = CodeEdition.objects.get_or_create(
        name=EDITION, defaults={"in_force_from": datetime.date(2021, 4, 1)}
    )
    rights = {}
    for number, title in RIGHTS:
        rights[number], _created = CodeRight.objects.get_or_create(
            edition=edition, number=number, defaults={"title": title}
        )
    for position, key, right, name, description in MEASURES:
        ComplianceMeasure.objects.get_or_create(
            edition=edition,
            key=key,
            defaults={"right": rights[right], "name": name, "description": description, "position": position},
        )


def remove_2020_code(apps, schema_editor):
    CodeEdition = apps.get_model("delivery", "CodeEdition")
    ComplianceFigure = apps.get_model("delivery", "ComplianceFigure")
    # Figures hold the measures (PROTECT): an edition with returns recorded against it stays.
    if not ComplianceFigure.objects.filter(measure__edition__name=EDITION).exists():
        CodeEdition.objects.filter(name=EDITION).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_2020_code, remove_2020_code),
    ]
