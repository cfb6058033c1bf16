"""Import and export kinds (placeholder until built)."""
