from django.apps import AppConfig


class PccCommissioningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pcc_commissioning"
    verbose_name = "PCC Commissioning"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .security import record_sign_in

        # Every sign-in (the sign-in page, the admin's, a password reset's) starts the
        # session's clock for its absolute deadline.
        user_logged_in.connect(record_sign_in, dispatch_uid="pcc_commissioning.record_sign_in")
