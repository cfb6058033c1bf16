"""The demo's grant rounds: the Community Safety Fund, closed, screened and scored by its panel
(the demo officer, board member and assessor) and ready for the panel meeting, and tranche 2 of
the Protecting People and Places Fund, open now, with the demo applicant's application being
written. Rounds' awards are not made here: that is the round's decision, taken on its pages."""

from .loader import rounds_seed

__all__ = ["rounds_seed"]
