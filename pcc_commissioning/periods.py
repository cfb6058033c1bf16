"""Financial periods: the one module that does date arithmetic for periods (docs/formats.md,
"Financial years and periods").

The UK public-sector financial year runs 1 April to 31 March; ``FinancialYear(2019)`` is
"2019/20". Within a year: halves H1 (Apr-Sep) and H2 (Oct-Mar), quarters Q1 (Apr-Jun),
Q2 (Jul-Sep), Q3 (Oct-Dec), Q4 (Jan-Mar), and months M1 (April) to M12 (March).

Everything here uses ``datetime.date`` and ``decimal.Decimal``, never floats. Period ends are
inclusive. The needs interchange format writes a period as ``2019`` (a financial year) or
``2019-Q1`` (a quarter of one): see :func:`parse_period_code` and :func:`period_code`.

Money is apportioned in whole pence with the largest-remainder method, so the parts always add
up to the whole exactly and each part is within a penny of its exact share::

    >>> apportion(Decimal("1000"), [FinancialYear(2019), FinancialYear(2020)],
    ...           start=date(2019, 4, 1), end=date(2021, 3, 31))
    [Decimal('500.68'), Decimal('499.32')]
"""

# long module: the rule is that all period arithmetic lives here and nowhere else (financial years,
# halves, quarters, months, parsing, labels, and apportioning money across them), so it stays whole.

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

MIN_YEAR = 1  # FY 1 starts on 1 April 0001, the earliest date Python knows
MAX_YEAR = 9998  # FY 9998 ends on 31 March 9999
# The years people and files may give (docs/formats.md "Financial years and periods"): the
# system can hold far more, but a year outside these is a slip (1 for 2001, 9999 for "none").
FIRST_ACCEPTED_YEAR = 1990
LAST_ACCEPTED_YEAR = 2100

KINDS = ("FY", "H", "Q", "M")  # largest first
_KIND_NAMES = {"FY": "financial year", "H": "half", "Q": "quarter", "M": "month"}
_KIND_COUNT = {"FY": 1, "H": 2, "Q": 4, "M": 12}
_KIND_MONTHS = {"FY": 12, "H": 6, "Q": 3, "M": 1}
CODES = ("FY", "H1", "H2", "Q1", "Q2", "Q3", "Q4") + tuple(f"M{n}" for n in range(1, 13))
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
PENNY = Decimal("0.01")


def _check_date(value: object, name: str = "date") -> date:
    # datetime is a subclass of date but does not compare with one: refuse it plainly.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")
    return value


def _month_index(day: date) -> int:
    """The month of the financial year a date falls in: 1 for April ... 12 for March."""
    return (day.month - 4) % 12 + 1


