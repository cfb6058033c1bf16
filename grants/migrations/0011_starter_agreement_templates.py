"""A starter agreement template of each kind, in plain English, for officers to adapt. Kept
short: the funding, payments, monitoring, special conditions and signatures are printed as
schedules in every agreement, so the wording only has to say what they mean."""

from django.db import migrations

GRANT = "\n\n".join(
    (
        "This grant agreement is between {{ funder }} and {{ provider }} for award {{ award_reference }}, {{ "
        "award_title }}, made under {{ approval }}.",
        "1. The grant. We will pay you up to {{ total_value }} to deliver the service described here between "
        "{{ start_date }} and {{ end_date }}: {{ purpose }}",
        "2. Using the money. You will spend the grant only on this service, as set out in the schedules. Tell"
        " us straight away if you expect to underspend or cannot deliver what is agreed. We may ask for money"
        " back that is not spent, or not spent as agreed.",
        "3. Payments. We pay as set out in the payment schedule, once this agreement is accepted and as long "
        "as your monitoring returns are up to date.",
        "4. Monitoring. You will send each monitoring return by its due date, with the figures for the key "
        "performance indicators listed, and tell us of anything that puts the service at risk.",
        "5. Safeguarding and data. You will keep your safeguarding, data protection and insurance "
        "arrangements in place for the whole of the grant, and keep records of how the money was spent for "
        "six years.",
        "6. Changes. Any change to this agreement, including an extension, is made in writing by a variation letter.",
        "Your contact at the OPCC is {{ lead_officer }}.",
    )
)

CONTRACT = "\n\n".join(
    (
        "Dear {{ provider }},",
        "Contract award: {{ award_title }} ({{ award_reference }})",
        "Following our procurement, {{ funder }} is pleased to award you this contract, worth up to {{ "
        "total_value }}, to run from {{ start_date }} to {{ end_date }}. The award was approved under "
        "{{ approval }}.",
        "The service is: {{ purpose }}",
        "The contract is let on the terms of the invitation to tender and your tender, with the schedules "
        "below. Please confirm that you accept by signing and returning this letter. Your contract manager is"
        " {{ lead_officer }}.",
    )
)

SLA = "\n\n".join(
    (
        "This service level agreement between {{ funder }} and {{ provider }} sets out the service to be "
        "delivered under award {{ award_reference }}, {{ award_title }}, from {{ start_date }} to {{ end_date"
        " }}, for up to {{ total_value }}.",
        "The service: {{ purpose }}",
        "Service levels. The provider will meet the targets in the monitoring schedule and report against "
        "them in each monitoring return. Where a target is missed, the provider will explain why and what it "
        "will do about it, and the two parties will meet to agree next steps.",
        "Review. The OPCC's lead officer, {{ lead_officer }}, will review performance with the provider at "
        "least once a quarter.",
    )
)

VARIATION = "\n\n".join(
    (
        "Dear {{ provider }},",
        "Variation {{ variation_reference }} to award {{ award_reference }}, {{ award_title }}",
        "This letter confirms a change to your award: {{ variation_kind }}. The reason for the change is: {{ "
        "variation_reason }}",
        "From the date of this letter, the award runs from {{ start_date }} to {{ end_date }} and is worth up"
        " to {{ total_value }}, as set out in the schedules below. Everything else in your agreement stays "
        "the same.",
        "Please sign and return this letter to confirm that you accept the change.",
    )
)

OFFER = "\n\n".join(
    (
        "Dear {{ provider }},",
        "We are pleased to offer you a grant of up to {{ total_value }} for {{ award_title }} ({{ "
        "award_reference }}), from {{ start_date }} to {{ end_date }}, following your application to our "
        "grant round.",
        "The grant is for: {{ purpose }}",
        "This offer is made on the terms below and in the schedules. To accept it, your authorised signatory "
        "signs this letter. If you have questions, contact {{ lead_officer }}.",
    )
)

STARTERS = (
    ("Standard grant agreement", "grant_agreement", GRANT),
    ("Contract award letter", "contract_award_letter", CONTRACT),
    ("Service level agreement", "sla", SLA),
    ("Variation letter", "variation_letter", VARIATION),
    ("Grant round offer letter", "offer_letter", OFFER),
)


def add_starters(apps, schema_editor):
    AgreementTemplate = apps.get_model("grants", "AgreementTemplate")
    for name, kind, terms in STARTERS:
        if not AgreementTemplate.objects.filter(name__iexact=name).exists():
            AgreementTemplate.objects.create(name=name, kind=kind, terms=terms)


def remove_starters(apps, schema_editor):
    AgreementTemplate = apps.get_model("grants", "AgreementTemplate")
    AgreementTemplate.objects.filter(name__in=[name for name, _kind, _terms in STARTERS], agreements=None).delete()


class Migration(migrations.Migration):
    dependencies = [("grants", "0010_after_the_decision")]

    operations = [migrations.RunPython(add_starters, remove_starters)]
