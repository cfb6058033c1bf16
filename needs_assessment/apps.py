from django.apps import AppConfig


class NeedsAssessmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "needs_assessment"
