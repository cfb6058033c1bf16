"""No text from a record becomes markup on a page (pcc_commissioning/form_rendering.py).

crispy-forms-gds writes labels, legends and hints with ``|safe``, and forms build them from
records (a KPI's name on the provider's return form, code-list labels and definitions, choice
labels from ``label_from_instance``). A record holding a ``<meta http-equiv="refresh">`` tag
once sent a provider's browser to another site. Here such a tag is put into every name, title,
label, question, subject, definition and description in the demo, and every page a form is on
is read: the tag shows as text and is never live.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils.safestring import mark_safe

from pcc_commissioning.models import User

from .test_security import demo  # noqa: F401 - the seeded demo, ids restarted from 1
from .test_url_access import ROUTES

PAYLOAD = '<meta http-equiv="refresh" content="0;url=//x.example/">'
ESCAPED = "&lt;meta http-equiv=&quot;refresh&quot; content=&quot;0;url=//x.example/&quot;&gt;"
LIVE = re.compile(r"<meta\s+http-equiv", re.I)
PROJECT_APPS = ("pcc_commissioning", "providers", "outcomes", "needs_assessment", "grants", "reports")
DISPLAYED_FIELDS = {
    "name",
    "title",
    "label",
    "question",
    "subject",
    "definition",
    "description",
    "first_name",
    "last_name",
    "summary",
}


def _crispy(form: forms.Form) -> str:
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))


class _EveryKindOfField(forms.Form):
    text = forms.CharField(label=PAYLOAD, help_text=PAYLOAD)
    agreed = forms.BooleanField(label=PAYLOAD, help_text=PAYLOAD)
    one = forms.ChoiceField(label=PAYLOAD, help_text=PAYLOAD, choices=[("a", PAYLOAD)], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(
        label=PAYLOAD, help_text=PAYLOAD, choices=[("a", PAYLOAD)], widget=forms.CheckboxSelectMultiple
    )
    pick = forms.ChoiceField(label=PAYLOAD, help_text=PAYLOAD, choices=[("a", PAYLOAD)])


@pytest.mark.parametrize("render", [_crispy, lambda form: form.as_div()], ids=["crispy-forms-gds", "django"])
def test_labels_hints_and_choices_from_data_are_text(render):
    html = render(_EveryKindOfField(data={"text": ""}))  # bound: the error messages show too
    assert not LIVE.search(html)
    # Each field's label (or legend), hint and choice: 5 labels, 5 hints, 3 choices.
    assert html.count(ESCAPED) >= 13
    assert "&amp;lt;" not in html  # escaped once, not twice


def test_a_label_written_with_markup_on_purpose_keeps_it():
    class Marked(forms.Form):
        name = forms.CharField(
            label=mark_safe("Name <strong>in full</strong>"), help_text=mark_safe("<em>As</em> known")
        )

    html = _crispy(Marked())
    assert "Name <strong>in full</strong>" in html and "<em>As</em> known" in html


def test_every_form_uses_the_escaping_renderer():
    assert settings.FORM_RENDERER == "pcc_commissioning.form_rendering.FormRenderer"
    bound = _EveryKindOfField()["text"]
    assert bound.label == ESCAPED and bound.help_text == ESCAPED


def _put_the_payload_in_every_displayed_field() -> int:
    changed = 0
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if (
                field.name not in DISPLAYED_FIELDS
                or field.choices
                or field.unique
                or not isinstance(field, (models.CharField, models.TextField))
                or (field.max_length or 1000) < 100
            ):
                continue
            value = Concat(Value(PAYLOAD + " "), F(field.name), output_field=models.TextField())
            if field.max_length:
                value = Substr(value, 1, field.max_length)
            changed += model.objects.update(**{field.name: value})
    return changed


def _links(html: str, prefix: str) -> set[str]:
    return {link for link in re.findall(r'href="([^"#?]+)"', html) if link.startswith(prefix)}


def test_no_page_turns_text_from_records_into_markup(demo):
    assert _put_the_payload_in_every_displayed_field() > 100
    officer = Client(raise_request_exception=False)
    officer.force_login(User.objects.get(username="admin"))
    live, escaped = [], set()
    for route, url in ROUTES:
        if route.name == "logout" or url.startswith(settings.STATIC_URL):
            continue
        response = officer.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode()
            live += [url] if LIVE.search(html) else []
            escaped |= {route.name} if ESCAPED in html else set()
    # The forms that build labels, hints and choices from records show the text.
    assert {"grants:award_create", "grants:award_edit", "needs_assessment:intention_create"} <= escaped, escaped

    provider = Client(raise_request_exception=False)
    provider.force_login(User.objects.get(username="provider"))
    home = provider.get(reverse("portal:home")).content.decode()
    pages = sorted(_links(home, "/portal/"))
    for url in pages:
        response = provider.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode()
            live += [url] if LIVE.search(html) else []
            escaped |= {url} if ESCAPED in html else set()
    assert any("/returns/" in url for url in escaped), pages
    assert live == []


@pytest.mark.django_db
def test_the_return_forms_error_summary_names_a_kpi_as_written(provider_client, organisation):
    """The summary's link text is built from the field's own label: escaped once by the page,
    not twice (no "&amp;amp;")."""
    import datetime

    from grants.models import AwardStatus, MonitoringReturn, ReturnStatus
    from portal.forms import kpi_field_name
    from tests.factories import AwardFactory
    from tests.factories.monitoring import AwardKPIFactory

    award = AwardFactory(provider=organisation, status=AwardStatus.ACTIVE)
    kpi = AwardKPIFactory(award=award, name="Drugs & alcohol <b>referrals</b>")
    ret = MonitoringReturn.objects.create(
        award=award, fy=2019, quarter=1, status=ReturnStatus.DUE, due_date=datetime.date(2019, 7, 20)
    )
    response = provider_client.post(
        reverse("portal:return", args=[ret.pk]),
        {"version": ret.version, "save": "1", "referrals": 3, "supported": 3, kpi_field_name(kpi.pk): "lots"},
    )
    html = response.content.decode()
    link = f'<a href="#id_{kpi_field_name(kpi.pk)}">'
    assert f"{link}Drugs &amp; alcohol &lt;b&gt;referrals&lt;/b&gt;: Enter a number" in html
    assert "&amp;amp;" not in html and "<b>referrals" not in html