# ---------------------------------------------------------------------------------------------
# Financial years


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The financial year starting on 1 April of ``start_year``."""

    start_year: int

    def __post_init__(self) -> None:
        if not isinstance(self.start_year, int) or isinstance(self.start_year, bool):
            raise TypeError(f"start_year must be an int, not {type(self.start_year).__name__}")
        if not MIN_YEAR <= self.start_year <= MAX_YEAR:
            raise ValueError(f"Financial year {self.start_year} is out of range ({MIN_YEAR}-{MAX_YEAR}).")

    def __str__(self) -> str:
        return self.label

    # -- dates and labels

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        """The last day of the year (inclusive): 31 March of the next calendar year."""
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        """The label, like "2019/20"; the year after 1999 is written "00": 1999/00, 2099/00."""
        return self._label_for(self.start_year)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= _check_date(day) <= self.end

    # -- neighbours and parts

    def next(self) -> FinancialYear:
        return FinancialYear(self.start_year + 1)

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    @property
    def period(self) -> Period:
        """The whole year as a :class:`Period` (code "FY")."""
        return Period(self, "FY")

    def halves(self) -> tuple[Period, ...]:
        return self.period.halves()

    def quarters(self) -> tuple[Period, ...]:
        return self.period.quarters()

    def months(self) -> tuple[Period, ...]:
        """The twelve months, April first; each labelled like "Apr 2019"."""
        return self.period.months()

    # -- constructors

    @classmethod
    def of(cls, day: date) -> FinancialYear:
        """The financial year a date falls in: 31 March 2020 is in 2019/20, 1 April in 2020/21."""
        day = _check_date(day)
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def current(cls, today: date | None = None) -> FinancialYear:
        """The financial year of ``today`` (default: today's date in the site's time zone)."""
        if today is None:
            from pcc_commissioning import clock

            today = clock.today()
        return cls.of(today)

    @classmethod
    def parse(cls, text: str | int) -> FinancialYear:
        """Read "2019/20", "2019-20", "2019/2020", "2019" or "FY 2019/20" (spaces ignored).

        Raises ValueError, naming the text, for anything else or for a second year that does not
        follow the first ("2019/21").
        """
        if isinstance(text, int) and not isinstance(text, bool):
            return cls(text)
        if not isinstance(text, str):
            raise TypeError(f"Cannot read a financial year from {type(text).__name__}.")
        match = _FY_PATTERN.fullmatch(text.strip())
        if not match:
            raise ValueError(f"'{text}' is not a financial year: write it like 2019/20 (or 2019, the year it starts).")
        start_year = int(match["start"])
        second = match["second"]
        if second is not None:
            expected = start_year + 1
            ok = int(second) == expected if len(second) == 4 else int(second) == expected % 100
            if not ok:
                raise ValueError(
                    f"'{text}' is not a financial year: a year starting in {start_year} ends in "
                    f"{expected}, so write {FinancialYear._label_for(start_year)}."
                )
        if not MIN_YEAR <= start_year <= MAX_YEAR:
            raise ValueError(f"'{text}' is not a financial year this system can hold.")
        return cls(start_year)

    @staticmethod
    def _label_for(start_year: int) -> str:
        return f"{start_year:04d}/{(start_year + 1) % 100:02d}"


def fy_label(fy: FinancialYear | int | str) -> str:
    """A financial year's label, the one way it is written: 2019 -> "2019/20"."""
    return _coerce_fy(fy).label


_FY_PATTERN = re.compile(r"(?:FY\s*)?(?P<start>\d{4})(?:\s*[/\-\u2013]\s*(?P<second>\d{2}|\d{4}))?", re.IGNORECASE)


def year_problem(year: int | str, *, what: str = "The year") -> str:
    """Why ``year`` (a number, or its digits as typed) is not one people may give, or "".
    Years from FIRST_ACCEPTED_YEAR to LAST_ACCEPTED_YEAR are accepted."""
    text = str(year).strip()
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None
    if number is None or not FIRST_ACCEPTED_YEAR <= number <= LAST_ACCEPTED_YEAR:
        return f"{what} must be between {FIRST_ACCEPTED_YEAR} and {LAST_ACCEPTED_YEAR}."
    return ""


def date_problem(day: date, *, what: str = "The date") -> str:
    """Why a date people gave is not acceptable (its year out of bounds), or ""."""
    if not FIRST_ACCEPTED_YEAR <= day.year <= LAST_ACCEPTED_YEAR:
        return f"{what} must fall between {FIRST_ACCEPTED_YEAR} and {LAST_ACCEPTED_YEAR}."
    return ""


def parse_fy_input(text: str | int) -> FinancialYear:
    """A financial year people or files gave ("2019", "2019/20"): ``FinancialYear.parse``, and
    its starting year within the accepted years. Raises ValueError saying what is wrong."""
    match = _FY_PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
    start = match["start"] if match else text if isinstance(text, int) else None
    if start is not None and year_problem(start):
        raise ValueError(
            f"'{text}' is not a financial year this system accepts: it must start between "
            f"{FIRST_ACCEPTED_YEAR} and {LAST_ACCEPTED_YEAR}."
        )
    return FinancialYear.parse(text)


def _coerce_fy(fy: FinancialYear | int | str) -> FinancialYear:
    if isinstance(fy, FinancialYear):
        return fy
    return FinancialYear.parse(fy)


# ---------------------------------------------------------------------------------------------
# Periods within a year


