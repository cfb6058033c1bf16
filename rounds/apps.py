from django.apps import AppConfig


class RoundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rounds"
    verbose_name = "Grant rounds"
    # The modules declaring this app's import and export kinds (pcc_commissioning.interchange).
    importer_modules = (
        "rounds.setup.importers",
        "rounds.applying.importers",
        "rounds.assessment.importers",
    )
    exporter_modules = (
        "rounds.setup.exporters",
        "rounds.moderation.exporters",
        "rounds.reporting.exporters",
    )
