"""The dashboard (home page of every internal role), need versus spend and the KPQ pages."""