@functools.total_ordering
@dataclass(frozen=True)
class Period:
    """A financial year, half, quarter or month of a financial year.

    ``code`` is one of :data:`CODES`: "FY", "H1", "H2", "Q1".."Q4", "M1" (April).."M12" (March).
    Periods sort by start date, a longer period before a shorter one that starts on the same day.
    """

    fy: FinancialYear
    code: str

    def __post_init__(self) -> None:
        if not isinstance(self.fy, FinancialYear):
            raise TypeError(f"fy must be a FinancialYear, not {type(self.fy).__name__}")
        if self.code not in CODES:
            raise ValueError(f"'{self.code}' is not a period code ({', '.join(CODES)}).")

    def __str__(self) -> str:
        return self.label

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return (self.start, -self.days) < (other.start, -other.days)

    # -- what it is

    @property
    def kind(self) -> str:
        """One of "FY", "H", "Q" or "M"."""
        return "FY" if self.code == "FY" else self.code[0]

    @property
    def number(self) -> int:
        """1 for FY, H1, Q1 and M1 (April); 4 for Q4; 12 for M12 (March)."""
        return 1 if self.code == "FY" else int(self.code[1:])

    @property
    def _month_span(self) -> tuple[int, int]:
        length = _KIND_MONTHS[self.kind]
        first = (self.number - 1) * length + 1
        return first, first + length - 1

    @property
    def start(self) -> date:
        year, month = _calendar_month(self.fy, self._month_span[0])
        return date(year, month, 1)

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        year, month = _calendar_month(self.fy, self._month_span[1])
        return date(year, month, calendar.monthrange(year, month)[1])

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """The label: "2019/20", "H2 2019/20", "Q1 2019/20" or, for a month, "Apr 2019"."""
        if self.kind == "FY":
            return self.fy.label
        if self.kind == "M":
            return f"{_MONTH_ABBR[self.start.month - 1]} {self.start.year}"
        return f"{self.code} {self.fy.label}"

    def contains(self, day: date) -> bool:
        return self.start <= _check_date(day) <= self.end

    @property
    def opens_year(self) -> bool:
        """True for the periods that start on 1 April (FY, H1, Q1, M1). Money paid before the
        year starts and counted against it (in advance) belongs to these periods."""
        return self.start == self.fy.start

    def within(self, other: Period) -> bool:
        """True if this period lies inside ``other`` (a period lies within itself)."""
        return other.start <= self.start and self.end <= other.end

    # -- neighbours

    def next(self) -> Period:
        """The following period of the same kind: Q4 2019/20 is followed by Q1 2020/21."""
        if self.kind == "FY":
            return self.fy.next().period
        if self.number == _KIND_COUNT[self.kind]:
            return Period(self.fy.next(), f"{self.kind}1")
        return Period(self.fy, f"{self.kind}{self.number + 1}")

    def previous(self) -> Period:
        if self.kind == "FY":
            return self.fy.previous().period
        if self.number == 1:
            return Period(self.fy.previous(), f"{self.kind}{_KIND_COUNT[self.kind]}")
        return Period(self.fy, f"{self.kind}{self.number - 1}")

    # -- containing and contained periods

    def parts(self, kind: str) -> tuple[Period, ...]:
        """The periods of ``kind`` ("FY", "H", "Q" or "M") that make up this one, in order."""
        kind = _check_kind(kind)
        if _KIND_MONTHS[kind] > _KIND_MONTHS[self.kind]:
            raise ValueError(f"A {_KIND_NAMES[self.kind]} has no {_KIND_NAMES[kind]}s.")
        return tuple(p for p in _all_of_kind(self.fy, kind) if p.within(self))

    def halves(self) -> tuple[Period, ...]:
        return self.parts("H")

    def quarters(self) -> tuple[Period, ...]:
        return self.parts("Q")

    def months(self) -> tuple[Period, ...]:
        return self.parts("M")

    def enclosing(self, kind: str) -> Period:
        """The period of ``kind`` this one lies in (the half of a quarter, a month's quarter)."""
        kind = _check_kind(kind)
        if _KIND_MONTHS[kind] < _KIND_MONTHS[self.kind]:
            raise ValueError(f"A {_KIND_NAMES[self.kind]} does not lie in one {_KIND_NAMES[kind]}.")
        return period_of(self.start, kind)

    def half(self) -> Period:
        """The half a quarter or month belongs to (Q3 -> H2)."""
        return self.enclosing("H")

    def quarter(self) -> Period:
        """The quarter a month belongs to (M10, January -> Q4)."""
        return self.enclosing("Q")

    # -- constructors

    @classmethod
    def parse(cls, fy: FinancialYear | int | str, code: str) -> Period:
        """The period ``code`` ("FY", "H1", "q3", "M01" ...; case and spaces ignored) of ``fy``."""
        normal = code.strip().upper().replace(" ", "") if isinstance(code, str) else ""
        match = re.fullmatch(r"(FY)|([HQM])0*(\d{1,2})", normal)
        if match and match[2]:
            normal = f"{match[2]}{int(match[3])}"
        if not match or normal not in CODES:
            raise ValueError(f"'{code}' is not a period: use FY, H1-H2, Q1-Q4 or M1-M12 (M1 is April).")
        return cls(_coerce_fy(fy), normal)


