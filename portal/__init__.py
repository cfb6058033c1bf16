"""The provider portal: the pages a provider user sees. It has no models of its own; it works on
the grants and providers apps' records through their selectors and services."""
