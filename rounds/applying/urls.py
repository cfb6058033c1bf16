"""Applicants' pages (under /apply/): registering, the application journey, their applications."""

app_name = "apply"

urlpatterns: list = []
