"""Every form's labels and hints are text, never markup, unless code marked them safe.

crispy-forms-gds writes a field's label, legend and hint with ``|safe`` (so a label may hold
markup), and our forms build many of them from records: a KPI's name, an outcome's label and
definition, a code list's entries. Without this a record named ``<meta http-equiv="refresh" ...>``
would become live markup on every page showing that form. Django 5.2 lets the form renderer name
the bound-field class every form uses (``FORM_RENDERER`` in settings.py), so the escaping is
done once here, for every form, including the admin's and the filters'. Text already marked
safe (``format_html``, ``mark_safe``, Django's password rules list) is left as it is, so a
label written with markup on purpose still shows it.

Python code that needs a label as plain text (say, in an error message that the template will
escape) reads the field's own ``bound.field.label``, not the escaped ``bound.label``.
"""

from __future__ import annotations

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape


class EscapedBoundField(BoundField):
    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        self.label = conditional_escape(self.label)
        self.help_text = conditional_escape(self.help_text)


class FormRenderer(DjangoTemplates):
    """Django's default form renderer, with the escaping bound field."""

    bound_field_class = EscapedBoundField
