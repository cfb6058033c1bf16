"""What the public sees without signing in: published plans with their latest accepted update,
as a page and a tagged PDF, with a chart and a data table for each metric."""