def _calendar_month(fy: FinancialYear, index: int) -> tuple[int, int]:
    """(year, month) of month ``index`` (1 = April ... 12 = March) of a financial year."""
    offset = index + 2  # April is calendar month 4, i.e. offset 3 from January
    return fy.start_year + offset // 12, offset % 12 + 1


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"'{kind}' is not a kind of period ({', '.join(KINDS)}).")
    return kind


def _all_of_kind(fy: FinancialYear, kind: str) -> tuple[Period, ...]:
    if kind == "FY":
        return (Period(fy, "FY"),)
    return tuple(Period(fy, f"{kind}{n}") for n in range(1, _KIND_COUNT[kind] + 1))


# ---------------------------------------------------------------------------------------------
# The period a date falls in


def period_of(day: date, kind: str) -> Period:
    """The period of ``kind`` ("FY", "H", "Q" or "M") that a date falls in."""
    kind = _check_kind(kind)
    fy = FinancialYear.of(day)
    if kind == "FY":
        return fy.period
    number = (_month_index(day) - 1) // _KIND_MONTHS[kind] + 1
    return Period(fy, f"{kind}{number}")


def quarter_of(day: date) -> Period:
    """31 March 2020 -> Q4 2019/20; 1 April 2020 -> Q1 2020/21."""
    return period_of(day, "Q")


def half_of(day: date) -> Period:
    return period_of(day, "H")


def month_of(day: date) -> Period:
    return period_of(day, "M")


def period_for(fy: FinancialYear | int | str, code: str) -> Period:
    """``period_for(2019, "Q1")`` is Q1 2019/20 (the same as :meth:`Period.parse`)."""
    return Period.parse(fy, code)


def quarter_label(fy: FinancialYear | int | str, quarter: int) -> str:
    """Quarter 1-4 of a financial year as people read it: "Q1 2020/21", never "Q1 2020" (which
    reads as a calendar year's first quarter)."""
    return _quarter(fy, quarter).label


def code_label(code: str) -> str:
    """The label of a period written as a code ("2020-Q1" -> "Q1 2020/21", "2020" -> "2020/21"):
    codes are for files and addresses, labels for people. Raises ValueError as
    :func:`parse_period_code` does."""
    return parse_period_code(code).label


def quarter_end(fy: FinancialYear | int | str, quarter: int) -> date:
    """The last day of quarter 1-4 of a financial year."""
    return _quarter(fy, quarter).end


def _quarter(fy: FinancialYear | int | str, quarter: int) -> Period:
    if isinstance(quarter, bool) or quarter not in (1, 2, 3, 4):
        raise ValueError(f"'{quarter}' is not a quarter: use 1, 2, 3 or 4.")
    return Period(_coerce_fy(fy), f"Q{quarter}")


def due_date(period: Period | FinancialYear, days_after: int) -> date:
    """The date ``days_after`` days after a period's last day (e.g. returns due 30 days after)."""
    if isinstance(period, FinancialYear):
        period = period.period
    if isinstance(days_after, bool) or not isinstance(days_after, int):
        raise TypeError("days_after must be a whole number of days.")
    return period.end + timedelta(days=days_after)


# ---------------------------------------------------------------------------------------------
# The needs format: "2019" (a financial year) or "2019-Q1" (a quarter of FY 2019)

_CODE_PATTERN = re.compile(
    r"(?P<fy>(?:FY\s*)?\d{4}(?:\s*[/\-\u2013]\s*\d{2}(?:\d{2})?)?)"
    r"(?:\s*-\s*(?P<code>[A-Z]+\s*\d{1,2}))?",
    re.IGNORECASE,
)


def period_code(period: Period | FinancialYear) -> str:
    """The code of a period: "2019" for FY 2019/20, "2019-Q1" for a quarter of it.

    Halves and months are written "2019-H1" and "2019-M1" (M1 is April).
    """
    if isinstance(period, FinancialYear):
        period = period.period
    if period.kind == "FY":
        return f"{period.fy.start_year:04d}"
    return f"{period.fy.start_year:04d}-{period.code}"


