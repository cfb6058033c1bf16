from django.apps import AppConfig


class NeedsAssessmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "needs_assessment"
    # The modules declaring this app's import and export kinds (pcc_commissioning.interchange).
    importer_modules = ("needs_assessment.importers",)
