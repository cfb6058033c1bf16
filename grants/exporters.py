"""The grants export kinds, for the interchange registry.

``pcc_commissioning.interchange.exporters()`` imports each app's ``exporters`` module and no
deeper, so this module imports every bounded context's exporters: without it the command line
(``manage.py export_data``) would not know the awards, payments, commitments, returns and
return-schedule exports.
"""

from grants.awards import exporters as awards_exporters
from grants.funding import exporters as funding_exporters
from grants.monitoring import exporters as monitoring_exporters
from grants.payments import exporters as payments_exporters

__all__ = ["awards_exporters", "funding_exporters", "monitoring_exporters", "payments_exporters"]
