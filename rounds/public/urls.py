"""The public pages of published rounds (under /funding/, no sign-in)."""

app_name = "rounds_public"

urlpatterns: list = []
