"""Demo grants register: the Durham 2019/20 delivery plan loaded as awards.

``grants_seed`` turns the rows of ``delivery_plan.csv`` (priority, title, kpqs, how, spend) into
active awards with funding lines, decisions and payments, paired with the organisations of
``organisations.csv`` (how funded, for how long, key activity) through the explicit table
``PAIRINGS`` below: the two published tables do not map one to one, so the pairing is a
judgement, written down where it can be read and changed.

The funding streams, their allocations, the priority budgets and a few awards that show the
other statuses (planned, procuring, cancelled) are declared here too. The 2019/20 budget of
each priority is the sum of its delivery-plan rows, and each row's 2019/20 spend is split
across streams so the parts add up to the row exactly: the demo's 2019/20 committed total per
priority is the published strategic budget (842,100 / 634,900 / 577,100). Multi-year contracts
also have lines in the other years their dates cover, so other years may hold more.

Everything is written through the grants services (``grants.awards.services``,
``grants.payments.services``, …) and ``providers.services``, so the demo obeys every rule of
the register. Loading is idempotent: streams and organisations are matched
by name, allocations and budgets by year, decisions and awards by reference; whatever already
exists is left exactly as it is (not updated, no history row), so a second run writes nothing.
"""

from .loader import grants_seed
from .pairings import PAIRINGS
from .returns import returns_seed

__all__ = ["PAIRINGS", "grants_seed", "returns_seed"]
