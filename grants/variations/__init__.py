"""Variations: changing an award after the decision (time extensions with or without cost,
changes of value, virements, scope, KPIs, transfers, lead contact).

``services`` raises and decides them, following ``transitions`` (approval follows the money);
``apply`` changes the award once approved and keeps each version's figures; ``letters`` issues
the variation letter through the agreements; ``selectors``, ``forms`` and ``views`` serve the
pages (the portal's are in ``portal.variations``)."""
