app_name = "needs_assessment"

urlpatterns: list = []
