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
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from grants.models import COMMITTED_STATUSES, Award, AwardKind, FundingLine, Payment, Variation, VariationStatus
from grants.queries import ZERO, sum_subquery
from needs_assessment.models import Area, AreaType
from rounds.models import Application as RoundApplication
from rounds.models import RoundKind

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas" / "360giving"
PACKAGE_SCHEMA_FILE = SCHEMA_DIR / "360-giving-package-schema.json"
GRANT_SCHEMA_FILE = SCHEMA_DIR / "360-giving-schema.json"
STANDARD_VERSION = "1.4"
# Public bodies' open data: the Open Government Licence v3.0.
LICENSE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
GRANT_KINDS = (AwardKind.GRANT, AwardKind.CONTRIBUTION)
GRANT_COLUMNS = (
    "reference",
    "title",
    "purpose",
    "kind",
    "status",
    "start_date",
    "end_date",
    "extension_taken",
    "extension_until",
    "updated_at",
    "provider__name",
    "provider__org_id",
    "provider__charity_number",
    "provider__company_number",
    "priority__code",
    "priority__name",
    "decision__decided_on",
)


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
        # The columns a grant is made of: a national register's rows are read in full each time.
        .only(*GRANT_COLUMNS)
        .annotate(
            amount_awarded=sum_subquery(FundingLine.objects.filter(award=OuterRef("pk")), "award"),
            amount_disbursed=sum_subquery(
                Payment.objects.filter(award=OuterRef("pk")), "award", filter=Q(paid_date__isnull=False)
            ),
            # The day of the last variation approved (None: never varied); its figures are the
            # award's own lines and dates already, so this only says that they were changed.
            varied_on=Subquery(
                Variation.objects.filter(award=OuterRef("pk"), status=VariationStatus.APPROVED)
                .order_by("-decided_on")
                .values("decided_on")[:1]
            ),
            # The kind of grant round the award was made from (None: not made from a round).
            round_kind=Subquery(RoundApplication.objects.filter(award=OuterRef("pk")).values("round__kind")[:1]),
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


def date_modified(award: Award, varied_on: datetime.date | None) -> datetime.datetime:
    """When the grant last changed: the award's last save, or the start of the day its last
    variation was approved if that is later (a variation may change only the funding lines)."""
    modified = timezone.localtime(award.updated_at)
    if varied_on:
        modified = max(modified, timezone.make_aware(datetime.datetime.combine(varied_on, datetime.time.min)))
    return modified


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
    varied_on = getattr(award, "varied_on", None)
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
        "dateModified": date_modified(award, varied_on).isoformat(timespec="seconds"),
    }
    if varied_on:
        grant["plannedDates"][0]["description"] = (
            f"Varied: the dates and amount after the variations approved up to {varied_on.isoformat()}."
        )
    if who.location:
        grant["beneficiaryLocation"] = [dict(who.location)]
    round_kind = getattr(award, "round_kind", None)
    if round_kind:
        # Made from a grant round's application: an open call is one anyone eligible could apply
        # to; an invitation-only or internal round is not. Other awards say nothing, as before.
        grant["fromOpenCall"] = "Yes" if round_kind == RoundKind.OPEN_CALL else "No"
    return grant


# Keywords that describe and never refuse (the 360Giving ones are its own annotations).
_ANNOTATIONS = frozenset({"$id", "$schema", "$defs", "$comment", "title", "description", "examples"}) | frozenset(
    {"rollUp", "codelist", "openCodelist"}
)


