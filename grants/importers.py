"""The grants import kinds, for the interchange registry.

``pcc_commissioning.interchange.importers()`` imports each app's ``importers`` module and no
deeper, so this module imports every bounded context's importers: without it the command line
(``manage.py import_data``) would not know the streams, awards, payments and returns imports.
"""

from grants.awards import importers as awards_importers
from grants.funding import importers as funding_importers
from grants.monitoring import importers as monitoring_importers
from grants.payments import importers as payments_importers

__all__ = ["awards_importers", "funding_importers", "monitoring_importers", "payments_importers"]
