from django.urls import path

from . import imports_views

app_name = "imports"

urlpatterns = [
    path("", imports_views.upload, name="upload"),
    path("confirm/", imports_views.confirm, name="confirm"),
    path("jobs/<int:pk>/", imports_views.job, name="job"),
    path("jobs/<int:pk>/status/", imports_views.job_status, name="job_status"),
]
