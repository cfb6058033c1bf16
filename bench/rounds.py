"""The grant rounds' share of the benchmark (bench/pages.py): the round with the most
applications, its applications list and panel ranking pages, and its round_results export.

Each page is looked up by its URL name and the export by its kind, and reported "not available"
if one is missing (say, the bench run against an older build) instead of failing the run."""

from __future__ import annotations

# The grant round pages timed, for the round with the most applications (names prefix the
# round's reference in the results).
ROUND_PAGES = (
    ("Round applications list", "rounds:applications"),
    ("Round panel ranking", "rounds:ranking"),
)


def largest_round() -> str | None:
    """The reference of the round with the most applications (None: no round)."""
    from django.db.models import Count

    from rounds.models import Round

    rounds = Round.objects.annotate(n=Count("applications")).order_by("-n", "reference")
    return rounds.values_list("reference", flat=True).first()


def round_counts() -> dict[str, int]:
    from rounds.models import Application, Round, Score

    return {
        "grant rounds": Round.objects.count(),
        "round applications": Application.objects.count(),
        "panel scores": Score.objects.count(),
    }


def round_pages(data: dict) -> tuple[list[tuple[str, str, str]], list[dict]]:
    """The grant round pages for the round with the most applications: (name, URL, who) rows
    for those whose URL name exists, and a "not available" result for each that does not (the
    rounds' pages are built in stages, so the bench runs before all of them have landed)."""
    from django.urls import NoReverseMatch, reverse

    reference = data.get("round")
    rows, missing = [], []
    for name, url_name in ROUND_PAGES:
        if not reference:
            missing.append({"name": name, "note": "not available (no grant round in this database)"})
            continue
        try:
            url = reverse(url_name, args=[reference])
        except NoReverseMatch:
            missing.append({"name": name, "note": f"not available (no URL named {url_name})"})
            continue
        rows.append((f"{name} ({reference})", url, "officer"))
    return rows, missing


def round_results_export(reference: str):
    """The round_results export of one round as CSV, in memory."""

    def export() -> bytes:
        import io

        from pcc_commissioning.interchange.exports import run_export

        output = io.BytesIO()
        run_export("round_results", format="csv", output=output, options={"round": reference})
        return output.getvalue()

    return export
