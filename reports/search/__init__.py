"""The header's search box: what each user may find across the apps, and its results page."""
