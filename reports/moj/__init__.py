"""The MoJ bi-annual compliance return for the victims' grant
(docs/formats.md "MoJ bi-annual return").

- ``figures``: the figures and validation issues of a year and half, computed from funding
  lines, payments and accepted monitoring returns (the JSON shape docs/formats.md documents).
- ``services``: the workflow (draft → submitted → signed off, amendments), all writes.
- ``outputs``: JSON, XLSX and PDF renderings (built by the reports engine's Celery job).
- ``views`` / ``urls``: the pages.
"""
