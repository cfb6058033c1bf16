"""The demo's delivery plan: Durham Constabulary's Force Delivery Plan 2019/20 (``delivery_seed``)
and its two half-yearly updates (``delivery_seed_updates``); see ``loader``. The year's review
(publication, acceptance, the board, the decision) is in ``review``, Victims' Code compliance in
``compliance``."""

from .loader import PLAN_REFERENCE, delivery_seed, delivery_seed_updates

__all__ = ["PLAN_REFERENCE", "delivery_seed", "delivery_seed_updates"]
