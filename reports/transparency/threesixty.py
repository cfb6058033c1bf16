"""The 360Giving export: the OPCC's grants as open data in the 360Giving Data Standard 1.4
(docs/formats.md "360Giving JSON").

One grant per award of kind grant or contribution that has been made (awarded, active or
ended): contracts and SLAs are not grants; planned and procuring awards have not been made and
cancelled ones were withdrawn, so none of those is published. With a year, the awards that have
a funding line in that year (their amounts still cover all years).

Every grant is checked before it is published, against the official schema (vendored in
``reports/schemas/360giving/``, JSON Schema draft 2020-12 with format checking on, offline) and
against rules the schema cannot express (a grant of £0 is not a grant; the ids need their
settings). An award that fails is left out of the file and reported by reference with the
reasons — on the 360Giving page and on standard error from ``manage.py export_360giving`` —
never dropped silently. A fixed number of queries whatever the number of awards.
"""

from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from grants.models import COMMITTED_STATUSES, Award, AwardKind, FundingLine, Payment
from grants.queries import ZERO, sum_subquery
from needs_assessment.models import Area, AreaType

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas" / "360giving"
PACKAGE_SCHEMA_FILE = SCHEMA_DIR / "360-giving-package-schema.json"
GRANT_SCHEMA_FILE = SCHEMA_DIR / "360-giving-schema.json"
STANDARD_VERSION = "1.4"
# Public bodies' open data: the Open Government Licence v3.0.
LICENSE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
GRANT_KINDS = (AwardKind.GRANT, AwardKind.CONTRIBUTION)


# The schema ---------------------------------------------------------------------------------------


@functools.cache
def _validators():
    """(package validator, grant validator), built once per process from the vendored files."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    package_schema = json.loads(PACKAGE_SCHEMA_FILE.read_text(encoding="utf-8"))
    grant_schema = json.loads(GRANT_SCHEMA_FILE.read_text(encoding="utf-8"))
    # The schemas say "$schema": "http://…/draft/2020-12/schema", which referencing does not
    # recognise by itself, so the resources are made as draft 2020-12 explicitly. The package
    # refers to the grant schema by its 1.4.2 address; the grant schema's $id is 1.4.3.
    grant_resource = DRAFT202012.create_resource(grant_schema)
    registry = Registry().with_resources(
        [
            (grant_schema["$id"], grant_resource),
            (package_schema["properties"]["grants"]["items"]["$ref"], grant_resource),
            (package_schema["$id"], DRAFT202012.create_resource(package_schema)),
        ]
    )
    checker = Draft202012Validator.FORMAT_CHECKER
    return (
        Draft202012Validator(package_schema, registry=registry, format_checker=checker),
        Draft202012Validator(grant_schema, registry=registry, format_checker=checker),
    )


def package_validator():
    """A validator for a whole 360Giving package (the official package schema)."""
    return _validators()[0]


def grant_validator():
    """A validator for one grant (the official grant schema)."""
    return _validators()[1]


def _schema_error_text(error) -> str:
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{where or 'the grant'}: {error.message}"


# Settings and the place ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Publisher:
    prefix: str  # the 360Giving prefix, without "360G-"
    org_id: str
    name: str
    location: dict | None  # the beneficiary location (the force area), or None if unknown
    location_note: str  # where the location came from, or why there is none


def publisher() -> Publisher:
    """The OPCC's identifiers from settings and the force area (one query).

    The force area is ``FORCE_AREA_CODE`` (with ``FORCE_AREA_NAME``) if set; else the one area
    of type force area in the needs assessment's areas; with none or several, grants have no
    beneficiary location (it is optional in the standard) and the page says why.
    """
    code = (getattr(settings, "FORCE_AREA_CODE", "") or "").strip()
    name = (getattr(settings, "FORCE_AREA_NAME", "") or "").strip()
    if code:
        note = "the FORCE_AREA_CODE setting"
    else:
        areas = list(Area.objects.filter(type=AreaType.FORCE_AREA).order_by("code")[:2])
        if len(areas) == 1:
            code, name, note = areas[0].code, name or areas[0].name, "the force area in the needs assessment"
        else:
            note = (
                "no beneficiary location: no force area is recorded in the needs assessment and FORCE_AREA_CODE "
                "is not set"
                if not areas
                else "no beneficiary location: several force areas are recorded, so set FORCE_AREA_CODE"
            )
    location = None
    if code:
        location = {"geoCode": code, "geoCodeType": "PFA", "name": name or code, "countryCode": "GB"}
    return Publisher(
        prefix=(settings.THREESIXTY_GIVING_PREFIX or "").strip(),
        org_id=(settings.OPCC_ORG_ID or "").strip(),
        name=settings.OPCC_NAME,
        location=location,
        location_note=note,
    )


# The grants ----------------------------------------------------------------------------------------


def award_queryset(*, fy: int | None = None) -> QuerySet[Award]:
    """The awards the export publishes (see the module's docstring), with ``amount_awarded``
    (all their funding lines) and ``amount_disbursed`` (all their paid payments). One query."""
    awards = (
        Award.objects.filter(kind__in=GRANT_KINDS, status__in=COMMITTED_STATUSES)
        .select_related("provider", "priority", "decision")
        .annotate(
            amount_awarded=sum_subquery(FundingLine.objects.filter(award=OuterRef("pk")), "award"),
            amount_disbursed=sum_subquery(
                Payment.objects.filter(award=OuterRef("pk")), "award", filter=Q(paid_date__isnull=False)
            ),
        )
    )
    if fy is not None:
        awards = awards.filter(Exists(FundingLine.objects.filter(award=OuterRef("pk"), fy=int(fy))))
    return awards.order_by("reference", "pk")


def _number(amount: Decimal | None) -> int | float:
    """An amount for JSON: a whole number of pounds as an integer, else pounds and pence."""
    amount = (amount or ZERO).quantize(ZERO)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def duration_months(start: datetime.date, end: datetime.date) -> float | int:
    """Months from ``start`` to the end of ``end`` (inclusive): 1 April 2019 to 31 March 2020
    is 12. Part months count as days / 30, to one decimal place."""
    span = relativedelta(end + datetime.timedelta(days=1), start)
    months = span.years * 12 + span.months
    if not span.days:
        return months
    return round(months + span.days / 30, 1)


def award_date(award: Award) -> datetime.date:
    """The award date published: its decision's date if the decision has one, else its start."""
    if award.decision_id and award.decision.decided_on:
        return award.decision.decided_on
    return award.start_date


def planned_end(award: Award) -> datetime.date:
    """The last day the award runs: its extension's end once taken, else its end date."""
    if award.extension_taken and award.extension_until:
        return award.extension_until
    return award.end_date


def recipient_id(award: Award, prefix: str) -> str:
    provider = award.provider
    return provider.org_id.strip() or f"360G-{prefix}-org-{provider.pk}"


def grant_record(award: Award, who: Publisher) -> dict:
    """One award as a 360Giving grant (annotated as by ``award_queryset``)."""
    provider = award.provider
    recipient = {"id": recipient_id(award, who.prefix), "name": provider.name}
    if provider.charity_number:
        recipient["charityNumber"] = provider.charity_number
    if provider.company_number:
        recipient["companyNumber"] = provider.company_number
    end = planned_end(award)
    grant = {
        "id": f"360G-{who.prefix}-{award.reference}",
        "title": award.title,
        "description": award.purpose.strip() or award.title,
        "currency": "GBP",
        "amountAwarded": _number(award.amount_awarded),
        "amountDisbursed": _number(award.amount_disbursed),
        "awardDate": award_date(award).isoformat(),
        "plannedDates": [
            {
                "startDate": award.start_date.isoformat(),
                "endDate": end.isoformat(),
                "duration": duration_months(award.start_date, end),
            }
        ],
        "recipientOrganization": [recipient],
        "fundingOrganization": [{"id": who.org_id, "name": who.name}],
        "grantProgramme": [{"code": award.priority.code, "title": award.priority.name}],
        "dateModified": timezone.localtime(award.updated_at).isoformat(timespec="seconds"),
    }
    if who.location:
        grant["beneficiaryLocation"] = [dict(who.location)]
    return grant


def grant_problems(record: dict, *, who: Publisher | None = None) -> list[str]:
    """Why ``record`` cannot be published: the schema's errors and the rules it cannot express.
    An empty list means it can."""
    problems = []
    if who is not None:
        if not who.prefix:
            problems.append("the 360Giving prefix (setting THREESIXTY_GIVING_PREFIX) is blank")
        if not who.org_id:
            problems.append("the OPCC's org-id (setting OPCC_ORG_ID) is blank")
    amount = record.get("amountAwarded")
    if isinstance(amount, (int, float)) and amount <= 0:
        problems.append(
            "amountAwarded is £0: the award has no funding lines with an amount, so there is no grant to publish"
        )
    problems += [_schema_error_text(error) for error in sorted(grant_validator().iter_errors(record), key=str)]
    return problems


@dataclass(frozen=True)
class Problem:
    reference: str
    title: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.reference}: {'; '.join(self.reasons)}"


