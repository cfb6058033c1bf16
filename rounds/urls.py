"""The officers' pages of grant rounds (under /rounds/), one URL module per stage. The public
pages, the applicants' and the assessors' pages have their own prefixes (pcc_commissioning/urls.py).

URL names (linked across stages by name): setup ``list``, ``create``, ``detail`` and the
definition's pages; screening ``applications``, ``application``; assessment ``panel``,
``progress``; moderation ``ranking``; decision ``decision``; reporting ``report``."""

from django.urls import include, path

app_name = "rounds"

urlpatterns = [
    path("", include("rounds.setup.urls")),
    path("", include("rounds.screening.urls")),
    path("", include("rounds.assessment.officer_urls")),
    path("", include("rounds.moderation.urls")),
    path("", include("rounds.decision.urls")),
    path("", include("rounds.reporting.urls")),
]
