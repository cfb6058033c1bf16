"""The demo and the national stress data: what ``manage.py seed_demo`` loads.

The top layer of the project (beside reports): it may import every app below it and nothing
imports it, so the domain apps hold no seeding code. Each module seeds one area, through that
area's services, so the demo obeys the same rules as a user would: ``providers`` (organisations),
``outcomes`` (the Plan and its measures), ``users`` (one login per role), ``grants`` (the grants
register and its monitoring returns) and ``needs`` (the needs assessment, linked to the awards).
``national`` is the exception: stress data, written with ``bulk_create`` (see its docstring).
The files the demo reads are in ``data/``. The app has no models.
"""
