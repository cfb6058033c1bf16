"""The national dataset's organisations: one OPCC per force and the providers."""

from __future__ import annotations

import random
from collections.abc import Callable

from providers.identifiers import derive_org_id
from providers.models import Organisation, OrganisationKind

from .common import FORCES, FULL_PROVIDERS, _bulk, _Context, _Force, _slug, _split_count

PLACES: tuple[str, ...] = (
    "Aberystwyth",
    "Accrington",
    "Aldershot",
    "Alnwick",
    "Andover",
    "Ashford",
    "Aylesbury",
    "Banbury",
    "Bangor",
    "Barnsley",
    "Barnstaple",
    "Barrow",
    "Basildon",
    "Basingstoke",
    "Bath",
    "Bedford",
    "Birkenhead",
    "Blackburn",
    "Blackpool",
    "Bodmin",
    "Bolton",
    "Boston",
    "Bournemouth",
    "Bradford",
    "Brecon",
    "Bridgend",
    "Bridgwater",
    "Brighton",
    "Bristol",
    "Burnley",
    "Bury",
    "Caerphilly",
    "Cambridge",
    "Canterbury",
    "Cardiff",
    "Carlisle",
    "Carmarthen",
    "Chelmsford",
    "Cheltenham",
    "Chester",
    "Chesterfield",
    "Chichester",
    "Colchester",
    "Coventry",
    "Crawley",
    "Crewe",
    "Darlington",
    "Derby",
    "Doncaster",
    "Dorchester",
    "Dover",
    "Dudley",
    "Durham",
    "Eastbourne",
    "Exeter",
    "Falmouth",
    "Gateshead",
    "Gloucester",
    "Grantham",
    "Grimsby",
    "Guildford",
    "Halifax",
    "Harlow",
    "Harrogate",
    "Hartlepool",
    "Hastings",
    "Hereford",
    "Huddersfield",
    "Hull",
    "Ipswich",
    "Kendal",
    "Kettering",
    "Lancaster",
    "Leamington",
    "Leeds",
    "Leicester",
    "Lincoln",
    "Liverpool",
    "Llandudno",
    "Luton",
    "Maidstone",
    "Mansfield",
    "Margate",
    "Middlesbrough",
    "Milton Keynes",
    "Newport",
    "Newquay",
    "Northampton",
    "Norwich",
    "Nottingham",
    "Nuneaton",
    "Oldham",
    "Oxford",
    "Penzance",
    "Peterborough",
    "Plymouth",
    "Pontypridd",
    "Poole",
    "Portsmouth",
    "Preston",
    "Reading",
    "Redditch",
    "Rhyl",
    "Rochdale",
    "Rotherham",
    "Salford",
    "Salisbury",
    "Scarborough",
    "Scunthorpe",
    "Sheffield",
    "Shrewsbury",
    "Slough",
    "Southampton",
    "Southend",
    "Stafford",
    "Stevenage",
    "Stockport",
    "Stoke",
    "Sunderland",
    "Swansea",
    "Swindon",
    "Taunton",
    "Telford",
    "Torquay",
    "Truro",
    "Wakefield",
    "Walsall",
    "Warrington",
    "Watford",
    "Wigan",
    "Winchester",
    "Wolverhampton",
    "Worcester",
    "Worthing",
    "Wrexham",
    "Yeovil",
    "York",
)

