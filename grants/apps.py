from django.apps import AppConfig


class GrantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grants"

    def ready(self) -> None:
        # The "Awards" tab on an organisation's page: providers links to it by URL name only.
        from providers.tabs import register_tab

        register_tab("Awards", "grants:provider_awards", "grants.view")

        # The "Awards" tab on a commissioning intention's page, likewise by URL name only.
        from needs_assessment.tabs import register_tab as register_intention_tab

        register_intention_tab("Awards", "grants:intention_awards", "grants.view")
