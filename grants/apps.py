from django.apps import AppConfig


class GrantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grants"

    def ready(self) -> None:
        # The "Awards" tab on an organisation's page: providers links to it by URL name only.
        from providers.tabs import register_tab

        register_tab("Awards", "grants:provider_awards", "grants.view")
