"""The interchange formats of docs/formats.md, in four modules: ``tables`` reads a CSV or XLSX file
into rows within the size limits; ``cells`` parses and guards single cells; ``rows`` holds the
row-level errors; ``imports`` registers import kinds and runs an import all-or-nothing;
``exports`` registers export kinds and writes CSV and XLSX.

An import or export kind is a function decorated with ``@importer("kind", ...)`` or
``@exporter("kind", ...)`` in its context's ``importers.py`` / ``exporters.py``, and each app lists
those modules in its AppConfig (``importer_modules`` / ``exporter_modules``). ``importers()`` and
``exporters()`` load the listed modules, so this module never imports a higher app and no kind
depends on some other module happening to import it first. The command line
(``manage.py import_data``) and upload pages both go through ``run_import``.
"""
