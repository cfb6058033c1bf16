from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    # The modules declaring this app's import and export kinds (pcc_commissioning.interchange).
    exporter_modules = ("reports.exporters",)
