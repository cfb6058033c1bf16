"""factory-boy factories, one module per app; import them from here."""

from .users import UserFactory

__all__ = ["UserFactory"]
