"""Form widgets shared by the apps."""

from __future__ import annotations

from crispy_forms_gds.widgets import DateInputWidget
from django import forms
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A ``<select>`` that writes its options directly instead of rendering one template per
    option: for long lists (every provider of a national service) Django's per-option
    templates cost hundreds of milliseconds a page. Same markup, one level of choices."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {"" if value is None else str(value)}
        if isinstance(value, (list, tuple)):
            selected = {str(v) for v in value}
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        final_attrs["name"] = name
        # crispy-forms names unknown widgets by their class; keep GOV.UK's select styling.
        classes = [c for c in final_attrs.get("class", "").split() if c != "fastselect"]
        final_attrs["class"] = " ".join(dict.fromkeys(["govuk-select", *classes]))
        # One string built directly: format_html per option was most of a page's time with
        # a few hundred options.
        options = mark_safe(
            "".join(
                f'<option value="{escape(option_value)}"{" selected" if str(option_value) in selected else ""}>'
                f"{conditional_escape(label)}</option>"
                for option_value, label in self._choice_pairs()
            )
        )
        attributes = format_html_join(
            "",
            ' {}="{}"',
            ((key, val) for key, val in final_attrs.items() if val is not None and not isinstance(val, bool)),
        ) + format_html_join("", " {}", ((key,) for key, val in final_attrs.items() if val is True))
        return format_html("<select{}>{}</select>", attributes, options)

    def _choice_pairs(self):
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                raise TypeError("FastSelect does not render option groups")
            yield ("" if option_value is None else getattr(option_value, "value", option_value)), label


class DateWidget(DateInputWidget):
    """A GOV.UK date input whose label is the day box's, so the error summary links a date's
    error to it (Django's multi-widgets give no id)."""

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else ""
