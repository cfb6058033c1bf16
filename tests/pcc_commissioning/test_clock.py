"""How a moment reads to an applicant or the public: UK time, GOV.UK style."""

import datetime

import pytest

from pcc_commissioning.clock import moment_label

UTC = datetime.UTC


@pytest.mark.parametrize(
    "moment, expected",
    [
        # British Summer Time: 11:00 UTC is midday in the UK.
        (datetime.datetime(2026, 4, 30, 11, 0, tzinfo=UTC), "midday on 30 April 2026"),
        # Winter: UTC is UK time.
        (datetime.datetime(2026, 12, 27, 12, 0, tzinfo=UTC), "midday on 27 December 2026"),
        (datetime.datetime(2026, 5, 12, 16, 0, tzinfo=UTC), "5pm on 12 May 2026"),
        (datetime.datetime(2026, 5, 12, 16, 30, tzinfo=UTC), "5:30pm on 12 May 2026"),
        (datetime.datetime(2026, 4, 1, 8, 5, tzinfo=UTC), "9:05am on 1 April 2026"),
        # 23:00 UTC on 30 April is the midnight that starts 1 May in the UK.
        (datetime.datetime(2026, 4, 30, 23, 0, tzinfo=UTC), "midnight on 1 May 2026"),
        (datetime.datetime(2026, 1, 3, 0, 59, tzinfo=UTC), "12:59am on 3 January 2026"),
        (datetime.datetime(2026, 1, 3, 12, 1, tzinfo=UTC), "12:01pm on 3 January 2026"),
    ],
)
def test_a_moment_reads_in_uk_time(moment, expected):
    assert moment_label(moment) == expected
