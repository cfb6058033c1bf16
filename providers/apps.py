from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "providers"
    # The modules declaring this app's import and export kinds (pcc_commissioning.interchange).
    importer_modules = ("providers.importers",)
