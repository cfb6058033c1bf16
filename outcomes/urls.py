from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("code-lists/", views.code_lists, name="code_lists"),
    path("kpqs/<int:pk>/measures/", views.kpq_measures, name="kpq_measures"),
    path("kpqs/<int:pk>/measures/new/", views.measure_create, name="measure_create"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/values/new/", views.measure_value_add, name="measure_value_add"),
]
