from django.apps import AppConfig


class PccCommissioningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pcc_commissioning"
    verbose_name = "PCC Commissioning"
