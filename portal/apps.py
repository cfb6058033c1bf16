from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The provider-facing pages: a provider user's own organisation, awards and monitoring returns."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