def parse_period_code(text: str, *, kinds: Iterable[str] = KINDS) -> Period:
    """Read a period written as :func:`period_code` writes it (case and spaces ignored).

    "2019/20" is read as "2019". ``kinds`` limits what is accepted, e.g. ``kinds=("FY", "Q")``
    for the needs format. Raises ValueError naming the text.
    """
    allowed = tuple(_check_kind(kind) for kind in kinds)
    if not allowed:
        raise ValueError("At least one kind of period must be allowed.")
    examples = {"FY": "2019", "H": "2019-H1", "Q": "2019-Q1", "M": "2019-M1"}
    expected = " or ".join(f"a {_KIND_NAMES[k]} like {examples[k]}" for k in allowed)
    problem = f"'{text}' is not a period: write {expected}."
    match = _CODE_PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(problem)
    fy = FinancialYear.parse(match["fy"])  # its ValueError says what is wrong with the year
    try:
        period = Period.parse(fy, match["code"]) if match["code"] else fy.period
    except ValueError:
        raise ValueError(problem) from None
    if period.kind not in allowed:
        raise ValueError(problem)
    return period


def parse_period_input(text: str, *, kinds: Iterable[str] = KINDS) -> Period:
    """A period people or files gave (``parse_period_code``), its year within the accepted
    years (``year_problem``). Raises ValueError saying what is wrong."""
    match = _CODE_PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
    year = _FY_PATTERN.fullmatch(match["fy"].strip()) if match else None
    if year is not None and year_problem(year["start"]):
        raise ValueError(
            f"'{text}' is not a period this system accepts: its year must be between "
            f"{FIRST_ACCEPTED_YEAR} and {LAST_ACCEPTED_YEAR}."
        )
    return parse_period_code(text, kinds=kinds)


def day_label(day: date) -> str:
    """A day as reports write it: "30 June 2019" (no leading zero, English month names
    whatever the locale)."""
    day = _check_date(day)
    return f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def period_long_label(period: Period) -> str:
    """A period with its months, as the published reports head it: "H1 2019/20 (April to
    September 2019)", "Q4 2019/20 (January to March 2020)", "2019/20 (April 2019 to March 2020)"."""
    start, end = period.start, period.end
    start_year = "" if start.year == end.year else f" {start.year}"
    return f"{period.label} ({_MONTH_NAMES[start.month - 1]}{start_year} to {_MONTH_NAMES[end.month - 1]} {end.year})"


# ---------------------------------------------------------------------------------------------
# Ranges of dates


def _check_range(start: date, end: date) -> None:
    _check_date(start, "start")
    _check_date(end, "end")
    if end < start:
        raise ValueError(f"The end date ({end.isoformat()}) is before the start ({start.isoformat()}).")


def fys_between(start: date, end: date) -> list[FinancialYear]:
    """The financial years that the dates from ``start`` to ``end`` (inclusive) touch."""
    _check_range(start, end)
    first, last = FinancialYear.of(start).start_year, FinancialYear.of(end).start_year
    return [FinancialYear(year) for year in range(first, last + 1)]


def periods_between(start: date, end: date, kind: str) -> list[Period]:
    """The periods of ``kind`` that the dates from ``start`` to ``end`` (inclusive) touch."""
    _check_range(start, end)
    kind = _check_kind(kind)
    result = [period_of(start, kind)]
    while result[-1].end < end:
        result.append(result[-1].next())
    return result


def overlap_days(start: date, end: date, other_start: date, other_end: date) -> int:
    """How many days two inclusive date ranges have in common (0 if none)."""
    first, last = max(start, other_start), min(end, other_end)
    return max((last - first).days + 1, 0)


# ---------------------------------------------------------------------------------------------
# Apportioning money

Amount = Decimal | int
Part = Period | FinancialYear | tuple[date, date]


