from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("code-lists/", views.code_lists, name="code_lists"),
]
