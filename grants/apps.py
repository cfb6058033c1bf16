from django.apps import AppConfig


class GrantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grants"
    # The modules declaring this app's import and export kinds (pcc_commissioning.interchange).
    importer_modules = (
        "grants.funding.importers",
        "grants.awards.importers",
        "grants.payments.importers",
        "grants.monitoring.importers",
    )
    exporter_modules = (
        "grants.awards.exporters",
        "grants.payments.exporters",
        "grants.funding.exporters",
        "grants.monitoring.exporters",
    )

    def ready(self) -> None:
        # The "Awards" tab on an organisation's page: providers links to it by URL name only.
        from providers.tabs import register_tab

        register_tab("Awards", "grants:provider_awards", "grants.view")

        # The "Awards" tab on a commissioning intention's page, likewise by URL name only.
        from needs_assessment.tabs import register_tab as register_intention_tab

        register_intention_tab("Awards", "grants:intention_awards", "grants.view")
