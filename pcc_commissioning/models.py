from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The project's user. Roles are Django groups (see ``roles.py``)."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
