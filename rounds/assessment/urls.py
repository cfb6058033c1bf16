"""Panel members' pages (under /assess/): their assignments, conflict declarations and scores."""

app_name = "assess"

urlpatterns: list = []
