from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "delivery"
    verbose_name = "Plan delivery and scrutiny"
    # The modules declaring this app's import and export kinds (pcc_commissioning.interchange).
    importer_modules = (
        "delivery.plans.importers",
        "delivery.updates.importers",
        "delivery.compliance.importers",
    )
    exporter_modules = (
        "delivery.plans.exporters",
        "delivery.compliance.exporters",
    )
