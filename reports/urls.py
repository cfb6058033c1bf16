from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("need-versus-spend/", views.need_vs_spend, name="need_vs_spend"),
    path("kpqs/", views.kpq_index, name="kpq_index"),
    path("kpqs/<int:pk>/", views.kpq, name="kpq"),
]
