"""The officers' pages of delivery plans (included by delivery/urls.py in namespace ``delivery``)."""

from django.urls import path

from . import import_views, views

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("import/", import_views.plan_import, name="plan_import"),
    path("<str:reference>/", views.plan_detail, name="plan"),
    path("<str:reference>/edit/", views.plan_edit, name="plan_edit"),
    path("<str:reference>/priorities/new/", views.priority_add, name="priority_add"),
    path("<str:reference>/priorities/<int:pk>/edit/", views.priority_edit, name="priority_edit"),
    path("<str:reference>/objectives/new/", views.objective_add, name="objective_add"),
    path("<str:reference>/objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path("<str:reference>/objectives/<int:pk>/metrics/new/", views.objective_metric_add, name="objective_metric_add"),
    path("<str:reference>/activities/new/", views.activity_add, name="activity_add"),
    path("<str:reference>/activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("<str:reference>/activities/<int:pk>/metrics/new/", views.activity_metric_add, name="activity_metric_add"),
    path("<str:reference>/metrics/<int:pk>/", views.metric_detail, name="metric"),
    path("<str:reference>/metrics/<int:pk>/edit/", views.metric_edit, name="metric_edit"),
    path("<str:reference>/metrics/<int:pk>/values/new/", views.metric_value_add, name="metric_value_add"),
    path(
        "<str:reference>/metrics/<int:pk>/values/<int:value_pk>/delete/",
        views.metric_value_delete,
        name="metric_value_delete",
    ),
]
for _kind, _segment in (
    ("priority", "priorities"),
    ("objective", "objectives"),
    ("activity", "activities"),
    ("metric", "metrics"),
):
    urlpatterns.append(
        path(
            f"<str:reference>/{_segment}/<int:pk>/delete/",
            views.row_delete,
            {"kind": _kind},
            name=f"{_kind}_delete",
        )
    )
