from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "providers"
    # The modules declaring this app's import and export kinds (pcc_commissioning.interchange).
    importer_modules = ("providers.importers",)

    def ready(self) -> None:
        # The tabs of an organisation's page; higher apps add theirs after these (grants' "Awards").
        from pcc_commissioning.tabs import register_tab

        register_tab("organisation", "Details", "providers:detail")
        register_tab("organisation", "Contacts", "providers:contacts")
        register_tab("organisation", "Documents", "providers:documents")
        register_tab("organisation", "Users", "providers:users")
        register_tab("organisation", "History", "providers:history")
