"""Seed the code lists every deployment needs (docs/formats.md, "Code lists"), open-ended so
they cover historic data.

The data is written out here, not imported from the app, so this migration keeps meaning what
it meant when it was written. Labels and definitions may be refined later in the admin; the
codes are a public contract (import and export columns use them).
"""

from django.db import migrations

# list -> [(code, label, definition), ...] in display order.
SEED = {
    "crime": [
        ("domestic_abuse", "Domestic abuse",
         "Abuse between people aged 16 or over who are or have been intimate partners or family "
         "members, whether physical, sexual, controlling or coercive, economic, psychological or emotional."),
        ("sexual_violence", "Sexual violence",
         "Rape, sexual assault and other sexual offences, recent or non-recent."),
        ("violence", "Violence against the person",
         "Violence with or without injury, other than domestic abuse or sexual violence."),
        ("hate_crime", "Hate crime",
         "A crime perceived by the victim or anyone else to be motivated by hostility towards a "
         "personal characteristic: disability, race, religion, sexual orientation or transgender identity."),
        ("asb", "Anti-social behaviour",
         "Behaviour that caused or was likely to cause harassment, alarm or distress, whether or "
         "not it was also a crime."),
        ("burglary_theft", "Burglary and theft",
         "Burglary, robbery, vehicle crime and other theft or criminal damage to property."),
        ("fraud", "Fraud and cyber crime",
         "Fraud, scams and computer misuse, including online and doorstep fraud."),
        ("other", "Other crime", "Any crime not in the other categories."),
    ],
    "age": [
        ("under_18", "Under 18", "Aged 17 or younger when first supported."),
        ("18_24", "18 to 24", "Aged 18 to 24 when first supported."),
        ("25_34", "25 to 34", "Aged 25 to 34 when first supported."),
        ("35_49", "35 to 49", "Aged 35 to 49 when first supported."),
        ("50_64", "50 to 64", "Aged 50 to 64 when first supported."),
        ("65_plus", "65 and over", "Aged 65 or older when first supported."),
        ("unknown", "Not known", "Age not recorded or the person chose not to say."),
    ],
    "sex": [
        ("female", "Female", "The person describes their sex as female."),
        ("male", "Male", "The person describes their sex as male."),
        ("other", "Other", "The person describes their sex in another way."),
        ("unknown", "Not known", "Sex not recorded or the person chose not to say."),
    ],
    "ethnicity": [
        ("asian", "Asian or Asian British",
         "ONS group: Indian, Pakistani, Bangladeshi, Chinese or any other Asian background."),
        ("black", "Black, Black British, Caribbean or African",
         "ONS group: Caribbean, African or any other Black background."),
        ("mixed", "Mixed or multiple ethnic groups",
         "ONS group: White and Black Caribbean, White and Black African, White and Asian or any "
         "other mixed or multiple background."),
        ("white", "White",
         "ONS group: English, Welsh, Scottish, Northern Irish or British, Irish, Gypsy or Irish "
         "Traveller, Roma or any other White background."),
        ("other", "Other ethnic group", "ONS group: Arab or any other ethnic group."),
        ("unknown", "Not known", "Ethnicity not recorded or the person chose not to say."),
    ],
    "disability": [
        ("yes", "Disabled",
         "The person says they have a physical or mental health condition or illness that "
         "reduces their ability to carry out day-to-day activities."),
        ("no", "Not disabled", "The person says they have no such condition."),
        ("unknown", "Not known", "Not recorded or the person chose not to say."),
    ],
    "outcome": [
        ("cope_recover", "Improved ability to cope and recover",
         "The victim reports they are better able to cope with everyday life and recover from the crime."),
        ("health_wellbeing", "Improved health and wellbeing",
         "The victim reports better physical or mental health and wellbeing."),
        ("feel_safer", "Feel safer",
         "The victim reports feeling safer at home, online or in the community."),
        ("informed_empowered", "Better informed and empowered",
         "The victim reports knowing their rights and options and feeling able to act on them."),
        ("engage_cjs", "Better able to engage with the criminal justice system",
         "The victim reports being better able to report, give evidence or otherwise take part in "
         "criminal justice processes."),
    ],
    "moj_category": [
        ("general_support", "General victim support",
         "Emotional and practical support for victims of any crime, including needs assessment and referral."),
        ("domestic_abuse", "Domestic abuse support",
         "Services for victims of domestic abuse other than IDVA posts, such as outreach, refuge "
         "support and helplines."),
        ("sexual_violence", "Sexual violence support",
         "Services for victims of sexual violence other than ISVA posts, such as counselling and "
         "therapeutic support."),
        ("restorative_justice", "Restorative justice",
         "Bringing victims into communication with those responsible for the harm, with the victim's consent."),
        ("isva", "Independent Sexual Violence Adviser (ISVA)",
         "A trained adviser who gives victims of sexual violence independent support and advocacy, "
         "including through the criminal justice process."),
        ("idva", "Independent Domestic Violence Adviser (IDVA)",
         "A trained adviser who works with high-risk victims of domestic abuse to make them and "
         "their children safe."),
        ("hate_crime", "Hate crime support",
         "Services for victims of hate crime, including third-party reporting."),
        ("children_young_people", "Children and young people",
         "Services designed for victims under 18 and young people in transition to adult services."),
        ("other", "Other victim services", "Victim services not in the other categories."),
    ],
}


def seed_code_lists(apps, schema_editor):
    CodeListEntry = apps.get_model("outcomes", "CodeListEntry")
    for list_name, entries in SEED.items():
        for position, (code, label, definition) in enumerate(entries, start=1):
            CodeListEntry.objects.get_or_create(
                list=list_name,
                code=code,
                valid_from_fy=None,
                defaults={
                    "label": label,
                    "definition": definition,
                    "valid_to_fy": None,
                    "sort_order": position * 10,
                },
            )


def unseed_code_lists(apps, schema_editor):
    CodeListEntry = apps.get_model("outcomes", "CodeListEntry")
    for list_name, entries in SEED.items():
        CodeListEntry.objects.filter(
            list=list_name,
            code__in=[code for code, _label, _definition in entries],
            valid_from_fy__isnull=True,
            valid_to_fy__isnull=True,
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]

    operations = [migrations.RunPython(seed_code_lists, unseed_code_lists)]
