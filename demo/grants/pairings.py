"""Which organisation each delivery-plan row is paid to, and the awards beyond the plan."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from grants.models import (
    AwardKind,
    AwardStatus,
)

from .streams import MOJ_CORE, MOJ_GENERAL, PARTNERS, POLICE_GRANT, PRECEPT

# The pairing of delivery-plan rows with organisations ------------------------------------------


@dataclass(frozen=True)
class Pairing:
    """One delivery-plan row (``title``) and the ``organisations.csv`` row (``organisation`` and
    ``purpose``) it is paid to, with what the published tables do not say."""

    reference: str
    title: str
    organisation: str
    purpose: str
    split: tuple[tuple[str, int], ...]  # (stream, weight): the year's spend split in these proportions
    moj_category: str = ""
    cofunder: str = ""  # a co-commissioning partner paying its share directly
    refund: tuple[Decimal, str] | None = None  # (amount refunded after 2019/20, reason)


PAIRINGS: tuple[Pairing, ...] = (
    # Victims services
    Pairing(
        "AWD-2019-0001",
        "Victim referral, assessment and support",
        "Safe in Tees Valley",
        "Victim needs assessment and referral service",
        ((MOJ_CORE, 1),),
        moj_category="general_support",
    ),
    Pairing(
        "AWD-2019-0002",
        "Domestic abuse support services (Darlington)",
        "Darlington Borough Council",
        "Domestic abuse services",
        ((MOJ_CORE, 1),),
        moj_category="domestic_abuse",
    ),
    Pairing(
        "AWD-2019-0003",
        "Hate crime advocacy service",
        "DAD",
        "Hate crime advocacy for victims of crime",
        ((MOJ_CORE, 1),),
        moj_category="hate_crime",
    ),
    # The cross-government definition of domestic abuse includes forced marriage, so-called
    # honour-based violence and FGM.
    Pairing(
        "AWD-2019-0004",
        "Forced marriage, so-called honour-based violence and FGM",
        "HALO",
        "Forced marriage, HBV and FGM",
        ((MOJ_CORE, 1),),
        moj_category="domestic_abuse",
    ),
    Pairing(
        "AWD-2019-0005",
        "Domestic abuse support services (County Durham)",
        "Harbour",
        "Specialist support for victims of domestic abuse and their families",
        ((MOJ_CORE, 66), (MOJ_GENERAL, 60)),
        moj_category="idva",
        cofunder="Durham County Council",
    ),
    Pairing(
        "AWD-2019-0006",
        "Rape and sexual assault services",
        "RSACC",
        "ISVA provision",
        ((MOJ_CORE, 645), (MOJ_GENERAL, 950)),
        moj_category="isva",
    ),
    Pairing(
        "AWD-2019-0007",
        "Restorative justice service",
        "Durham Agency Against Crime",
        "Restorative Hub; Mini Police; contributions",
        ((MOJ_CORE, 1200), (PRECEPT, 363)),
        moj_category="restorative_justice",
        refund=(Decimal("4300.00"), "Underspend on volunteer training, returned after the year-end reconciliation"),
    ),
    # Reducing reoffending
    Pairing(
        "AWD-2019-0008",
        "Youth Offending Service (YOS)",
        "Durham County Council",
        "Contribution to YOS",
        ((POLICE_GRANT, 2500), (PRECEPT, 1323)),
    ),
    Pairing(
        "AWD-2019-0009",
        "Adult offenders diversionary service",
        "Durham OPCVC",
        "Checkpoint project",
        ((POLICE_GRANT, 2000), (PRECEPT, 526)),
    ),
    # Community safety and prevention
    Pairing(
        "AWD-2019-0010",
        "Community mediation service",
        "Durham Agency Against Crime",
        "Restorative Hub; Mini Police; contributions",
        ((PRECEPT, 1),),
    ),
    Pairing(
        "AWD-2017-0001",
        "Supporting community initiatives",
        "County Durham Community Foundation",
        "Community Safety Fund for new voluntary-sector activities",
        ((POLICE_GRANT, 1),),
    ),
    Pairing(
        "AWD-2019-0011", "Reducing anti-social behaviour", "Durham County Council", "ASB officers", ((POLICE_GRANT, 1),)
    ),
    Pairing(
        "AWD-2019-0012",
        "Reducing anti-social behaviour and preventing homelessness",
        "700 Club",
        "Trailblazer",
        ((PRECEPT, 49), (PARTNERS, 20)),
    ),
    Pairing(
        "AWD-2019-0013",
        "Community peer mentors",
        "Safe in Tees Valley",
        "Community peer mentors",
        ((POLICE_GRANT, 10), (PRECEPT, 7)),
    ),
    Pairing(
        "AWD-2019-0014",
        "Children and young people diversionary activities",
        "Durham Agency Against Crime",
        "Restorative Hub; Mini Police; contributions",
        ((PRECEPT, 1),),
    ),
    Pairing(
        "AWD-2019-0015",
        "Voluntary and community sector",
        "Durham Community Action",
        "VCS infrastructure support",
        ((PRECEPT, 1),),
    ),
    Pairing(
        "AWD-2019-0016",
        "Reducing hate crime",
        "Show Racism the Red Card",
        "Anti-racism education in schools",
        ((PRECEPT, 1),),
    ),
)


@dataclass(frozen=True)
class ExtraAward:
    """An award beyond the delivery plan, to show the statuses an active plan does not."""

    reference: str
    title: str
    organisation: str
    priority: str
    kpqs: tuple[int, ...]
    kind: str
    status: str  # planned, procuring or cancelled
    start_date: datetime.date
    end_date: datetime.date
    lines: tuple[tuple[str, int, Decimal], ...]  # (stream, fy, amount)
    purpose: str
    key_activity: str = ""
    moj_category: str = ""
    note: str = ""  # why it was cancelled
    draft_decision: str = ""


EXTRA_AWARDS: tuple[ExtraAward, ...] = (
    ExtraAward(
        "AWD-2020-0001",
        "Criminal justice victim support role (pilot)",
        "Safe in Tees Valley",
        "Victims services",
        (3,),
        AwardKind.GRANT,
        AwardStatus.PLANNED,
        datetime.date(2020, 4, 1),
        datetime.date(2021, 3, 31),
        ((MOJ_CORE, 2020, Decimal("45000")),),
        purpose="Pilot criminal justice victim support role",
        key_activity="Set up pilot, evaluate, decide",
        moj_category="general_support",
        draft_decision="PCC-2020-001",
    ),
    ExtraAward(
        "AWD-2020-0002",
        "Domestic abuse services (Darlington): new co-commissioned contract",
        "Darlington Borough Council",
        "Victims services",
        (3, 4),
        AwardKind.CONTRACT,
        AwardStatus.PROCURING,
        datetime.date(2020, 7, 1),
        datetime.date(2021, 3, 31),
        ((MOJ_CORE, 2020, Decimal("21000")),),
        purpose="Domestic abuse services",
        key_activity="Co-commission new contract(s)",
        moj_category="domestic_abuse",
    ),
    ExtraAward(
        "AWD-2020-0003",
        "Unit 34 Darlington contributions 2020/21",
        "Age UK Darlington",
        "Community safety and prevention",
        (1,),
        AwardKind.GRANT,
        AwardStatus.CANCELLED,
        datetime.date(2020, 4, 1),
        datetime.date(2021, 3, 31),
        ((PRECEPT, 2020, Decimal("8000")),),
        purpose="Unit 34 Darlington contributions",
        key_activity="Monitor and evaluate",
        note="Not renewed: the 2019/20 evaluation found the need is met through the Darlington Partnership.",
    ),
)
