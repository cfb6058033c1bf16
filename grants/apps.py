from django.apps import AppConfig


class GrantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grants"

    def ready(self) -> None:
        # The "Awards" tabs of an organisation's page and of a commissioning intention's page:
        # providers and needs_assessment link to them by URL name only, never importing grants.
        from pcc_commissioning.tabs import register_tab

        register_tab("organisation", "Awards", "grants:provider_awards", capability="grants.view")
        register_tab("intention", "Awards", "grants:intention_awards", capability="grants.view")
