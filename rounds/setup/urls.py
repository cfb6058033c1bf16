"""The officers' pages of a round's set-up (included by rounds/urls.py in namespace ``rounds``)."""

from django.urls import path

from . import definition_views, views

_PARTS = (
    ("eligibility", "eligibility", "eligibility"),
    ("questions", "questions", "question"),
    ("criteria", "criteria", "criterion"),
)


def _part_urls(part: str, segment: str, stem: str) -> list:
    given = {"part": part}
    return [
        path(f"<str:reference>/{segment}/", definition_views.part_list, given, name=part),
        path(f"<str:reference>/{segment}/new/", definition_views.part_add, given, name=f"{stem}_add"),
        path(f"<str:reference>/{segment}/<int:pk>/edit/", definition_views.part_edit, given, name=f"{stem}_edit"),
        path(f"<str:reference>/{segment}/<int:pk>/delete/", definition_views.part_delete, given, name=f"{stem}_delete"),
        path(
            f"<str:reference>/{segment}/<int:pk>/move/<str:direction>/",
            definition_views.part_move,
            given,
            name=f"{stem}_move",
        ),
    ]


urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_create, name="create"),
    path("import/", views.definition_upload, name="definition_upload"),
    path("<str:reference>/", views.round_detail, name="detail"),
    path("<str:reference>/edit/", views.round_edit, name="edit"),
    path("<str:reference>/copy/", views.round_copy, name="copy"),
    path("<str:reference>/definition.json", views.definition_download, name="definition_download"),
    path("<str:reference>/move/<str:move>/", views.round_move, name="move"),
    # The decision stage links here once the round is decided.
    path("<str:reference>/publish-results/", views.round_move, {"move": "publish_results"}, name="publish_results"),
]
for _part, _segment, _stem in _PARTS:
    urlpatterns += _part_urls(_part, _segment, _stem)
