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
        "grants.variations.exporters",
        "grants.recoveries.exporters",
    )

    def ready(self) -> None:
        # The "Awards" tabs of an organisation's page and of a commissioning intention's page:
        # providers and needs_assessment link to them by URL name only, never importing grants.
        from pcc_commissioning.tabs import register_tab

        register_tab("organisation", "Awards", "grants:provider_awards", capability="grants.view")
        register_tab("intention", "Awards", "grants:intention_awards", capability="grants.view")

        # The code lists page offers every year codes are recorded in: the register's years.
        from grants.awards.selectors import register_years
        from outcomes.selectors import register_code_list_years

        register_code_list_years(register_years)
