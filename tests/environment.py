"""A pytest plugin loaded (``-p`` in pytest.ini) before Django reads its settings.

Tests run with development settings (DEBUG=1: no HTTPS redirect, no manifest of static
files) unless the environment says otherwise. pytest-django still sets DEBUG=False at run time.
"""

import os

os.environ.setdefault("DEBUG", "1")
