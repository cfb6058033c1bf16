"""The demo's delivery plan: Durham Constabulary's Force Delivery Plan 2019/20 (``delivery_seed``)
and its two half-yearly updates (``delivery_seed_updates``); see ``loader``."""

from .loader import delivery_seed, delivery_seed_updates

__all__ = ["delivery_seed", "delivery_seed_updates"]
