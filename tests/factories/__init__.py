"""factory-boy factories, one module per app; import them from here."""

from .outcomes import (
    CodeListEntryFactory,
    CommissioningPriorityFactory,
    KPQFactory,
    PlanOutcomeFactory,
)
from .users import UserFactory

__all__ = [
    "CodeListEntryFactory",
    "CommissioningPriorityFactory",
    "KPQFactory",
    "PlanOutcomeFactory",
    "UserFactory",
]
