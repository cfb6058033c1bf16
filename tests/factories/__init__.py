"""factory-boy factories, one module per app; import them from here."""

from .outcomes import (
    CodeListEntryFactory,
    CommissioningPriorityFactory,
    KPQFactory,
    PlanOutcomeFactory,
)
from .providers import (
    ContactFactory,
    DueDiligenceDocumentFactory,
    OrganisationFactory,
    ProviderMembershipFactory,
)
from .users import UserFactory

__all__ = [
    "CodeListEntryFactory",
    "CommissioningPriorityFactory",
    "ContactFactory",
    "DueDiligenceDocumentFactory",
    "KPQFactory",
    "OrganisationFactory",
    "PlanOutcomeFactory",
    "ProviderMembershipFactory",
    "UserFactory",
]
