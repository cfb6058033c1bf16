"""The monitoring return form, and the provider portal's other forms.

``ReturnForm`` is built from the code lists valid in the return's financial year: one number
box per code (crime type, age band, sex, ethnicity, disability), two per victims' outcome
measure (assessed, improved) and one per award KPI. Each code's definition is its hint, and
the OPCC's definitions of "referral" and "victim supported" are the hints of those two boxes,
because PCCs count them differently. The provider portal edits a return with it; the officer's
pages show it read-only (``read_only=True``).

The form checks the shape of the input (whole numbers, not negative, improved not above
assessed); the rules live in ``grants.monitoring`` and come back through ``pcc_commissioning.forms.add_service_errors``.

Each breakdown list shows its running total against the victims supported ("Total entered: 37
of 40 supported — 3 short"), worked out here from what was sent or stored, so the page says it
without JavaScript; ``static/js/return-totals.js`` updates the same text while the provider
types, by the same rules (keep the two in step). The explanation box ("Why do the breakdowns
not add up?") is shown when a list that has been filled in does not add up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape

from grants.monitoring.return_data import BREAKDOWN_LISTS, EXPLANATION_MAX_LENGTH
from outcomes.models import CodeList
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.forms import add_service_errors

OUTCOME_LIST = CodeList.OUTCOME
SEPARATOR = "__"  # field names: crime__domestic_abuse, outcome__feel_safer__assessed, kpi__12

CASE_STUDY_REMINDER = (
    "Describe one person's experience of the service. Do not include names or details that "
    "could identify a person (such as addresses, dates of birth, workplaces or unusual "
    "circumstances)."
)
NEGATIVE = "Enter a number that is 0 or more"
WHOLE = "Enter a whole number, like 12"


EXPLANATION_LABEL = "Why do the breakdowns not add up?"
# What Django's IntegerField accepts as a whole number of 0 or more ("12", " 12 ", "+12", "12.0").
_WHOLE = re.compile(r"^\+?\d+(?:\.0*)?$")


def whole_number(value: Any) -> int | None:
    """``value`` as a whole number of 0 or more, read as the form reads it; None if blank or not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value).strip()
    return int(text.lstrip("+").split(".")[0]) if _WHOLE.match(text) else None


def breakdown_field_name(list_name: str, code: str) -> str:
    return f"{list_name}{SEPARATOR}{code}"


def outcome_field_name(code: str, part: str) -> str:
    return f"{OUTCOME_LIST}{SEPARATOR}{code}{SEPARATOR}{part}"


def kpi_field_name(kpi_id: int) -> str:
    return f"kpi{SEPARATOR}{kpi_id}"


