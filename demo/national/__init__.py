# Unlike the rest of demo/, this module writes with bulk_create, not through the services: at
# full size it is a few hundred thousand rows (awards, lines, payments, returns and their parts),
# which one service call a row (each validating, writing history and a timeline) would take far
# too long to load. What it keeps of the services' rules is listed in the docstring below.
"""The national stress dataset (README "Performance"): 43 forces' worth over five financial years.

At full size (``scale_factor=1``): 43 OPCCs, about 2,000 providers, 215 funding streams with
their allocations, budgets per priority and year, about 10,000 awards, 40,000 funding lines,
50,000 payments and the decisions that made the awards. No single OPCC is that big: it is the
load a shared regional or national service would carry, so the priority budgets are those of
the whole service (one per priority and year, the Plan's priorities reused), and about 50,000
quarterly monitoring returns with one KPI per committed award (see ``seed_monitoring_returns``).
The original target was 120,000 returns, but returns follow from the awards: one per committed award
and quarter it ran in by ``AS_OF``. With 10,000 awards starting across the five years and about
four funding lines each, awards average 18 months, so about 5 quarters each have passed; even if
every award ran to ``AS_OF`` there would be at most about 90,000. Then the grant rounds
(``rounds``) and plan delivery (``delivery``): a published delivery plan per force of 100
activities with nine six-monthly update rounds, their progress updates and metric values, and
4,300 Victims' Code compliance figures (43 forces, 5 measures, 20 quarters).

Stress data, written fast: rows go straight in with ``bulk_create`` in batches, not through the
services, so **no simple-history rows are written** for them and no award timeline beyond one
entry per award. The data still satisfies every database constraint and the services'
invariants: funding lines lie in financial years the award's dates touch, one per award,
stream and year; payments are made only on awarded, active or ended awards, from a stream and
year the award has a line for, and never exceed what is committed for the award in that year;
refunds are negative with a reason; references are unique; every committed award worth more
than ``DELEGATED_LIMIT`` has a signed decision; dates paid, decided and published are on or
before ``AS_OF``.

Deterministic for a seed: all randomness comes from one ``random.Random(seed)`` drawn in a
fixed order over ordered data, and every date is anchored to the fixed financial years
2019/20-2023/24 and ``AS_OF`` (never today's date), so two runs with the same seed on the same
starting database give the same rows (only automatic timestamps such as ``created_at``
differ).

Not idempotent: it **refuses to run** (``NationalDataPresent``) on a database that already
holds national data (any award with a ``NAT-`` reference). Load it into a fresh database,
after the demo (``manage.py seed_demo --scale national``), which provides the Plan.
"""

from .common import AS_OF, FORCES, NationalDataPresent
from .digest import national_digest
from .seed import national_data_present, national_seed

__all__ = ["AS_OF", "FORCES", "NationalDataPresent", "national_data_present", "national_digest", "national_seed"]
