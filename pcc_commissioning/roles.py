"""Roles and the one permission layer every view calls.

A role is a Django group. What a role may do is declared once, as data, in ``CAPABILITIES``;
views ask ``require(user, "capability")`` (or use ``capability_required``) and never test
group names themselves; write services check ``require_capability(actor, "capability")``
themselves, so a write is refused whichever door it comes through. Which *records* a provider user may see is decided by the owning
app's ``access_<thing>`` helpers, which build on ``provider_organisation_id``.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied


class Role(StrEnum):
    OFFICER = "Commissioning officer"
    FINANCE = "Finance officer"
    BOARD = "Board member"
    PROVIDER = "Provider user"
    # Grant rounds: an organisation that applies (not yet, or not necessarily, a provider), and
    # an external member of an assessment panel, who sees only the applications assigned to them.
    APPLICANT = "Applicant"
    ASSESSOR = "Assessor"
    # Plan delivery: someone outside the OPCC (usually in the Force) who leads activities of a
    # delivery plan and writes their progress updates; sees nothing else.
    PARTNER = "Partner contributor"


INTERNAL_ROLES = frozenset({Role.OFFICER, Role.FINANCE, Role.BOARD})

# capability -> roles that hold it. Superusers (system administrators) hold every capability.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "dashboard.view": INTERNAL_ROLES,
    "plan.view": INTERNAL_ROLES,
    "providers.view": INTERNAL_ROLES,
    "providers.edit": frozenset({Role.OFFICER}),
    "providers.import": frozenset({Role.OFFICER}),
    "grants.view": INTERNAL_ROLES,
    "grants.edit": frozenset({Role.OFFICER}),
    "payments.edit": frozenset({Role.FINANCE}),
    # A payment beyond the award's funding, or a refund beyond what was paid, needs a finance
    # officer's override with a reason (grants.payments.services.payment_record).
    "payments.override": frozenset({Role.FINANCE}),
    # Imports (the upload page and manage.py import_data): awards by officers, payments by
    # finance, funding streams and their allocations by either.
    "grants.import": frozenset({Role.OFFICER}),
    "streams.import": frozenset({Role.OFFICER, Role.FINANCE}),
    "payments.import": frozenset({Role.FINANCE}),
    "needs.view": INTERNAL_ROLES,
    "needs.edit": frozenset({Role.OFFICER}),
    "needs.import": frozenset({Role.OFFICER}),  # areas, indicators and their values
    "reports.view": INTERNAL_ROLES,
    "reports.request": INTERNAL_ROLES,
    # The MoJ bi-annual return: officers prepare and submit it, finance signs it off.
    "moj.view": INTERNAL_ROLES,
    "moj.prepare": frozenset({Role.OFFICER}),
    "moj.sign_off": frozenset({Role.FINANCE}),
    # Finance exports (payments and commitments by stream, priority, provider and month).
    "exports.finance": frozenset({Role.FINANCE, Role.OFFICER}),
    # The transparency lists (Specified Information Order) and the 360Giving file are public
    # data once published; every internal role may read and download them.
    "transparency.view": INTERNAL_ROLES,
    # The provider portal: a provider user's own organisation only.
    "portal.view": frozenset({Role.PROVIDER}),
    # Grant rounds. Officers set rounds up, screen, run the panel and make the awards; every
    # internal role reads them. Applicants and provider users apply (their organisation's
    # applications only: rounds.applying.access). Panel members score only what is assigned to
    # them and not conflicted (rounds.assessment.access): board members may sit on a panel, and
    # scoring is the one thing they write.
    "rounds.view": INTERNAL_ROLES,
    "rounds.edit": frozenset({Role.OFFICER}),
    "rounds.screen": frozenset({Role.OFFICER}),
    "rounds.panel": frozenset({Role.OFFICER}),
    "rounds.import": frozenset({Role.OFFICER}),
    "rounds.apply": frozenset({Role.APPLICANT, Role.PROVIDER}),
    "rounds.score": frozenset({Role.OFFICER, Role.BOARD, Role.ASSESSOR}),
    # Plan delivery and scrutiny (delivery plans, update rounds, board meetings, Victims' Code
    # compliance): every internal role reads; officers edit, import and run the update cycle.
    # Partner contributors update only the activities they lead (delivery.updates.access).
    "delivery.view": INTERNAL_ROLES,
    "delivery.edit": frozenset({Role.OFFICER}),
    "delivery.import": frozenset({Role.OFFICER}),
    "delivery.contribute": frozenset({Role.PARTNER}),
    # After the decision. Officers keep the agreement templates, issue agreements, countersign
    # and record agreements signed on paper. A provider user accepts an agreement only when
    # marked as the organisation's authorised signatory (grants.agreements.access).
    "agreements.edit": frozenset({Role.OFFICER}),
    "agreements.accept": frozenset({Role.PROVIDER}),
    # Variations: officers and the provider's users raise them (a provider its own awards only);
    # an officer approves, finance approves as well where money moves.
    "variations.request": frozenset({Role.OFFICER, Role.PROVIDER}),
    "variations.approve": frozenset({Role.OFFICER}),
    "variations.finance": frozenset({Role.FINANCE}),
    # Spend returns, recoveries and carry-forward: officers raise them; finance records money
    # received (payments.edit).
    "recoveries.edit": frozenset({Role.OFFICER}),
    # Closing an award, and redacting personal data after its retention date.
    "awards.close": frozenset({Role.OFFICER}),
    "retention.redact": frozenset({Role.OFFICER}),
}


def user_roles(user) -> frozenset[Role]:
    """The user's roles, read once per request and cached on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_pcc_roles", None)
    if cached is None:
        names = {group.name for group in user.groups.all()}
        cached = frozenset(role for role in Role if role.value in names)
        user._pcc_roles = cached
    return cached


def has_capability(user, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user) & CAPABILITIES[capability])


def require(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(f"Your role does not allow this ({capability}).")


def require_capability(actor, capability: str, *or_capabilities: str) -> None:
    """For services: raise ``PermissionDenied`` unless ``actor`` holds ``capability`` (or one
    of ``or_capabilities``: a write that an import may also make, such as an allocation).

    Every write service an actor can call checks this itself, whatever page or command calls
    it (views may check earlier, for a friendly page). ``actor`` None is the system (imports
    run by the command line or a job, the daily run, the demo data) and is allowed: whoever
    started it was checked at that door."""
    if actor is None:
        return
    if not any(has_capability(actor, each) for each in (capability, *or_capabilities)):
        raise PermissionDenied(f"Your role does not allow this ({capability}).")


def active_users_with(role: Role):
    """The active users with ``role``, as a queryset (in no particular order)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, groups__name=role.value).distinct()


def active_officers():
    """The active users with the officer role, as a queryset (in no particular order)."""
    return active_users_with(Role.OFFICER)


def active_finance_officers():
    """The active users with the finance role, as a queryset (in no particular order)."""
    return active_users_with(Role.FINANCE)


def is_provider_user(user) -> bool:
    return Role.PROVIDER in user_roles(user) and not user.is_superuser


def provider_organisation_id(user) -> int | None:
    """The organisation a provider user belongs to (None for everyone else)."""
    if not is_provider_user(user):
        return None
    membership = getattr(user, "provider_membership", None)
    return membership.organisation_id if membership else None


def capability_required(capability: str):
    """Decorator for function views."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, capability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class CapabilityRequiredMixin(AccessMixin):
    """For class-based views: set ``capability``."""

    capability: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        require(request.user, self.capability)
        return super().dispatch(request, *args, **kwargs)
