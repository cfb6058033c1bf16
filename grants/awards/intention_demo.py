"""The demo's links from the Durham awards of ``grants.demo`` to the commissioning intentions of
``needs_assessment.demo`` they fulfil, and the areas each serves when the service is local.

The link is held by the award, so it is written here, through ``grants.services.award_update``:
``needs_assessment`` (a layer below) neither imports nor looks up awards.
"""

from __future__ import annotations

from django.db import transaction

from needs_assessment.demo import COUNTY_DURHAM, DARLINGTON
from needs_assessment.models import Area, CommissioningIntention

from ..models import Award
from ..services import award_update

# intention title -> (award reference, areas it serves; () = the whole force area)
INTENTION_AWARDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Sustain specialist domestic abuse support in County Durham and Darlington": (
        ("AWD-2019-0002", (DARLINGTON,)),
        ("AWD-2019-0005", (COUNTY_DURHAM,)),
    ),
    "Co-commission a new domestic abuse service for Darlington": (("AWD-2020-0002", (DARLINGTON,)),),
    "Meet rising demand for Independent Sexual Violence Advisers": (("AWD-2019-0006", ()),),
    "Hate crime advocacy and prevention in schools": (("AWD-2019-0003", ()), ("AWD-2019-0016", ())),
    "Divert young people and adults from reoffending": (("AWD-2019-0008", ()), ("AWD-2019-0009", ())),
    "Tackle anti-social behaviour and street homelessness in Darlington": (
        ("AWD-2019-0012", (DARLINGTON,)),
        ("AWD-2019-0011", (COUNTY_DURHAM,)),
    ),
    "Pilot a criminal justice victim support role": (("AWD-2020-0001", ()),),
}


@transaction.atomic
def intention_links_seed(*, actor=None) -> int:
    """Name each demo intention on the awards fulfilling it; returns how many awards it linked.
    An award that already names an intention is left alone, and a missing award or intention (the
    other demo not loaded) is skipped, so a second run links nothing."""
    areas = {area.code: area for area in Area.objects.all()}
    intentions = {intention.title.lower(): intention for intention in CommissioningIntention.objects.all()}
    linked = 0
    for title, links in INTENTION_AWARDS.items():
        intention = intentions.get(title.lower())
        if intention is None:
            continue
        for reference, area_codes in links:
            award = Award.objects.filter(reference__iexact=reference).first()
            if award is None or award.intention_id is not None:
                continue
            award_update(
                award=award,
                actor=actor,
                expected_version=None,
                intention=intention,
                areas=[areas[code] for code in area_codes],
            )
            linked += 1
    return linked