def _to_pence(amount: Amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
        raise TypeError(f"amount must be a Decimal or int, not {type(amount).__name__}")
    if isinstance(amount, int):
        return amount * 100
    if not amount.is_finite():
        raise ValueError(f"amount must be a number of pounds, not {amount}.")
    numerator, denominator = amount.as_integer_ratio()
    pence = Fraction(numerator * 100, denominator)
    if pence.denominator != 1:
        raise ValueError(f"amount must be a whole number of pence, not {amount}.")
    return int(pence)


def _from_pence(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(PENNY)


def _largest_remainder(total: int, shares: Sequence[Fraction]) -> list[int]:
    """Whole numbers, each the floor or ceiling of its (non-negative) share, adding up to
    ``total``; the leftover units go to the largest fractional parts, earlier parts first on a tie.
    """
    floors = [share.numerator // share.denominator for share in shares]
    leftover = total - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for index in order[:leftover]:
        floors[index] += 1
    return floors


def _split(amount: Amount, weights: Sequence[Fraction], whole: Fraction) -> list[Decimal]:
    """Split ``amount`` in the proportions weight/whole. The parts add up to the amount's share of
    sum(weights)/whole rounded to the penny (half away from zero): the whole amount when the
    weights add up to ``whole``."""
    pence = _to_pence(amount)
    sign, magnitude = (-1 if pence < 0 else 1), abs(pence)
    shares = [magnitude * weight / whole for weight in weights]
    covered = sum(shares, Fraction(0))
    total = int(covered)  # floor: covered is not negative
    if covered - total >= Fraction(1, 2):
        total += 1
    return [_from_pence(sign * part) for part in _largest_remainder(total, shares)]


def _part_range(part: Part) -> tuple[date, date]:
    if isinstance(part, (Period, FinancialYear)):
        return part.start, part.end
    try:
        first, last = part
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Each part must be a Period, a FinancialYear or a (start, end) pair, not {part!r}.") from exc
    _check_range(first, last)
    return first, last


def apportion(
    amount: Amount,
    parts: Sequence[Part],
    *,
    start: date,
    end: date,
    allow_partial: bool = False,
) -> list[Decimal]:
    """Split ``amount`` across ``parts`` by the days of ``start``..``end`` (inclusive) in each.

    ``parts`` are periods, financial years or inclusive (start, end) date pairs; they must not
    overlap and, unless ``allow_partial``, must cover every day of the range (they may reach
    beyond it: a part with no day in the range gets zero). The result, one Decimal per part in
    the same order, adds up exactly to ``amount``, and each part is within a penny of its exact
    share (largest remainder on whole pence; ties go to the earlier part). Negative amounts
    (refunds) are split as the positive amount, negated.

    With ``allow_partial=True`` the parts add up to the share of the covered days, rounded to
    the penny.
    """
    _check_range(start, end)
    ranges = [_part_range(part) for part in parts]
    if not ranges:
        raise ValueError("There are no periods to apportion the amount across.")
    for (a_start, a_end), (b_start, b_end) in _sorted_pairs(ranges):
        if b_start <= a_end:
            raise ValueError(
                f"The periods overlap ({a_start.isoformat()} to {a_end.isoformat()} and "
                f"{b_start.isoformat()} to {b_end.isoformat()}); each day may be counted once."
            )
    days = [overlap_days(start, end, first, last) for first, last in ranges]
    range_days = (end - start).days + 1
    if not allow_partial and sum(days) != range_days:
        raise ValueError(
            f"The periods cover {sum(days)} of the {range_days} days from {start.isoformat()} "
            f"to {end.isoformat()}; every day must fall in one of them."
        )
    return _split(amount, [Fraction(d) for d in days], Fraction(range_days))


def _sorted_pairs(ranges: list[tuple[date, date]]) -> Iterator[tuple[tuple[date, date], ...]]:
    ordered = sorted(ranges)
    return zip(ordered, ordered[1:], strict=False)


def apportion_by_weights(amount: Amount, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split ``amount`` in proportion to non-negative ``weights`` (Decimal or int, not float).

    The parts add up exactly to ``amount``; each is within a penny of its exact share and a zero
    weight gets zero. Ties for the last pennies go to the earlier part.
    """
    fractions = []
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, (Decimal, int)):
            raise TypeError(f"Weights must be Decimal or int, not {type(weight).__name__}.")
        if isinstance(weight, Decimal) and not weight.is_finite():
            raise ValueError(f"A weight must be a number, not {weight}.")
        if weight < 0:
            raise ValueError(f"Weights may not be negative ({weight}).")
        fractions.append(Fraction(weight))
    whole = sum(fractions, Fraction(0))
    if whole == 0:
        raise ValueError("At least one weight must be more than zero.")
    return _split(amount, fractions, whole)
