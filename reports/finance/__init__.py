"""The finance views (committed, planned and paid by stream, priority, provider and month), their
pages and downloads, and the finance pack."""
