from django.urls import path

from . import publication_views

urlpatterns = [
    path("plans/<int:pk>/publish/", publication_views.plan_publish, name="plan_publish"),
    path("plans/<int:pk>/unpublish/", publication_views.plan_unpublish, name="plan_unpublish"),
    path("plans/<int:pk>/archive/", publication_views.plan_archive, name="plan_archive"),
]
