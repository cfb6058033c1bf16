#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc_commissioning.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as problem:
        # A setting missing from the environment (most often SECRET_KEY on a development
        # machine, where DEBUG=1 is what is meant): one line that says what to set, not a traceback.
        sys.exit(f"manage.py: {problem} On a development machine, run it with DEBUG=1 (as `make run` does).")


if __name__ == "__main__":
    main()
