"""The Celery application. Tasks live in each app's ``tasks.py`` and are auto-discovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc_commissioning.settings")

app = Celery("pcc_commissioning")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