def _count_field(label: str, *, hint: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        help_text=escape(hint) if hint else "",
        error_messages={"min_value": NEGATIVE, "invalid": WHOLE},
        # A text box, as GOV.UK advises for numbers (type="number" mangles input and misleads screen readers).
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-5", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


@dataclass
class FieldGroup:
    """A breakdown list's fieldset, with its running total against the victims supported."""

    key: str  # the list: "crime"
    legend: str
    hint: str = ""
    label: str = ""  # the list's name in a sentence: "crime type"
    fields: list = field(default_factory=list)  # bound fields
    total: int = 0  # the sum of the whole numbers entered
    entered: bool = False  # at least one whole number entered (0 included)
    not_counted: int = 0  # boxes holding something that is not a whole number of 0 or more
    supported: int | None = None  # the victims supported, when that box holds a whole number
    errors: list[str] = field(default_factory=list)  # about the list as a whole (from the service)

    @property
    def total_id(self) -> str:
        return f"{self.key}-total"

    @property
    def error_id(self) -> str:
        return f"{self.key}-error"

    @property
    def first_id(self) -> str:
        return self.fields[0].id_for_label if self.fields else "main-content"

    @property
    def difference(self) -> int | None:
        """Total minus supported, once something is entered and supported is known."""
        if not self.entered or self.supported is None:
            return None
        return self.total - self.supported

    @property
    def mismatch(self) -> bool:
        return self.difference not in (None, 0)

    @property
    def verdict(self) -> str:
        """ "adds up", "3 short", "2 over", or "" when there is nothing to compare."""
        difference = self.difference
        if difference is None:
            return ""
        if difference == 0:
            return "adds up"
        return f"{-difference:,} short" if difference < 0 else f"{difference:,} over"

    @property
    def total_text(self) -> str:
        return f"{self.total:,}"

    @property
    def supported_text(self) -> str:
        return "" if self.supported is None else f"{self.supported:,}"

    @property
    def not_counted_text(self) -> str:
        if not self.not_counted:
            return ""
        boxes = "1 box" if self.not_counted == 1 else f"{self.not_counted:,} boxes"
        return f"{boxes} not counted: not a whole number"


def _kpi_field(kpi) -> forms.DecimalField:
    """A KPI's value box, its hint giving the unit, the target and the KPI's description."""
    hint_parts = []
    if kpi.unit:
        hint_parts.append(f"In {kpi.unit}.")
    if kpi.target is not None:
        hint_parts.append(f"Target {kpi.target.normalize():f} {kpi.get_target_period_display().lower()}.")
    if kpi.description:
        hint_parts.append(kpi.description)
    return forms.DecimalField(
        label=kpi.name,
        required=False,
        max_digits=16,
        decimal_places=4,
        help_text=escape(" ".join(hint_parts)),
        error_messages={"invalid": "Enter a number, like 12 or 87.5"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )


@dataclass(frozen=True)
class ReturnPart:
    """A part of a monitoring return: a page of its own in the portal, a section of the
    check-answers page."""

    slug: str
    title: str


RETURN_PARTS = (
    ReturnPart("numbers", "Referrals and victims supported"),
    ReturnPart("breakdowns", "Who was supported"),
    ReturnPart("outcomes", "Victims' outcomes"),
    ReturnPart("kpis", "Key performance indicators"),
    ReturnPart("about", "About the quarter"),
)
_ABOUT_FIELDS = ("narrative", "case_study", "case_study_consent", "feedback")


class ReturnForm(VersionedForm):
    """A monitoring return. ``codes``: {list name: [CodeListEntry]} valid in the return's year;
    ``definitions``: {"referral"|"supported": CountingDefinition}; ``kpis``: the award's KPIs."""

    referrals = _count_field("Referrals received")
    supported = _count_field("Victims supported (new in the quarter)")
    narrative = forms.CharField(
        label="How the service went this quarter",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Progress against the award's aims, anything that helped or got in the way, and changes planned.",
    )
    case_study = forms.CharField(
        label="Case study", required=False, widget=forms.Textarea(attrs={"rows": 8}), help_text=CASE_STUDY_REMINDER
    )
    case_study_consent = forms.BooleanField(
        label="The person agreed to this case study being used",
        required=False,
        help_text="Tick only if you have their consent. The case study may be shown to the Police and Crime Panel.",
    )
    feedback = forms.CharField(
        label="Service-user feedback",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What people who used the service said about it, in their words where possible.",
    )
    # No max_length here: the service checks the length, and only when an explanation is needed
    # (one that is not needed is discarded, however long).
    breakdown_explanation = forms.CharField(
        label=EXPLANATION_LABEL,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Needed before you submit if a breakdown you filled in does not add up to the victims supported, "
            "for example because some people did not say their age. The commissioning team sees it with your "
            f"return. Up to {EXPLANATION_MAX_LENGTH:,} characters."
        ),
    )

    def __init__(
        self,
        *args,
        codes: Mapping[str, Iterable] | None = None,
        definitions: Mapping[str, object] | None = None,
        kpis: Iterable = (),
        read_only: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        codes = codes or {}
        definitions = definitions or {}
        self.read_only = read_only
        self.kpis = list(kpis)
        # Errors the service gives about a whole breakdown list ({list: [message]}), and the
        # service's messages, which name their field themselves.
        self.group_errors: dict[str, list[str]] = {}
        self._service_messages: set[str] = set()
        self._breakdown_names: dict[str, list[tuple[str, object]]] = {}
        self._outcome_names: list[tuple[object, str, str]] = []
        self._kpi_names: list[tuple[object, str]] = []

        for term, name in (("referral", "referrals"), ("supported", "supported")):
            definition = definitions.get(term)
            if definition is not None:
                self.fields[name].help_text = escape(definition.definition)
        self._add_breakdown_fields(codes)
        self._add_outcome_fields(codes)
        for kpi in self.kpis:
            name = kpi_field_name(kpi.pk)
            self.fields[name] = _kpi_field(kpi)
            self._kpi_names.append((kpi, name))

        if read_only:
            for form_field in self.fields.values():
                form_field.disabled = True

    def _add_breakdown_fields(self, codes: Mapping[str, Iterable]) -> None:
        """A count box per code of each breakdown list."""
        for list_name in BREAKDOWN_LISTS:
            names = []
            for entry in codes.get(list_name, ()):
                name = breakdown_field_name(list_name, entry.code)
                self.fields[name] = _count_field(entry.label, hint=entry.definition)
                names.append((name, entry))
            self._breakdown_names[list_name] = names

    def _add_outcome_fields(self, codes: Mapping[str, Iterable]) -> None:
        """Two boxes per outcome measure: the number assessed and the number improved."""
        for entry in codes.get(OUTCOME_LIST, ()):
            assessed = outcome_field_name(entry.code, "assessed")
            improved = outcome_field_name(entry.code, "improved")
            self.fields[assessed] = _count_field(f"{entry.label}: number assessed")
            self.fields[improved] = _count_field(f"{entry.label}: number improved")
            self._outcome_names.append((entry, assessed, improved))

    # Initial values from a stored return -------------------------------------------------

    @staticmethod
    def initial_for(monitoring_return) -> dict:
        """The form's initial values from a return (with breakdowns, outcomes and KPI values
        prefetched, as ``return_detail`` gives it)."""
        initial = {
            "version": monitoring_return.version,
            "referrals": monitoring_return.referrals,
            "supported": monitoring_return.supported,
            "narrative": monitoring_return.narrative,
            "case_study": monitoring_return.case_study,
            "case_study_consent": monitoring_return.case_study_consent,
            "feedback": monitoring_return.feedback,
            "breakdown_explanation": monitoring_return.breakdown_explanation,
        }
        for breakdown in monitoring_return.breakdowns.all():
            initial[breakdown_field_name(breakdown.code.list, breakdown.code.code)] = breakdown.count
        for outcome in monitoring_return.outcomes.all():
            initial[outcome_field_name(outcome.code.code, "assessed")] = outcome.assessed
            initial[outcome_field_name(outcome.code.code, "improved")] = outcome.improved
        for value in monitoring_return.kpi_values.all():
            # Without trailing zeros, and never in exponent form (20, not 2E+1).
            initial[kpi_field_name(value.kpi_id)] = Decimal(f"{value.value.normalize():f}")
        return initial

    # Validation ---------------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        for entry, assessed_name, improved_name in self._outcome_names:
            assessed, improved = cleaned.get(assessed_name), cleaned.get(improved_name)
            if assessed_name in self.errors or improved_name in self.errors:
                continue
            if assessed is None and improved is not None:
                self.add_error(assessed_name, f"Enter how many were assessed for “{entry.label}”")
            elif improved is None and assessed is not None:
                self.add_error(improved_name, f"Enter how many improved for “{entry.label}” (0 if none)")
            elif assessed is not None and improved > assessed:
                self.add_error(
                    improved_name,
                    f"The number improved ({improved}) cannot be more than the number assessed ({assessed})",
                )
        return cleaned

    # What the services take -----------------------------------------------------------------

    def return_data_kwargs(self) -> dict:
        """The cleaned values as ``ReturnData`` keyword arguments (blank boxes left out)."""
        data = self.cleaned_data
        breakdowns: dict[str, dict[str, int]] = {}
        for list_name, names in self._breakdown_names.items():
            counts = {entry.code: data[name] for name, entry in names if data.get(name) is not None}
            if counts:
                breakdowns[list_name] = counts
        outcomes = {
            entry.code: (data[assessed], data[improved])
            for entry, assessed, improved in self._outcome_names
            if data.get(assessed) is not None and data.get(improved) is not None
        }
        kpi_values: dict[int, Decimal] = {
            kpi.pk: data[name] for kpi, name in self._kpi_names if data.get(name) is not None
        }
        return {
            "referrals": data.get("referrals"),
            "supported": data.get("supported"),
            "breakdowns": breakdowns,
            "outcomes": outcomes,
            "kpi_values": kpi_values,
            "narrative": data.get("narrative", ""),
            "case_study": data.get("case_study", ""),
            "case_study_consent": bool(data.get("case_study_consent")),
            "feedback": data.get("feedback", ""),
            "breakdown_explanation": data.get("breakdown_explanation", ""),
        }

    def service_error_field(self, key: str) -> str | None:
        """The form field a service error key names (``supported``, ``crime:violence``,
        ``outcome:feel_safer:assessed``, ``outcome:feel_safer`` (its improved box), ``kpi:12``,
        ``breakdown_explanation``…), or None."""
        if key in self.fields:
            return key
        name = key.replace(":", SEPARATOR)
        if name in self.fields:
            return name
        if key.startswith(f"{OUTCOME_LIST}:") and key.count(":") == 1:
            improved = outcome_field_name(key.split(":", 1)[1], "improved")
            return improved if improved in self.fields else None
        return None

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's ``ValidationError`` on the form: a breakdown list's messages above
        that list, the others on the field they name where the form has it (``add_service_errors``),
        otherwise at the top."""
        self._service_messages.update(exc.messages)
        if hasattr(exc, "error_dict"):
            others = {}
            for key, errors in exc.error_dict.items():
                list_name = key.removeprefix("breakdowns:")
                if key.startswith("breakdowns:") and list_name in self._breakdown_names:
                    messages = [message for error in errors for message in error.messages]
                    self.group_errors.setdefault(list_name, []).extend(messages)
                else:
                    others[key] = errors
            if not others:
                return
            exc = ValidationError(others)
        add_service_errors(self, exc, field_for=self.service_error_field)

    # Parts ------------------------------------------------------------------------------------

    def part_fields(self, slug: str) -> list[str]:
        """The names of the fields asked on a part ([] if the return asks nothing there)."""
        if slug == "numbers":
            return ["referrals", "supported"]
        if slug == "breakdowns":
            names = [name for names in self._breakdown_names.values() for name, _entry in names]
            return [*names, "breakdown_explanation"] if names else []
        if slug == "outcomes":
            return [name for _entry, assessed, improved in self._outcome_names for name in (assessed, improved)]
        if slug == "kpis":
            return [name for _kpi, name in self._kpi_names]
        return list(_ABOUT_FIELDS) if slug == "about" else []

    @property
    def parts(self) -> list[ReturnPart]:
        """The parts this return asks (no KPIs part for an award without KPIs, and so on)."""
        return [part for part in RETURN_PARTS if self.part_fields(part.slug)]

    def _answer(self, name: str) -> str:
        value = self._value(name)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return "" if value is None else str(value).strip()

    @property
    def check_sections(self) -> list[dict]:
        """The check-answers page: per part, (label, answer, field id) for what was entered (a
        breakdown list's entries with its total; an outcome's two numbers on one line)."""
        sections = []
        for part in self.parts:
            rows: list[tuple[str, str, str]] = []
            if part.slug == "breakdowns":
                for group in self.breakdown_groups:
                    entered = [
                        f"{bound.label}: {self._answer(bound.name)}"
                        for bound in group.fields
                        if self._answer(bound.name)
                    ]
                    total = f"Total {group.total_text}" + (
                        f" of {group.supported_text} supported, {group.verdict}" if group.verdict else ""
                    )
                    rows.append((group.legend, "\n".join([*entered, total]) if entered else "", group.first_id))
                rows.append((EXPLANATION_LABEL, self._answer("breakdown_explanation"), "id_breakdown_explanation"))
            elif part.slug == "outcomes":
                for entry, assessed, improved in self._outcome_names:
                    if self._answer(assessed) or self._answer(improved):
                        answer = f"{self._answer(assessed)} assessed, {self._answer(improved)} improved"
                    else:
                        answer = ""
                    rows.append((entry.label, answer, self[assessed].id_for_label))
            else:
                rows = [
                    (str(self[name].label), self._answer(name), self[name].id_for_label)
                    for name in self.part_fields(part.slug)
                ]
            sections.append({"part": part, "rows": rows})
        return sections

    def part_of(self, name: str) -> str | None:
        return next((part.slug for part in self.parts if name in self.part_fields(part.slug)), None)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.group_errors)

    # Layout for the template ------------------------------------------------------------------

    def _value(self, name: str):
        if self.is_bound and not self.read_only:
            return self[name].value()
        return self.initial.get(name)

    @property
    def breakdown_groups(self) -> list[FieldGroup]:
        supported = whole_number(self._value("supported"))
        groups = []
        for list_name in BREAKDOWN_LISTS:
            names = self._breakdown_names.get(list_name, [])
            if not names:
                continue
            label = CodeList(list_name).label.lower()
            group = FieldGroup(
                key=list_name,
                legend=f"Victims supported by {label}",
                hint="Each person once. The numbers should add up to the victims supported.",
                label=label,
                fields=[self[name] for name, _entry in names],
                supported=supported,
                errors=self.group_errors.get(list_name, []),
            )
            for name, _entry in names:
                value = self._value(name)
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                number = whole_number(value)
                if number is None:
                    group.not_counted += 1
                else:
                    group.total += number
                    group.entered = True
            groups.append(group)
        return groups

    @property
    def explanation_needed(self) -> bool:
        """Show the explanation box: a list filled in does not add up, or it holds an answer or
        an error. (With JavaScript, the box also appears and disappears while typing.)"""
        if self["breakdown_explanation"].errors or (self._value("breakdown_explanation") or "").strip():
            return True
        return any(group.mismatch for group in self.breakdown_groups)

    @property
    def outcome_rows(self) -> list[tuple]:
        """(entry, assessed bound field, improved bound field) per victims' outcome measure."""
        return [(entry, self[assessed], self[improved]) for entry, assessed, improved in self._outcome_names]

    @property
    def kpi_fields(self) -> list:
        return [self[name] for _kpi, name in self._kpi_names]

    def _labelled(self, bound, label: str) -> list[dict]:
        """A field's errors for the summary: a service message as it is (it names its field),
        a form message after the field's label ("Referrals received: Enter a whole number")."""
        return [
            {
                "href": f"#{bound.id_for_label}",
                "text": error if error in self._service_messages else f"{label}: {error}",
            }
            for error in bound.errors
        ]

    @property
    def summary_items(self) -> list[dict]:
        """Every error as {"href", "text"}, in the order the page shows the fields: the error
        summary links each to its box (a whole breakdown list to its first box)."""
        items = [{"href": f"#{self['referrals'].id_for_label}", "text": error} for error in self.non_field_errors()]
        shown: set[str] = set()

        def add(name: str, label: str | None = None) -> None:
            shown.add(name)
            bound = self[name]
            # The field's own label: bound.label is already escaped for the page.
            items.extend(self._labelled(bound, label or str(bound.field.label)))

        add("referrals")
        add("supported")
        for group in self.breakdown_groups:
            items.extend({"href": f"#{group.first_id}", "text": error} for error in group.errors)
            for bound in group.fields:
                add(bound.name, f"{bound.field.label} ({group.label})")
        add("breakdown_explanation")
        for _entry, assessed, improved in self._outcome_names:
            add(assessed)
            add(improved)
        for _kpi, name in self._kpi_names:
            add(name)
        for name in ("narrative", "case_study", "case_study_consent", "feedback"):
            add(name)
        for bound in self:
            if bound.name not in shown and bound.errors:  # the hidden version box
                items.extend({"href": "#main-content", "text": error} for error in bound.errors)
        return [self._on_its_part(item) for item in items]

    def _on_its_part(self, item: dict) -> dict:
        """On a part's page, an error about a field of another part links to that part's page."""
        current = getattr(self, "current_part", None)
        if not current or not item["href"].startswith("#id_"):
            return item
        part = self.part_of(item["href"].removeprefix("#id_"))
        if part is None or part == current:
            return item
        return {**item, "href": f"?part={part}{item['href']}"}


class OrganisationContactForm(VersionedForm):
    """The contact details a provider may change about its own organisation."""

    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    postcode = forms.CharField(
        max_length=10, required=False, widget=forms.TextInput(attrs={"class": "govuk-input--width-10"})
    )
    website = forms.CharField(label="Website", max_length=300, required=False)
    email = forms.EmailField(label="Email address", required=False)
    phone = forms.CharField(
        label="Telephone",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )


ORGANISATION_CONTACT_FIELDS = ("address", "postcode", "website", "email", "phone")
