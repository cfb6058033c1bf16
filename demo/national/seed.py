"""The national dataset's steps run in order, in one transaction."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TextIO

from django.db import transaction

from grants.models import (
    Award,
)

from .awards import seed_awards
from .common import FORCES, REFERENCE_PREFIX, NationalDataPresent, _Context, _Force
from .delivery import seed_delivery
from .funding import seed_money_in, seed_streams
from .organisations import seed_organisations
from .payments import seed_payments
from .returns import seed_monitoring_returns
from .rounds import seed_rounds

STEPS: tuple[tuple[str, Callable[[_Context], None]], ...] = (
    ("organisations", seed_organisations),
    ("streams", seed_streams),
    ("awards", seed_awards),
    ("payments", seed_payments),
    ("allocations and budgets", seed_money_in),
    ("monitoring returns", seed_monitoring_returns),
    # Last, so the steps before it draw the same numbers as before rounds were added.
    ("grant rounds", seed_rounds),
    # After the rounds, for the same reason.
    ("plan delivery", seed_delivery),
)


def national_data_present() -> bool:
    return Award.objects.filter(reference__startswith=REFERENCE_PREFIX).exists()


@transaction.atomic
def national_seed(*, seed: int, stdout: TextIO | None = None, scale_factor: float = 1.0) -> dict[str, int]:
    """Generate the national stress dataset (see the module's docstring) and return the number
    of rows created per kind. ``scale_factor`` shrinks or grows the providers and awards (and
    so everything that follows from them) for tests and benchmarks; the 43 forces and their
    streams are always there. Raises ``NationalDataPresent`` if national data is already loaded."""
    if scale_factor <= 0:
        raise ValueError("scale_factor must be more than zero.")
    if national_data_present():
        raise NationalDataPresent(
            "This database already holds the national dataset (awards with NAT- references); "
            "load it into a fresh database."
        )

    def out(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    ctx = _Context(
        rng=random.Random(seed),
        scale_factor=scale_factor,
        out=out,
        forces=[_Force(code, area, postcode, weight) for code, area, postcode, weight, _opcc in FORCES],
    )
    for name, step in STEPS:
        started = time.perf_counter()
        step(ctx)
        out(f"  {name}: {time.perf_counter() - started:.1f}s")
    return dict(ctx.counts)
