"""Demo organisations from the Durham 2019/20 published list (``organisations.csv``), plus the
central-government funders and the partners that lead parts of the Force's delivery plan. Idempotent: organisations already present (by name, ignoring
capitals) are left untouched, so a second run writes nothing, not even history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from providers.models import Organisation, OrganisationKind
from providers.services import organisation_create

FUNDERS: tuple[tuple[str, str], ...] = (
    ("Ministry of Justice", OrganisationKind.CENTRAL_GOVERNMENT),
    ("Home Office", OrganisationKind.CENTRAL_GOVERNMENT),
)

# Partners that receive no money but lead activities of the demo delivery plan
# (``force_delivery_plan.csv``): the Force, which owns the plan, and its criminal justice and
# health partners.
PARTNERS: tuple[tuple[str, str], ...] = (
    ("Durham Constabulary", OrganisationKind.POLICE),
    ("National Probation Service", OrganisationKind.PROBATION),
    ("County Durham and Darlington NHS Foundation Trust", OrganisationKind.HEALTH),
    # Reports Victims' Code compliance with the Force and probation (demo.delivery.compliance).
    ("Crown Prosecution Service", OrganisationKind.CENTRAL_GOVERNMENT),
)

# Exact names whose kind the keyword rules below would get wrong or cannot guess.
KIND_BY_NAME: dict[str, str] = {
    "durham constabulary": OrganisationKind.POLICE,
    "durham opcvc": OrganisationKind.PCC,
    "ministry of justice": OrganisationKind.CENTRAL_GOVERNMENT,
    "home office": OrganisationKind.CENTRAL_GOVERNMENT,
    "national probation service": OrganisationKind.PROBATION,
}
# (words in the name, kind), first match wins.
KIND_KEYWORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("council",), OrganisationKind.LOCAL_AUTHORITY),
    (("constabulary", "police service"), OrganisationKind.POLICE),
    (("opcc", "opcvc", "police and crime commissioner", "police, crime"), OrganisationKind.PCC),
    (("ccg", "nhs", "clinical commissioning", "hospital", "health"), OrganisationKind.HEALTH),
    (("probation", "community rehabilitation company", "crc"), OrganisationKind.PROBATION),
    (("housing", "homes"), OrganisationKind.HOUSING),
)


def infer_kind(name: str) -> str:
    """A plausible kind of organisation for a name (voluntary sector unless a rule says otherwise)."""
    lowered = name.strip().lower()
    if lowered in KIND_BY_NAME:
        return KIND_BY_NAME[lowered]
    words = set(lowered.replace(",", " ").split())
    for keywords, kind in KIND_KEYWORDS:
        for keyword in keywords:
            if (" " in keyword and keyword in lowered) or keyword in words:
                return kind
    return OrganisationKind.VOLUNTARY_SECTOR


def organisations_seed(*, rows: Iterable[Mapping[str, str]], actor=None) -> int:
    """Create the organisations named in ``rows`` (the ``organisation`` column) and the funders.

    Returns how many were created.
    """
    wanted: dict[str, tuple[str, str]] = {}
    for row in rows:
        name = (row.get("organisation") or "").strip()
        if name:
            wanted.setdefault(name.lower(), (name, infer_kind(name)))
    for name, kind in FUNDERS:
        wanted.setdefault(name.lower(), (name, kind))

    existing = {name.lower() for name in Organisation.objects.values_list("name", flat=True)}
    created = 0
    for key, (name, kind) in wanted.items():
        if key in existing:
            continue
        organisation_create(actor=actor, name=name, kind=kind)
        created += 1
    return created


def partners_seed(*, actor=None) -> int:
    """Create the delivery plan's partners (``PARTNERS``) not already on the register; returns
    how many were created."""
    existing = {name.lower() for name in Organisation.objects.values_list("name", flat=True)}
    created = 0
    for name, kind in PARTNERS:
        if name.lower() not in existing:
            organisation_create(actor=actor, name=name, kind=kind)
            created += 1
    return created
