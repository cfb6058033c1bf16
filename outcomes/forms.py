from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms

from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.periods import FinancialYear

EARLIEST_FY, LATEST_FY = 2000, 2099


class CodeListYearForm(forms.Form):
    """GET filter of the code lists page: show the entries valid in one financial year."""

    fy = forms.TypedChoiceField(
        label="Financial year",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Show only the codes that apply in this year.",
        error_messages={"invalid_choice": "Choose a financial year from the list."},
    )

    def __init__(self, *args, years: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        offered = set(years)
        asked = str(self.data.get("fy", "")) if self.is_bound else ""
        if asked.isdigit() and EARLIEST_FY <= int(asked) <= LATEST_FY:
            offered.add(int(asked))  # a year from a bookmarked link stays selectable
        self.fields["fy"].choices = [("", "All years")] + [
            (year, FinancialYear(year).label) for year in sorted(offered, reverse=True)
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.select("fy"))


# --- KPQ performance measures -----------------------------------------------------------------


class MeasureForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, help_text='For example "Victim satisfaction".')
    unit = forms.CharField(label="Unit", max_length=50, required=False, help_text='For example "%" or "people".')
    polarity = forms.ChoiceField(label="Which way is better?", choices=())
    source = forms.CharField(
        label="Source",
        max_length=300,
        required=False,
        help_text="Where the figures come from, e.g. the force's victim survey.",
    )
    definition = forms.CharField(label="Definition", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from .models import Polarity

        super().__init__(*args, **kwargs)
        self.fields["polarity"].choices = Polarity.choices
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("name", "unit", Field.radios("polarity"), "source", "definition")


class MeasureEditForm(VersionedForm, MeasureForm):
    pass


class MeasureValueForm(forms.Form):
    period = forms.CharField(
        label="Period",
        max_length=20,
        help_text='A financial year like "2019" (2019/20) or a quarter like "2019-Q1".',
    )
    value = forms.DecimalField(label="Value", max_digits=16, decimal_places=4)
    target = forms.DecimalField(label="Target (optional)", max_digits=16, decimal_places=4, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("period", field_width=10),
            Field.text("value", field_width=10),
            Field.text("target", field_width=10),
        )
