"""The search behind the header's search box: providers, awards, decisions and commissioning
intentions found by name or reference, ignoring capitals, grouped by type.

Each group is searched the way its own list page searches, so the count a group shows is the
count its list finds when it has a search filter:
- providers: ``providers.selectors.organisation_list`` with ``q`` (name, charity, company or
  supplier number, postcode);
- awards: ``grants.awards.selectors.award_list(search=…)`` (reference, title or provider name);
- decisions: reference or subject (the decisions list has no search of its own);
- intentions: title (intentions have no reference).

Permissions: a group is searched only for a user who may read it (``providers.view``,
``grants.view``, ``needs.view``); a provider user finds only their own organisation's awards
that have been made, nothing else. Each group runs two queries (its count and its first
``GROUP_LIMIT`` rows), so the query count is the same whatever the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.functions import Lower

from grants.awards import selectors as awards_selectors
from grants.models import Award, Decision
from needs_assessment.models import CommissioningIntention
from pcc_commissioning.roles import has_capability, is_provider_user, provider_organisation_id
from providers import selectors as providers_selectors

GROUP_LIMIT = 20
MAX_LENGTH = 200  # longer searches are cut to this many characters


@dataclass
class SearchGroup:
    key: str  # providers, awards, decisions, intentions
    title: str
    count: int
    records: list


@dataclass
class SearchResults:
    text: str  # what was searched for (cleaned and cut to MAX_LENGTH)
    truncated: bool = False
    groups: list[SearchGroup] = field(default_factory=list)
    searchable: bool = True  # False: the user's role may search nothing

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


def clean_search_text(text: str | None) -> tuple[str, bool]:
    """The text to search for: NUL characters (which PostgreSQL refuses) and surrounding or
    repeated white space removed, cut to ``MAX_LENGTH``; and whether it was cut."""
    text = " ".join((text or "").replace("\x00", "").split())
    if len(text) > MAX_LENGTH:
        return text[:MAX_LENGTH].rstrip(), True
    return text, False


def _group(key: str, title: str, queryset) -> SearchGroup:
    return SearchGroup(key=key, title=title, count=queryset.count(), records=list(queryset[:GROUP_LIMIT]))


def site_search(*, user, text: str | None) -> SearchResults:
    """Search every kind of record ``user`` may read for ``text`` (see the module docstring).
    An empty search finds nothing."""
    cleaned, truncated = clean_search_text(text)
    results = SearchResults(text=cleaned, truncated=truncated)
    if is_provider_user(user):
        if cleaned:
            organisation_id = provider_organisation_id(user)
            awards = (
                awards_selectors.award_list(
                    provider=organisation_id,
                    status=list(awards_selectors.PROVIDER_VISIBLE_STATUSES),
                    search=cleaned,
                )
                if organisation_id
                else Award.objects.none()
            )
            results.groups.append(_group("awards", "Your awards", awards))
        return results
    may = {
        "providers": has_capability(user, "providers.view"),
        "awards": has_capability(user, "grants.view"),
        "decisions": has_capability(user, "grants.view"),
        "intentions": has_capability(user, "needs.view"),
    }
    results.searchable = any(may.values())
    if not cleaned:
        return results
    if may["providers"]:
        results.groups.append(
            _group("providers", "Providers", providers_selectors.organisation_list(filters={"q": cleaned}))
        )
    if may["awards"]:
        results.groups.append(_group("awards", "Awards", awards_selectors.award_list(search=cleaned)))
    if may["decisions"]:
        decisions = Decision.objects.filter(Q(reference__icontains=cleaned) | Q(subject__icontains=cleaned))
        results.groups.append(_group("decisions", "Decisions", decisions.order_by(Lower("reference"), "pk")))
    if may["intentions"]:
        intentions = CommissioningIntention.objects.filter(title__icontains=cleaned).select_related("priority")
        results.groups.append(
            _group("intentions", "Commissioning intentions", intentions.order_by(Lower("title"), "pk"))
        )
    return results
