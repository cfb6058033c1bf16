"""Demo needs data: a unified needs assessment for the Durham police force area, 2019.

The areas are real: the Durham police force area (E23000008) and its two local authorities,
County Durham (E06000047) and Darlington (E06000005), with their community safety partnerships.
Populations are ONS mid-year estimates for 2017-2019, rounded as published; treat them as
approximate. The indicator values are **illustrative**: plausible figures of the right size for
an area of this population, not published statistics. Findings and intentions read as an OPCC
would write them, and the intentions are linked to the Durham awards of ``demo.grants`` (the
award names the intention it fulfils, and the areas it serves when the service is local).

Everything is written through ``needs_assessment.services`` (and, for the award links,
``grants.awards.services.award_update``).
Loading is idempotent: areas are matched by code, themes and indicators by name, the
assessment by title and year, findings by title within it, intentions by title; whatever
already exists is left exactly as it is, so a second run writes nothing (no history rows).
"""

from .loader import needs_seed
from .tables import INDICATORS

__all__ = ["INDICATORS", "needs_seed"]
