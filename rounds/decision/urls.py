"""The officers' pages of this stage of a round (included by rounds/urls.py)."""

urlpatterns: list = []
