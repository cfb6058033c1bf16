from django.apps import AppConfig


class NeedsAssessmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "needs_assessment"
    # The modules declaring this app's import and export kinds (pcc_commissioning.interchange).
    importer_modules = ("needs_assessment.importers",)

    def ready(self) -> None:
        # The tabs of a commissioning intention's page; higher apps add theirs after this one.
        from pcc_commissioning.tabs import register_tab

        register_tab("intention", "Details", "needs_assessment:intention_detail")
