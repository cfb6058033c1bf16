"""The demo's Victims' Code compliance: what Durham Constabulary, the Crown Prosecution Service
and the National Probation Service reported each quarter of 2025/26 and the first half of
2026/27 against the MoJ's five key areas of the 2020 Code, and the joint review of the first
quarter of 2026/27 with its actions. Figures are invented but of a believable size; the police's
break down by crime type and sex, as a force's case system can.

Idempotent: a body's figure for a quarter already held is left as it is."""

from __future__ import annotations

import datetime

from delivery.compliance.services import figure_record, review_action_create, review_meeting_create
from delivery.models import ComplianceFigure, ComplianceMeasure, ReviewMeeting
from providers.models import Organisation

# body -> {measure key: (victims in the first quarter, percent met in the first quarter)}; each
# later quarter has a few more victims and a point more met, so the trend shows.
BODIES = {
    "Durham Constabulary": {
        "acknowledgement": (1480, 86),
        "referral": (1480, 71),
        "updates": (1210, 64),
        "vps": (930, 58),
    },
    "Crown Prosecution Service": {"updates": (410, 77), "vps": (395, 69)},
    "National Probation Service": {"release": (88, 82)},
}
QUARTERS = ((2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2))
REVIEW = (2026, 1, datetime.date(2026, 7, 22))


def _figures(victims: int, percent: int, step: int) -> tuple[int, int]:
    denominator = victims + 25 * step
    return denominator * min(percent + step, 99) // 100, denominator


def _police_breakdown(numerator: int, denominator: int) -> dict:
    """Domestic abuse and burglary victims, and victims by sex, as parts of the whole."""
    abuse, burglary = denominator * 3 // 10, denominator // 8
    female = denominator * 11 // 20
    return {
        "crime_type": {
            "Domestic abuse": [numerator * 3 // 10, abuse],
            "Burglary": [numerator // 8, burglary],
        },
        "sex": {"Female": [numerator * 11 // 20, female], "Male": [numerator * 2 // 5, denominator * 2 // 5]},
    }


def compliance_seed(*, officer) -> int:
    """Record the demo's figures and review; returns how many records were created."""
    measures = {measure.key: measure for measure in ComplianceMeasure.objects.filter(edition__in_force_to=None)}
    if not measures:
        return 0
    created = 0
    for name, reported in BODIES.items():
        body = Organisation.objects.filter(name__iexact=name).first()
        if body is None:
            continue
        for step, (fy, quarter) in enumerate(QUARTERS):
            for key, (victims, percent) in reported.items():
                held = ComplianceFigure.objects.filter(body=body, measure=measures[key], fy=fy, quarter=quarter)
                if held.exists():
                    continue
                numerator, denominator = _figures(victims, percent, step)
                breakdown = _police_breakdown(numerator, denominator) if name == "Durham Constabulary" else None
                figure_record(
                    actor=officer,
                    body=body,
                    measure=measures[key],
                    fy=fy,
                    quarter=quarter,
                    numerator=numerator,
                    denominator=denominator,
                    breakdown=breakdown,
                )
                created += 1
    return created + _review_seed(officer=officer)


def _review_seed(*, officer) -> int:
    fy, quarter, held_on = REVIEW
    if ReviewMeeting.objects.filter(fy=fy, quarter=quarter).exists():
        return 0
    bodies = list(Organisation.objects.filter(name__in=BODIES))
    meeting = review_meeting_create(
        actor=officer,
        fy=fy,
        quarter=quarter,
        held_on=held_on,
        bodies=bodies,
        notes="Victim Personal Statements are still offered to fewer than two in three victims; referral to "
        "support has improved since the Victim Care and Advice Service began taking referrals by phone.",
    )
    police = next((body for body in bodies if body.name == "Durham Constabulary"), None)
    review_action_create(
        actor=officer,
        meeting=meeting,
        action="Add the Victim Personal Statement offer to the statement-taking checklist and audit 50 files.",
        body=police,
        owner="Head of Criminal Justice, Durham Constabulary",
        due_on=datetime.date(2026, 10, 31),
    )
    review_action_create(
        actor=officer,
        meeting=meeting,
        action="Report the updates measure by crime type from the next quarter.",
        owner="Victims' Commissioning Lead, OPCC",
        due_on=datetime.date(2026, 9, 30),
    )
    return 3
