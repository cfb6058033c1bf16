"""The report job engine: the kinds registry, request/run/sweep services, the Celery tasks and
the request, progress, download and archive pages. It knows no kind of report itself: the kinds
are registered by ``reports.apps.ReportsConfig.ready``."""