class GrantChecker:
    """The official grant schema, applied so that what many grants share is checked once.

    The grant schema is an object with ``properties`` (each checked on its own value, with
    ``$ref``s into its ``$defs``) and a top-level ``oneOf`` of required fields; it has no
    ``additionalProperties`` or other keyword that looks at several properties together. So its
    errors for a grant are exactly the top level's (the schema without ``properties``) plus, for
    each property, the property schema's errors for its value. Each is remembered: the top level's
    by the grant's set of keys (all that ``required`` looks at), a property's by its value, or by
    the value's type where the property's schema says nothing but its type. Checked whole, a grant
    took about 4 ms (20 s for a national register); this way most are a few dictionary lookups.
    Those facts about the schema are checked when the checker is made (a schema that breaks them
    is applied whole), and a test checks the errors are the same as the whole schema's.
    """

    def __init__(self):
        validator = grant_validator()
        schema = validator.schema
        self._validator = validator
        self._properties = schema["properties"]
        top = {key: value for key, value in schema.items() if key != "properties"}
        self._top = validator.evolve(schema=top)
        self._split = set(top) - _ANNOTATIONS <= {"type", "oneOf"} and all(
            set(branch) <= {"required"} for branch in top.get("oneOf", ())
        )
        self._type_only = {
            key for key, subschema in self._properties.items() if set(subschema) - _ANNOTATIONS <= {"type"}
        }
        self._seen: dict[tuple, list[str]] = {}

    def _remembered(self, memo: tuple, errors) -> list[str]:
        found = self._seen.get(memo)
        if found is None:
            if len(self._seen) >= _MEMO_LIMIT:
                self._seen.clear()
            found = self._seen[memo] = [_schema_error_text(error) for error in errors()]
        return found

    def errors(self, record: dict) -> list[str]:
        """The schema's errors for ``record`` as "where: why", sorted."""
        if not self._split or not isinstance(record, dict):
            return sorted(_schema_error_text(error) for error in self._validator.iter_errors(record))
        texts = list(self._remembered(("", *sorted(record)), lambda: self._top.iter_errors(record)))
        for key, value in record.items():
            subschema = self._properties.get(key)
            if subschema is None:
                continue
            if key in self._type_only:
                memo = (key, type(value))
            else:
                # The grants' values are JSON's own (str, int, float, bool, None, lists and
                # dicts of them), whose repr tells apart any two values the schema could.
                memo = (key, type(value), value if isinstance(value, str) else repr(value))
            texts += self._remembered(memo, lambda: self._validator.descend(value, subschema, path=key))  # noqa: B023
        return sorted(texts)


# A process keeps one checker, so a page viewed again checks only what changed; the schema's
# answers for a value never change, and the memory is bounded by starting again past this many
# values (a national register has about 3,000 distinct ones).
_MEMO_LIMIT = 50_000


@functools.cache
def grant_checker() -> GrantChecker:
    return GrantChecker()


def grant_problems(record: dict, *, who: Publisher | None = None, checker: GrantChecker | None = None) -> list[str]:
    """Why ``record`` cannot be published: the schema's errors and the rules it cannot express.
    An empty list means it can. Pass one ``checker`` for many records to check shared values once."""
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
    problems += (checker or grant_checker()).errors(record)
    return problems


@dataclass(frozen=True)
class Problem:
    reference: str
    title: str
    reasons: tuple[str, ...]
    award_id: int | None = None  # the award's page, where it is put right

    def __str__(self) -> str:
        return f"{self.reference}: {'; '.join(self.reasons)}"


@dataclass
class ThreeSixtyExport:
    fy: int | None
    publisher: Publisher
    grants: list[dict] = field(default_factory=list)
    awards: list[tuple[int, str]] = field(default_factory=list)  # each grant's award (id, reference)
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

    def listing(self, *, number, per_page: int) -> Page:
        """One page of the grants in the file, as rows for a table (award, recipient, title,
        amount awarded, award date and planned end)."""
        page = Paginator(range(len(self.grants)), per_page).get_page(number)
        page.object_list = [
            {
                "award_id": self.awards[index][0],
                "reference": self.awards[index][1],
                "recipient": self.grants[index]["recipientOrganization"][0]["name"],
                "title": self.grants[index]["title"],
                "amount": Decimal(str(self.grants[index]["amountAwarded"])),
                "award_date": datetime.date.fromisoformat(self.grants[index]["awardDate"]),
                "end": datetime.date.fromisoformat(self.grants[index]["plannedDates"][0]["endDate"]),
            }
            for index in page.object_list
        ]
        return page

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
    checker = grant_checker()
    for award in award_queryset(fy=fy):
        export.considered += 1
        record = grant_record(award, who)
        problems = grant_problems(record, who=who, checker=checker)
        if problems:
            export.problems.append(Problem(award.reference, award.title, tuple(problems), award.pk))
        else:
            export.grants.append(record)
            export.awards.append((award.pk, award.reference))
    return export


def threesixty_giving_json(*, fy: int | None = None) -> str:
    """The 360Giving file of the grants that can be published (the benchmark's timing hook; the
    page and the command also report the awards left out)."""
    return threesixty_giving(fy=fy).to_json()
