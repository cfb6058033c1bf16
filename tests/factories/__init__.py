"""factory-boy factories, one module per app; import them from here."""

from .grants import (
    AwardFactory,
    AwardTransitionFactory,
    CoFundingFactory,
    DecisionFactory,
    ForecastOutturnFactory,
    FundingLineFactory,
    FundingStreamFactory,
    PaymentFactory,
    PriorityBudgetFactory,
    StreamAllocationFactory,
)
from .monitoring import (
    AwardKPIFactory,
    MonitoringReturnFactory,
    ReminderSentFactory,
    ReturnBreakdownFactory,
    ReturnKPIValueFactory,
    ReturnOutcomeFactory,
)
from .needs import (
    AreaFactory,
    AreaPopulationFactory,
    CommissioningIntentionFactory,
    FindingFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    NeedsAssessmentFactory,
    ThemeFactory,
)
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
    "AreaFactory",
    "AreaPopulationFactory",
    "CommissioningIntentionFactory",
    "FindingFactory",
    "IndicatorFactory",
    "IndicatorValueFactory",
    "NeedsAssessmentFactory",
    "ThemeFactory",
    "AwardFactory",
    "AwardKPIFactory",
    "MonitoringReturnFactory",
    "ReminderSentFactory",
    "ReturnBreakdownFactory",
    "ReturnKPIValueFactory",
    "ReturnOutcomeFactory",
    "AwardTransitionFactory",
    "CoFundingFactory",
    "CodeListEntryFactory",
    "CommissioningPriorityFactory",
    "ContactFactory",
    "DecisionFactory",
    "DueDiligenceDocumentFactory",
    "ForecastOutturnFactory",
    "FundingLineFactory",
    "FundingStreamFactory",
    "KPQFactory",
    "OrganisationFactory",
    "PaymentFactory",
    "PlanOutcomeFactory",
    "PriorityBudgetFactory",
    "ProviderMembershipFactory",
    "StreamAllocationFactory",
    "UserFactory",
]