@dataclass
class ThreeSixtyExport:
    fy: int | None
    publisher: Publisher
    grants: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    considered: int = 0  # awards looked at (grants + problems)

    @property
    def package(self) -> dict:
        """The 360Giving data package of the grants that can be published."""
        who = self.publisher
        package = {
            "grants": self.grants,
            "version": STANDARD_VERSION,
            "license": LICENSE,
            "publisher": {"name": who.name},
            "modified": timezone.localtime().isoformat(timespec="seconds"),
        }
        if who.org_id:
            package["publisher"]["identifier"] = who.org_id
        return package

    def package_errors(self) -> list[str]:
        """The package schema's errors for the file (none when every grant passed).

        Each grant has been checked on its own already, so the package schema is applied to the
        package with its first grant only (version, licence, publisher, at least one grant), and
        the schema's ``uniqueItems`` is checked on the grant ids here: the schema's own check
        compares every pair of grants and takes minutes for thousands of them.
        """
        package = self.package
        envelope = {**package, "grants": package["grants"][:1]}
        errors = [_schema_error_text(error) for error in package_validator().iter_errors(envelope)]
        ids = [grant["id"] for grant in package["grants"]]
        duplicates = (
            sorted({grant_id for grant_id in ids if ids.count(grant_id) > 1}) if len(set(ids)) < len(ids) else []
        )
        errors += [f"grants: the id {grant_id} is used more than once" for grant_id in duplicates]
        return errors

    def to_json(self) -> str:
        return json.dumps(self.package, ensure_ascii=False, indent=2) + "\n"


def threesixty_giving(*, fy: int | None = None) -> ThreeSixtyExport:
    """Every publishable grant (of ``fy`` if given) and every award that cannot be published,
    with the reasons. Two queries."""
    who = publisher()
    export = ThreeSixtyExport(fy=fy, publisher=who)
    for award in award_queryset(fy=fy):
        export.considered += 1
        record = grant_record(award, who)
        problems = grant_problems(record, who=who)
        if problems:
            export.problems.append(Problem(award.reference, award.title, tuple(problems)))
        else:
            export.grants.append(record)
    return export


def threesixty_giving_json(*, fy: int | None = None) -> str:
    """The 360Giving file of the grants that can be published (the benchmark's timing hook; the
    page and the command also report the awards left out)."""
    return threesixty_giving(fy=fy).to_json()
