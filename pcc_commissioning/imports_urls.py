from django.urls import path

from . import imports_views

app_name = "imports"

urlpatterns = [
    path("", imports_views.upload, name="upload"),
    path("confirm/", imports_views.confirm, name="confirm"),
]
