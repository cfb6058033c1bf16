"""The Import page: uploads checked and imported as jobs of the report engine."""
