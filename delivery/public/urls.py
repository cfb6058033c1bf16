"""Published delivery plans (under /plans/, no sign-in)."""

from django.urls import path

from . import views

app_name = "plans_public"

urlpatterns = [
    path("", views.index, name="index"),
    # The PDF has two addresses: /plans/FDP-2019.pdf (what a website links to) and
    # /plans/FDP-2019/pdf/ (beside the page's own address).
    path("<str:reference>.pdf", views.plan_pdf, name="pdf"),
    path("<str:reference>/pdf/", views.plan_pdf, name="pdf_page"),
    path("<str:reference>/", views.plan, name="plan"),
]
