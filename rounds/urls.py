"""The officers' pages of grant rounds (under /rounds/). The public pages, the applicants' and
the assessors' pages have their own prefixes (pcc_commissioning/urls.py)."""

app_name = "rounds"

urlpatterns: list = []
