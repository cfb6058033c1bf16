"""The one PDF writer: HTML to a tagged, accessible A4 PDF by WeasyPrint.

The reports (the Police and Crime Panel report, the MoJ return) write their PDFs through it, and
other apps may too, so it sits in the lowest layer. Callers use ``pdf.tagged_pdf(...)`` through
the module, so a benchmark can time every PDF written by replacing that one attribute.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string


def tagged_pdf(html: str, *, stylesheets: list[str]) -> bytes:
    """An HTML document (with ``lang``, ``<title>`` and table captions/header cells) as a tagged
    A4 PDF/UA-1, styled by the given CSS templates."""
    from weasyprint import CSS, HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(string=render_to_string(name)) for name in stylesheets], pdf_tags=True, pdf_variant="pdf/ua-1"
    )
