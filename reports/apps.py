from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    # The modules declaring this app's import and export kinds (pcc_commissioning.interchange).
    exporter_modules = ("reports.exporters",)

    def ready(self):
        register_report_kinds()
        # The engine's Celery tasks, registered in every process (the web sends the report job
        # by its name, without importing the tasks module): reports.engine.tasks is not found
        # by Celery's autodiscovery, which looks for reports.tasks.
        from .engine import tasks  # noqa: F401


def register_report_kinds() -> None:
    """Every kind of report the engine builds, listed here (the engine imports none of them)."""
    from .engine.registry import ReportKind, register
    from .imports.job import IMPORT_JOB_KIND, ImportJobForm, build_import_job
    from .moj.kind import MojReturnReportForm, build_moj_return
    from .panel.report import PanelReportForm, build_panel_report

    register(
        ReportKind(
            name="panel",
            label="Police and Crime Panel report",
            build=build_panel_report,
            parameters_form=PanelReportForm,
        )
    )
    register(
        ReportKind(
            name="moj_return",
            label="MoJ bi-annual return",
            build=build_moj_return,
            parameters_form=MojReturnReportForm,
        )
    )
    register(
        ReportKind(
            name=IMPORT_JOB_KIND,
            label="Import",
            build=build_import_job,
            parameters_form=ImportJobForm,
            listed=False,
        )
    )