# Kind of provider -> (relative weight, name patterns). "{place}" is a town; names are unique.
PROVIDER_KINDS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    (
        OrganisationKind.VOLUNTARY_SECTOR,
        55,
        (
            "{place} Women's Aid",
            "{place} Rape Crisis",
            "{place} Victim Support Hub",
            "{place} Youth Project",
            "{place} Mediation Service",
            "{place} Community Trust",
            "{place} Advice Centre",
            "{place} Domestic Abuse Service",
            "{place} Counselling Service",
            "{place} Mentoring Project",
            "{place} Recovery Network",
            "{place} Carers' Centre",
            "{place} Young People's Service",
            "{place} LGBT+ Centre",
            "{place} Refugee and Migrant Forum",
            "{place} Restorative Justice Partnership",
            "{place} Drug and Alcohol Service",
            "{place} Family Support Network",
            "{place} Street Pastors",
            "{place} Boys' and Girls' Club",
            "{place} Sexual Abuse Support Centre",
            "{place} Stalking Advocacy Service",
            "{place} Hate Crime Partnership",
            "{place} Older People's Forum",
            "{place} Disability Forum",
            "{place} Men's Project",
            "{place} Homeless Action",
            "{place} Neighbourhood Watch Association",
        ),
    ),
    (
        OrganisationKind.SOCIAL_ENTERPRISE,
        8,
        (
            "{place} Second Chances CIC",
            "{place} Safe Spaces CIC",
            "{place} Pathways CIC",
            "{place} New Leaf CIC",
            "{place} Fresh Start CIC",
            "{place} Open Door CIC",
        ),
    ),
    (
        OrganisationKind.PRIVATE,
        7,
        (
            "{place} Security Solutions Ltd",
            "{place} Training Services Ltd",
            "{place} Community Safety Ltd",
            "{place} Analytics Ltd",
            "{place} Consulting Ltd",
        ),
    ),
    (OrganisationKind.HOUSING, 7, ("{place} Housing Association", "{place} Homes", "{place} Housing Trust")),
    (
        OrganisationKind.HEALTH,
        6,
        (
            "{place} NHS Foundation Trust",
            "{place} Community Health Services",
            "{place} Mental Health Trust",
        ),
    ),
    (OrganisationKind.LOCAL_AUTHORITY, 5, ("{place} Council",)),
    (OrganisationKind.PROBATION, 3, ("{place} Probation Delivery Unit",)),
    (OrganisationKind.OTHER, 4, ("{place} Fire and Rescue Service", "{place} College")),
)

STREETS = (
    "High Street",
    "Church Road",
    "Station Road",
    "Victoria Road",
    "Park Lane",
    "Mill Lane",
    "Queen Street",
    "King Street",
    "London Road",
    "Market Place",
)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


class _UniqueNames:
    """Names not yet taken (case-insensitively): a taken one gets " (2)", " (3)"... appended."""

    def __init__(self) -> None:
        self.taken = {name.lower() for name in Organisation.objects.values_list("name", flat=True)}

    def take(self, name: str) -> str:
        candidate, number = name, 1
        while candidate.lower() in self.taken:
            number += 1
            candidate = f"{name} ({number})"
        self.taken.add(candidate.lower())
        return candidate


