from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """The project's user. Roles are Django groups (see ``roles.py``)."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class SubmissionToken(models.Model):
    """A create form's one-time token, claimed by its first successful submission.

    ``pcc_commissioning.idempotency`` writes a row in the same transaction as the record the
    form creates; the unique ``token`` is what stops a second submission of the same form
    (a double click, a browser retry, a duplicated tab) creating a second record. The row
    remembers where the first submission led, so the second is sent there too.
    """

    token = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey("pcc_commissioning.User", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(db_index=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    redirect_url = models.CharField(max_length=2000, blank=True)
    message = models.CharField(max_length=1000, blank=True)

    def __str__(self) -> str:
        return f"Submission by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"
