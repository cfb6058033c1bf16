"""The officers' pages of plan delivery (under /delivery/), one URL module per part. Published
plans (/plans/) and Partner contributors' pages (/contribute/) have their own prefixes
(pcc_commissioning/urls.py).

URL names (linked across parts by name): plans ``plan_list``, ``plan``, ``plan_publish``,
``plan_unpublish``, ``plan_archive``; updates ``update_round``; scrutiny ``meetings``,
``meeting_create`` (from an update round), ``meeting``, ``versions``, ``version``; compliance
``compliance``."""

from django.urls import include, path

app_name = "delivery"

urlpatterns = [
    # Every other part's addresses first: the plans' "<reference>/" would otherwise take
    # "contributors/", "meetings/" or "compliance/" for a plan's reference.
    path("compliance/", include("delivery.compliance.urls")),
    path("", include("delivery.updates.urls")),
    path("", include("delivery.scrutiny.urls")),
    path("", include("delivery.plans.publication_urls")),
    path("", include("delivery.plans.urls")),
]