class _Numbers:
    """Charity and company numbers, each drawn until it is one not given out before."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.charity_numbers: set[str] = set()
        self.company_numbers: set[str] = set()

    @staticmethod
    def _fresh(pool: set[str], make: Callable[[], str]) -> str:
        value = make()
        while value in pool:
            value = make()
        pool.add(value)
        return value

    def company(self, prefix: str = "") -> str:
        rng = self.rng
        if prefix:
            return self._fresh(self.company_numbers, lambda: f"{prefix}{rng.randrange(1, 999999):06d}")
        return self._fresh(self.company_numbers, lambda: f"{rng.randrange(1000000, 14999999):08d}")

    def charity(self) -> str:
        rng = self.rng
        number = self._fresh(self.charity_numbers, lambda: str(rng.randrange(1000000, 1199999)))
        return f"{number}-{rng.randint(1, 3)}" if rng.random() < 0.03 else number

    def for_kind(self, kind: str) -> tuple[str, str]:
        """The (charity number, company number) of a provider of ``kind``; either may be blank."""
        rng = self.rng
        charity_number = company_number = ""
        if kind == OrganisationKind.VOLUNTARY_SECTOR:
            charity_number = self.charity()
            company_number = self.company() if rng.random() < 0.4 else ""
        elif kind in (OrganisationKind.SOCIAL_ENTERPRISE, OrganisationKind.PRIVATE):
            company_number = self.company("SC" if rng.random() < 0.05 else "")
        elif kind == OrganisationKind.HOUSING:
            company_number = self.company("IP")
            charity_number = self.charity() if rng.random() < 0.3 else ""
        return charity_number, company_number


def _seed_opccs(ctx: _Context, names: _UniqueNames) -> list[Organisation]:
    opccs = [
        Organisation(
            name=names.take(opcc or f"Office of the Police and Crime Commissioner for {area}"),
            kind=OrganisationKind.PCC,
            supplier_number=f"OPCC-{code}",
            website=f"https://www.{_slug(area)}-pcc.gov.uk",
            email=f"enquiries@{_slug(area)}-pcc.gov.uk",
        )
        for code, area, _postcode, _weight, opcc in FORCES
    ]
    _bulk(Organisation, opccs)
    for force, opcc in zip(ctx.forces, opccs, strict=False):
        force.opcc = opcc
    return opccs


def _shuffled_names(rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """Every (name, place) of each kind of provider, in a random order."""
    names_by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, _weight, patterns in PROVIDER_KINDS:
        candidates = [(pattern.format(place=place), place) for pattern in patterns for place in PLACES]
        rng.shuffle(candidates)
        names_by_kind[kind] = candidates
    return names_by_kind


def _provider(
    ctx: _Context, *, name: str, place: str, kind: str, serial: int, numbers: _Numbers
) -> tuple[Organisation, _Force]:
    """A provider and its home force (drawn in this order: numbers, home, address and phone)."""
    rng = ctx.rng
    charity_number, company_number = numbers.for_kind(kind)
    home = rng.choices(ctx.forces, weights=[force.weight for force in ctx.forces])[0]
    inward = f"{rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
    slug = _slug(name)
    provider = Organisation(
        name=name,
        kind=kind,
        charity_number=charity_number,
        company_number=company_number,
        org_id=derive_org_id(charity_number=charity_number, company_number=company_number),
        supplier_number=f"SUP-{serial:06d}",
        address=f"{rng.randint(1, 199)} {rng.choice(STREETS)}\n{place}",
        postcode=f"{home.postcode}{rng.randint(1, 29)} {inward}",
        website=f"https://www.{slug}.org.uk",
        email=f"info@{slug}.org.uk",
        phone=f"0{rng.randint(1200, 1999)} {rng.randint(100000, 999999)}",
    )
    return provider, home


def _seed_providers(ctx: _Context, names: _UniqueNames) -> list[Organisation]:
    """The providers, about ``FULL_PROVIDERS`` × scale_factor, split across the kinds by weight;
    each force lists the providers based in it and takes the first council as its partner."""
    total = max(len(ctx.forces), round(FULL_PROVIDERS * ctx.scale_factor))
    kinds = [kind for kind, _weight, _patterns in PROVIDER_KINDS]
    per_kind = _split_count(total, [weight for _kind, weight, _patterns in PROVIDER_KINDS])
    names_by_kind = _shuffled_names(ctx.rng)
    numbers = _Numbers(ctx.rng)
    providers: list[Organisation] = []
    homes: list[_Force] = []
    serial = 0
    for kind, count in zip(kinds, per_kind, strict=False):
        candidates = names_by_kind[kind]
        for index in range(count):
            serial += 1
            base, place = candidates[index % len(candidates)]
            name = names.take(base if index < len(candidates) else f"{base} {index // len(candidates) + 1}")
            provider, home = _provider(ctx, name=name, place=place, kind=kind, serial=serial, numbers=numbers)
            providers.append(provider)
            homes.append(home)
    _bulk(Organisation, providers)
    for provider, home in zip(providers, homes, strict=False):
        home.providers.append(provider)
        if home.partner_source is None and provider.kind == OrganisationKind.LOCAL_AUTHORITY:
            home.partner_source = provider
    return providers


def seed_organisations(ctx: _Context) -> None:
    """One OPCC per force and the providers, each with a home force, numbers and contact details."""
    names = _UniqueNames()
    opccs = _seed_opccs(ctx, names)
    providers = _seed_providers(ctx, names)
    ctx.providers = providers
    ctx.counts["forces"] = len(opccs)
    ctx.counts["providers"] = len(providers)
