import factory
from django.contrib.auth.models import Group

from pcc_commissioning.models import User
from pcc_commissioning.roles import Role

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; pass ``role=Role.OFFICER`` (etc.) to put them in that role's group."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def role(self, create: bool, role: Role | None, **kwargs) -> None:
        if create and role:
            self.groups.add(Group.objects.get(name=Role(role).value))
