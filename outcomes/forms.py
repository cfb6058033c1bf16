from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms

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
        this_year = FinancialYear.current().start_year
        offered = {*years, *range(this_year - 6, this_year + 2)}
        asked = str(self.data.get("fy", "")) if self.is_bound else ""
        if asked.isdigit() and EARLIEST_FY <= int(asked) <= LATEST_FY:
            offered.add(int(asked))  # a year from a bookmarked link stays selectable
        self.fields["fy"].choices = [("", "All years")] + [
            (year, FinancialYear(year).label) for year in sorted(offered, reverse=True)
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.select("fy"))
