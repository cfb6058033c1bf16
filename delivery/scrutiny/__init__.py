"""Board meetings that consider an accepted update, the amendments they agree (a new version of
the plan) and the link to the Commissioner's decision that the update was monitored."""
