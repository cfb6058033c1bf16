"""The MoJ return's figures and validation issues against hand-computed values."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from grants.models import AwardStatus, ReturnStatus
from outcomes.models import CodeList
from reports.moj.figures import (
    figures_checksum,
    figures_diff,
    moj_return_figures,
    moj_scope_exists,
)
from reports.moj.validation import ring_fence_allows
from tests.factories.grants import FundingLineFactory, FundingStreamFactory, StreamAllocationFactory
from tests.factories.monitoring import MonitoringReturnFactory
from tests.reports.moj_dataset import build_moj_dataset, moj_award, paid, returned

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    return build_moj_dataset()


def _without_stamp(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k not in ("computed_at", "labels", "code_order")}


# H1 2019/20 worked out by hand (payments to 30 Sep 2019 of fy 2019; in advance counts in H1):
#   MoJ Core  committed 40,000 + 20,000 + 10,000 + 5,000 = 75,000 (the planned 9,999 is not committed)
#             paid 0001: 10,000 (25 Mar, in advance) + 10,000 (15 Jul) = 20,000; 0003: 5,000;
#             0004: 5,000 − 500 refund = 4,500; 0005: 2,500  →  32,000 (20 Oct and 2020 payments later;
#             the 3,000 of fy 2018 is another year's)  remaining 100,000 − 32,000 = 68,000
#   MoJ ISVA  committed 25,000; paid 12,500 (the 31 Dec one is unpaid); remaining 30,000 − 12,500 = 17,500
#   Precept   not reported to the MoJ: neither it nor 0003's 15,000 line / 7,500 payment appear.
#   Activity (accepted returns of Q1 and Q2 only):
#     0001 20+25 = 45 referrals, 15+18 = 33 supported; crime domestic_abuse 10+12, violence 5+6;
#          sex female 12, male 3; cope_recover 10+12 assessed / 7+9 improved, feel_safer 8/5
#     0002 10+12 = 22, 8+9 = 17;  age 18_24 5, 25_34 2
#     0003 Q2 only: 30, 25         0004 Q1 only (Q2 submitted): 6, 5     0005 Q1 only (Q2 draft): 4, 4
#     total referrals 45+22+30+6+4 = 107, supported 33+17+25+5+4 = 84
#   Categories: general_support 0001+0005: 45,000 / 22,500 / 49 / 37; isva 25,000 / 12,500 / 22 / 17;
#     domestic_abuse 20,000 / 5,000 / 30 / 25; restorative_justice 10,000 / 4,500 / 6 / 5
#   Victim services (all but RJ): 90,000 / 40,000 / 101 / 79; overall 100,000 / 44,500 / 107 / 84.
H1_EXPECTED = {
    "fy": 2019,
    "fy_label": "2019/20",
    "half": 1,
    "period_label": "H1 2019/20 (April to September 2019)",
    "status": "draft",
    "version": 1,
    "streams": [
        {
            "name": "MoJ Core",
            "ring_fenced_for": "",
            "allocation": "100000.00",
            "committed": "75000.00",
            "paid_half": "32000.00",
            "paid_ytd": "32000.00",
            "remaining": "68000.00",
        },
        {
            "name": "MoJ ISVA",
            "ring_fenced_for": "ISVA",
            "allocation": "30000.00",
            "committed": "25000.00",
            "paid_half": "12500.00",
            "paid_ytd": "12500.00",
            "remaining": "17500.00",
        },
    ],
    "services": [
        {
            "award_reference": "AWD-2019-0001",
            "award_title": "Victim Care service",
            "provider": "Victim Care",
            "category": "general_support",
            "committed": "40000.00",
            "paid_half": "20000.00",
            "streams": {"MoJ Core": {"committed": "40000.00", "paid_half": "20000.00"}},
            "referrals": 45,
            "supported": 33,
            "breakdowns": {"crime": {"domestic_abuse": 22, "violence": 11}, "sex": {"female": 12, "male": 3}},
            "outcomes": {
                "cope_recover": {"assessed": 22, "improved": 16},
                "feel_safer": {"assessed": 8, "improved": 5},
            },
            "quarters_reported": ["2019-Q1", "2019-Q2"],
        },
        {
            "award_reference": "AWD-2019-0002",
            "award_title": "Rape Crisis service",
            "provider": "Rape Crisis",
            "category": "isva",
            "committed": "25000.00",
            "paid_half": "12500.00",
            "streams": {"MoJ ISVA": {"committed": "25000.00", "paid_half": "12500.00"}},
            "referrals": 22,
            "supported": 17,
            "breakdowns": {"age": {"18_24": 5, "25_34": 2}},
            "outcomes": {},
            "quarters_reported": ["2019-Q1", "2019-Q2"],
        },
        {
            "award_reference": "AWD-2019-0003",
            "award_title": "Harbour service",
            "provider": "Harbour",
            "category": "domestic_abuse",
            "committed": "20000.00",
            "paid_half": "5000.00",
            "streams": {"MoJ Core": {"committed": "20000.00", "paid_half": "5000.00"}},
            "referrals": 30,
            "supported": 25,
            "breakdowns": {},
            "outcomes": {},
            "quarters_reported": ["2019-Q2"],
        },
        {
            "award_reference": "AWD-2019-0004",
            "award_title": "RJ Hub service",
            "provider": "RJ Hub",
            "category": "restorative_justice",
            "committed": "10000.00",
            "paid_half": "4500.00",
            "streams": {"MoJ Core": {"committed": "10000.00", "paid_half": "4500.00"}},
            "referrals": 6,
            "supported": 5,
            "breakdowns": {},
            "outcomes": {},
            "quarters_reported": ["2019-Q1"],
        },
        {
            "award_reference": "AWD-2019-0005",
            "award_title": "Safe Spaces service",
            "provider": "Safe Spaces",
            "category": "general_support",
            "committed": "5000.00",
            "paid_half": "2500.00",
            "streams": {"MoJ Core": {"committed": "5000.00", "paid_half": "2500.00"}},
            "referrals": 4,
            "supported": 4,
            "breakdowns": {},
            "outcomes": {},
            "quarters_reported": ["2019-Q1"],
        },
    ],
    "totals": {
        "allocation": "130000.00",
        "committed": "100000.00",
        "paid_half": "44500.00",
        "paid_ytd": "44500.00",
        "remaining": "85500.00",
        "referrals": 107,
        "supported": 84,
        "by_category": {
            "domestic_abuse": {
                "label": "Domestic abuse support",
                "committed": "20000.00",
                "paid_half": "5000.00",
                "referrals": 30,
                "supported": 25,
            },
            "general_support": {
                "label": "General victim support",
                "committed": "45000.00",
                "paid_half": "22500.00",
                "referrals": 49,
                "supported": 37,
            },
            "isva": {
                "label": "Independent Sexual Violence Adviser (ISVA)",
                "committed": "25000.00",
                "paid_half": "12500.00",
                "referrals": 22,
                "supported": 17,
            },
            "restorative_justice": {
                "label": "Restorative justice",
                "committed": "10000.00",
                "paid_half": "4500.00",
                "referrals": 6,
                "supported": 5,
            },
        },
        "victim_services": {"committed": "90000.00", "paid_half": "40000.00", "referrals": 101, "supported": 79},
        "restorative_justice": {"committed": "10000.00", "paid_half": "4500.00", "referrals": 6, "supported": 5},
        "overall": {"committed": "100000.00", "paid_half": "44500.00", "referrals": 107, "supported": 84},
    },
    "issues": [
        # Blocking first, then by award and quarter.
        {
            "key": "missing_return:AWD-2019-0003:2019-Q1",
            "severity": "blocking",
            "kind": "missing_return",
            "award_reference": "AWD-2019-0003",
            "quarter": "2019-Q1",
            "message": "AWD-2019-0003 (Harbour): no monitoring return for Q1 2019/20.",
        },
        {
            "key": "missing_return:AWD-2019-0005:2019-Q2",
            "severity": "blocking",
            "kind": "missing_return",
            "award_reference": "AWD-2019-0005",
            "quarter": "2019-Q2",
            "message": "AWD-2019-0005 (Safe Spaces): the monitoring return for Q2 2019/20 is still a draft.",
        },
        {
            "key": "breakdown_mismatch:AWD-2019-0002:2019-Q1:age",
            "severity": "warning",
            "kind": "breakdown_mismatch",
            "award_reference": "AWD-2019-0002",
            "quarter": "2019-Q1",
            "message": "AWD-2019-0002 (Rape Crisis): the age band breakdown for Q1 2019/20 adds up to 7, "
            "not the 8 victims supported. The provider gave no explanation.",
            "provider_explanation": "",
        },
        {
            "key": "unaccepted_return:AWD-2019-0004:2019-Q2",
            "severity": "warning",
            "kind": "unaccepted_return",
            "award_reference": "AWD-2019-0004",
            "quarter": "2019-Q2",
            "message": "AWD-2019-0004 (RJ Hub): the monitoring return for Q2 2019/20 is submitted but not yet "
            "accepted, so its figures are not counted.",
        },
    ],
}


def test_a_breakdown_mismatch_carries_the_providers_explanation(dataset):
    from grants.models import MonitoringReturn

    MonitoringReturn.objects.filter(award__reference="AWD-2019-0002", fy=2019, quarter=1).update(
        breakdown_explanation="One survivor did not want to give her age."
    )

    issues = [i for i in moj_return_figures(fy=2019, half=1)["issues"] if i["kind"] == "breakdown_mismatch"]

    assert issues == [
        {
            "key": "breakdown_mismatch:AWD-2019-0002:2019-Q1:age",
            "severity": "warning",
            "kind": "breakdown_mismatch",
            "award_reference": "AWD-2019-0002",
            "quarter": "2019-Q1",
            "message": "AWD-2019-0002 (Rape Crisis): the age band breakdown for Q1 2019/20 adds up to 7, not the 8 "
            "victims supported. The provider's explanation: “One survivor did not want to give her age.”",
            "provider_explanation": "One survivor did not want to give her age.",
        }
    ]


def test_h1_figures_match_the_hand_computed_values(dataset):
    figures = moj_return_figures(fy=2019, half=1)
    assert _without_stamp(figures) == H1_EXPECTED
    # Plain JSON: money as strings with two decimals, counts as ints.
    assert json.loads(json.dumps(figures)) == figures
    assert figures["labels"]["outcome"]["cope_recover"]
    assert datetime.datetime.fromisoformat(figures["computed_at"]).tzinfo is not None


def test_the_missing_return_is_a_blocking_issue_naming_the_award_and_quarter(dataset):
    issues = moj_return_figures(fy=2019, half=1)["issues"]
    missing = [i for i in issues if i["kind"] == "missing_return" and i["award_reference"] == "AWD-2019-0003"]
    assert missing == [H1_EXPECTED["issues"][0]]
    assert missing[0]["severity"] == "blocking"


# H2 2019/20 (October to March; payments to 31 Mar 2020):
#   MoJ Core paid in H2: 0001's 10,000 of 20 Oct (0005's 1,000 of 10 Apr 2020 is after the year);
#     year to date 32,000 + 10,000 = 42,000; remaining 58,000.  MoJ ISVA: nothing paid in H2, ytd 12,500.
#   Only 0001 has an accepted H2 return (Q3: 5 / 5).
#   Full year: 0001 paid 30,000, referrals 45 + 5 = 50, supported 33 + 5 = 38; the others as in H1.
#     Total paid 30,000 + 12,500 + 5,000 + 4,500 + 2,500 = 54,500; referrals 107 + 5 = 112; supported 89.
def test_h2_figures_carry_the_full_year_totals(dataset):
    figures = moj_return_figures(fy=2019, half=2)
    assert figures["period_label"] == "H2 2019/20 (October 2019 to March 2020)"
    assert figures["streams"] == [
        {
            "name": "MoJ Core",
            "ring_fenced_for": "",
            "allocation": "100000.00",
            "committed": "75000.00",
            "paid_half": "10000.00",
            "paid_ytd": "42000.00",
            "remaining": "58000.00",
        },
        {
            "name": "MoJ ISVA",
            "ring_fenced_for": "ISVA",
            "allocation": "30000.00",
            "committed": "25000.00",
            "paid_half": "0.00",
            "paid_ytd": "12500.00",
            "remaining": "17500.00",
        },
    ]
    first = figures["services"][0]
    assert (first["paid_half"], first["referrals"], first["supported"], first["quarters_reported"]) == (
        "10000.00",
        5,
        5,
        ["2019-Q3"],
    )
    assert first["full_year"] == {"paid": "30000.00", "referrals": 50, "supported": 38}
    assert [s["full_year"] for s in figures["services"][1:]] == [
        {"paid": "12500.00", "referrals": 22, "supported": 17},
        {"paid": "5000.00", "referrals": 30, "supported": 25},
        {"paid": "4500.00", "referrals": 6, "supported": 5},
        {"paid": "2500.00", "referrals": 4, "supported": 4},
    ]
    assert figures["totals"]["full_year"] == {"paid": "54500.00", "referrals": 112, "supported": 89}
    assert figures["totals"]["paid_ytd"] == "54500.00"
    assert figures["totals"]["restorative_justice"]["full_year"] == {"paid": "4500.00", "referrals": 6, "supported": 5}
    # Q3 and Q4 are missing for every award but 0001 (Q4 only): 4 × 2 + 1 = 9 blocking issues.
    missing = sorted(i["key"] for i in figures["issues"] if i["kind"] == "missing_return")
    assert len(missing) == 9
    assert "missing_return:AWD-2019-0001:2019-Q4" in missing
    assert "missing_return:AWD-2019-0001:2019-Q3" not in missing
    assert all(i["severity"] == "blocking" for i in figures["issues"])


def test_a_refund_reduces_what_was_paid(dataset):
    # 0004: 5,000 paid 30 Sep, a −500 credit note on 1 Sep.
    service = next(
        s for s in moj_return_figures(fy=2019, half=1)["services"] if s["award_reference"] == "AWD-2019-0004"
    )
    assert service["paid_half"] == "4500.00"


def test_restorative_justice_has_its_own_line_with_zeros_when_there_is_none():
    stream = FundingStreamFactory(name="MoJ 2020", moj_reported=True)
    StreamAllocationFactory(stream=stream, fy=2020, amount=Decimal("1000.00"))
    award = moj_award("AWD-2020-0001", "Only Co", "general_support")
    FundingLineFactory(award=award, stream=stream, fy=2020, amount=Decimal("500.00"))
    totals = moj_return_figures(fy=2020, half=1)["totals"]
    assert totals["restorative_justice"] == {"committed": "0.00", "paid_half": "0.00", "referrals": 0, "supported": 0}
    assert totals["victim_services"]["committed"] == "500.00"


def _issues(fy=2019, half=1, kind=None):
    issues = moj_return_figures(fy=fy, half=half)["issues"]
    return [i for i in issues if kind is None or i["kind"] == kind]


def test_ring_fenced_money_outside_its_purpose_is_blocking(dataset):
    # The ISVA stream also funds 0001 (general support) and an award with no category.
    FundingLineFactory(award=dataset["a1"], stream=dataset["isva"], fy=2019, amount=Decimal("1000.00"))
    nocat = moj_award("AWD-2019-0007", "No Cat", None)
    FundingLineFactory(award=nocat, stream=dataset["isva"], fy=2019, amount=Decimal("1000.00"))
    breaches = _issues(kind="ring_fence")
    assert [(i["key"], i["severity"], i["stream"]) for i in breaches] == [
        ("ring_fence:MoJ ISVA:AWD-2019-0001", "blocking", "MoJ ISVA"),
        ("ring_fence:MoJ ISVA:AWD-2019-0007", "blocking", "MoJ ISVA"),
    ]
    assert breaches[0]["message"] == (
        "MoJ ISVA is ring-fenced for ISVA, but funds AWD-2019-0001 (Victim Care), whose MoJ service category "
        "is General victim support."
    )
    assert "no MoJ service category" in breaches[1]["message"]


def test_ring_fence_matching_by_word_or_label():
    assert ring_fence_allows("ISVA", "isva", "Independent Sexual Violence Adviser (ISVA)")
    assert ring_fence_allows("ISVA and IDVA", "idva", "IDVA")
    assert ring_fence_allows("Restorative justice services", "restorative_justice", "Restorative justice")
    assert not ring_fence_allows("ISVA", "idva", "Independent Domestic Violence Adviser (IDVA)")
    assert not ring_fence_allows("ISVA", None, None)
    assert not ring_fence_allows("ISVAs", "isva", "Isva posts")  # a different word, and the label is not in it


def test_spend_beyond_the_allocation(dataset):
    # Committing 10,000 more on ISVA (35,000 > 30,000) is a warning; paying 20,000 more in H1
    # (32,500 > 30,000) is blocking.
    FundingLineFactory(
        award=moj_award("AWD-2019-0008", "More ISVA", "isva"),
        stream=dataset["isva"],
        fy=2019,
        amount=Decimal("10000.00"),
    )
    assert [(i["key"], i["severity"]) for i in _issues(kind="over_allocation")] == [
        ("over_committed:MoJ ISVA", "warning")
    ]
    paid(dataset["a2"], dataset["isva"], "20000", datetime.date(2019, 8, 1))
    over = _issues(kind="over_allocation")
    assert [(i["key"], i["severity"]) for i in over] == [
        ("over_allocation:MoJ ISVA", "blocking"),
        ("over_committed:MoJ ISVA", "warning"),
    ]
    assert over[0]["message"] == (
        "MoJ ISVA: paid to the end of H1 (£32,500.00) is more than the allocation for 2019/20 (£30,000.00)."
    )


def test_a_stream_with_lines_but_no_allocation_is_in_scope_with_zero_allocation(dataset):
    extra = FundingStreamFactory(name="MoJ Uplift", moj_reported=True)
    FundingLineFactory(award=dataset["a1"], stream=extra, fy=2019, amount=Decimal("100.00"))
    stream = next(s for s in moj_return_figures(fy=2019, half=1)["streams"] if s["name"] == "MoJ Uplift")
    assert (stream["allocation"], stream["committed"], stream["remaining"]) == ("0.00", "100.00", "0.00")


def test_an_award_without_an_moj_category(dataset):
    award = moj_award("AWD-2019-0009", "Uncat", None)
    FundingLineFactory(award=award, stream=dataset["core"], fy=2019, amount=Decimal("1000.00"))
    issue = _issues(kind="no_category")
    assert issue == [
        {
            "key": "no_category:AWD-2019-0009",
            "severity": "blocking",
            "kind": "no_category",
            "award_reference": "AWD-2019-0009",
            "message": "AWD-2019-0009 (Uncat): funded by the MoJ grant but has no MoJ service category.",
        }
    ]
    by_category = moj_return_figures(fy=2019, half=1)["totals"]["by_category"]
    assert by_category["uncategorised"] == {
        "label": "Uncategorised",
        "committed": "1000.00",
        "paid_half": "0.00",
        "referrals": 0,
        "supported": 0,
    }


def test_returns_due_or_returned_are_missing_and_awards_not_running_need_none(dataset):
    late = moj_award("AWD-2019-0010", "Late Start", "general_support", start_date=datetime.date(2019, 7, 1))
    FundingLineFactory(award=late, stream=dataset["core"], fy=2019, amount=Decimal("100.00"))
    returned(late, 2, 0, 0, status=ReturnStatus.RETURNED)
    keys = {i["key"]: i for i in _issues(kind="missing_return")}
    # It started in Q2, so Q1 needs no return; its Q2 return was sent back.
    assert "missing_return:AWD-2019-0010:2019-Q1" not in keys
    assert keys["missing_return:AWD-2019-0010:2019-Q2"]["message"] == (
        "AWD-2019-0010 (Late Start): the monitoring return for Q2 2019/20 was returned to the provider for changes."
    )


def test_a_cancelled_award_is_not_a_service(dataset):
    dataset["a5"].status = AwardStatus.CANCELLED
    dataset["a5"].save()
    figures = moj_return_figures(fy=2019, half=1)
    assert "AWD-2019-0005" not in [s["award_reference"] for s in figures["services"]]
    assert figures["streams"][0]["committed"] == "70000.00"
    # Its paid money still left the stream.
    assert figures["streams"][0]["paid_half"] == "32000.00"


def test_a_half_with_no_moj_stream_is_refused_with_a_clear_message(dataset):
    assert moj_scope_exists(fy=2019, half=1)
    assert not moj_scope_exists(fy=2018, half=2)
    with pytest.raises(ValidationError) as error:
        moj_return_figures(fy=2018, half=2)
    assert error.value.messages == [
        "No funding stream reported to the MoJ has an allocation or funding lines in 2018/19."
    ]


@pytest.mark.parametrize("fy, half", [(2019, 3), (2019, 0), ("x", 1)])
def test_bad_year_or_half_is_a_validation_error(fy, half):
    with pytest.raises(ValidationError):
        moj_return_figures(fy=fy, half=half)


def _build(count: int):
    stream = FundingStreamFactory(moj_reported=True, ring_fenced_for="ISVA")
    StreamAllocationFactory(stream=stream, fy=2019, amount=Decimal("1000000.00"))
    other = FundingStreamFactory(moj_reported=True)
    for n in range(count):
        award = moj_award(f"AWD-Q-{n:04d}", f"Provider {n}", "general_support" if n % 2 else None)
        FundingLineFactory(award=award, stream=stream, fy=2019, amount=Decimal("1000.00"))
        FundingLineFactory(award=award, stream=other, fy=2019, amount=Decimal("500.00"))
        paid(award, stream, "250", datetime.date(2019, 5, 1))
        paid(award, other, "100", datetime.date(2019, 11, 1))
        returned(award, 1, 5, 4, crime={"violence": 3}, outcome={"cope_recover": (4, 2)})
        returned(award, 2, 5, 4, status=ReturnStatus.SUBMITTED)


@pytest.mark.parametrize("count", [3, 15])
@pytest.mark.parametrize("half", [1, 2])
def test_queries_stay_flat(count, half, django_assert_max_num_queries):
    _build(count)
    with django_assert_max_num_queries(9):
        figures = moj_return_figures(fy=2019, half=half)
    assert len(figures["services"]) == count


def test_checksum_is_stable_and_sensitive():
    figures = {"b": 1, "a": {"y": "1.00", "x": [1, 2]}}
    same = {"a": {"x": [1, 2], "y": "1.00"}, "b": 1}
    assert figures_checksum(figures) == figures_checksum(same)
    assert len(figures_checksum(figures)) == 64
    assert figures_checksum(figures) != figures_checksum({**figures, "b": 2})


def test_differences_between_two_versions(dataset):
    old = moj_return_figures(fy=2019, half=1)
    paid(dataset["a1"], dataset["core"], "1000", datetime.date(2019, 8, 1))
    ret = dataset["a5"].returns.get(quarter=2)
    ret.status, ret.rag = ReturnStatus.ACCEPTED, "green"
    ret.save()
    new = moj_return_figures(fy=2019, half=1)
    paths = {d.path: (d.old, d.new) for d in figures_diff(old, new)}
    assert paths["Stream MoJ Core › paid in half"] == ("32000.00", "33000.00")
    assert paths["Service AWD-2019-0001 › paid in half"] == ("20000.00", "21000.00")
    assert paths["Service AWD-2019-0001 › streams › MoJ Core › paid in half"] == ("20000.00", "21000.00")
    assert paths["Service AWD-2019-0005 › referrals"] == (4, 7)
    assert paths["Service AWD-2019-0005 › quarters reported"] == (["2019-Q1"], ["2019-Q1", "2019-Q2"])
    assert paths["Totals › overall › victims supported"] == (84, 87)
    assert paths["Issue missing_return:AWD-2019-0005:2019-Q2"] == (
        "AWD-2019-0005 (Safe Spaces): the monitoring return for Q2 2019/20 is still a draft.",
        None,
    )
    assert figures_diff(old, old) == []


def test_code_labels_follow_the_year(dataset):
    labels = moj_return_figures(fy=2019, half=1)["labels"]
    assert set(labels) == {"age", "crime", "disability", "ethnicity", "moj_category", "outcome", "sex"}
    assert labels[CodeList.MOJ_CATEGORY]["isva"] == "Independent Sexual Violence Adviser (ISVA)"


def test_each_code_list_keeps_its_order_as_a_list(dataset):
    figures = moj_return_figures(fy=2019, half=1)
    assert figures["code_order"]["age"][0] == "under_18"  # the list's order, not the codes' sort order
    assert figures["code_order"]["age"] == list(figures["labels"]["age"])


# Boundaries: each of these fails on a wrong comparison (< for <=, >= for >) ------------------------


def _stream(figures, name="MoJ Core"):
    return next(s for s in figures["streams"] if s["name"] == name)


def test_30_september_is_in_h1_and_1_october_in_h2(dataset):
    paid(dataset["a1"], dataset["core"], "0.07", datetime.date(2019, 9, 30))
    paid(dataset["a1"], dataset["core"], "0.11", datetime.date(2019, 10, 1))
    h1, h2 = moj_return_figures(fy=2019, half=1), moj_return_figures(fy=2019, half=2)
    # H1: 32,000 + 0.07 (30 Sep); the 0.11 of 1 October is after the half, not even to date.
    assert (_stream(h1)["paid_half"], _stream(h1)["paid_ytd"]) == ("32000.07", "32000.07")
    # H2: 10,000 (20 Oct) + 0.11 (1 Oct); to date 32,000.07 + 10,000.11 = 42,000.18.
    assert (_stream(h2)["paid_half"], _stream(h2)["paid_ytd"]) == ("10000.11", "42000.18")


def test_31_march_counts_against_the_year_and_1_april_does_not(dataset):
    # Paid in advance on 31 March 2019: H1's (it opens the year), never H2's "in the half".
    paid(dataset["a1"], dataset["core"], "0.13", datetime.date(2019, 3, 31), due=datetime.date(2019, 4, 1))
    # Paid on the year's last day: H2's. Paid the next day (arrears): after the half, not counted.
    paid(dataset["a1"], dataset["core"], "0.17", datetime.date(2020, 3, 31))
    paid(dataset["a1"], dataset["core"], "0.19", datetime.date(2020, 4, 1), due=datetime.date(2020, 3, 31))
    h1, h2 = moj_return_figures(fy=2019, half=1), moj_return_figures(fy=2019, half=2)
    assert _stream(h1)["paid_half"] == "32000.13"  # 32,000 + 0.13
    # H2 in the half: 10,000 + 0.17; to date: 32,000.13 + 10,000.17 = 42,000.30; neither has 0.19.
    assert (_stream(h2)["paid_half"], _stream(h2)["paid_ytd"]) == ("10000.17", "42000.30")
    first = next(s for s in h2["services"] if s["award_reference"] == "AWD-2019-0001")
    assert first["full_year"]["paid"] == "30000.30"  # 10,000 × 3 + 0.13 + 0.17


def test_outcomes_and_breakdowns_of_a_submitted_return_are_not_counted(dataset):
    from tests.reports.moj_dataset import code

    # 0004's Q2 return is submitted, not accepted: give it an outcome and a breakdown.
    submitted = dataset["a4"].returns.get(quarter=2)
    assert submitted.status == ReturnStatus.SUBMITTED
    from tests.factories.monitoring import ReturnBreakdownFactory, ReturnOutcomeFactory

    ReturnOutcomeFactory(
        monitoring_return=submitted, code=code(CodeList.OUTCOME, "cope_recover"), assessed=6, improved=4
    )
    ReturnBreakdownFactory(monitoring_return=submitted, code=code("crime", "violence"), count=6)
    service = next(
        s for s in moj_return_figures(fy=2019, half=1)["services"] if s["award_reference"] == "AWD-2019-0004"
    )
    # Only Q1 (accepted, 6 / 5, no outcomes or breakdowns) counts.
    assert (service["referrals"], service["supported"], service["outcomes"], service["breakdowns"]) == (6, 5, {}, {})
    # Accepting it brings them in.
    submitted.status, submitted.rag = ReturnStatus.ACCEPTED, "green"
    submitted.save()
    service = next(
        s for s in moj_return_figures(fy=2019, half=1)["services"] if s["award_reference"] == "AWD-2019-0004"
    )
    assert (service["referrals"], service["outcomes"], service["breakdowns"]) == (
        13,
        {"cope_recover": {"assessed": 6, "improved": 4}},
        {"crime": {"violence": 6}},
    )


def test_spending_exactly_the_allocation_is_not_an_overspend_but_a_penny_more_is(dataset):
    isva = dataset["isva"]  # allocation 30,000; paid 12,500 in H1; committed 25,000
    paid(dataset["a2"], isva, "17500", datetime.date(2019, 9, 1))  # paid to date 30,000.00
    FundingLineFactory(
        award=moj_award("AWD-2019-0011", "Exact ISVA", "isva"), stream=isva, fy=2019, amount=Decimal("5000.00")
    )  # committed 30,000.00
    assert _issues(kind="over_allocation") == []
    assert (_stream(moj_return_figures(fy=2019, half=1), "MoJ ISVA")["remaining"]) == "0.00"
    paid(dataset["a2"], isva, "0.01", datetime.date(2019, 9, 2))
    FundingLineFactory(
        award=moj_award("AWD-2019-0012", "Penny ISVA", "isva"), stream=isva, fy=2019, amount=Decimal("0.01")
    )
    assert [(i["key"], i["severity"]) for i in _issues(kind="over_allocation")] == [
        ("over_allocation:MoJ ISVA", "blocking"),
        ("over_committed:MoJ ISVA", "warning"),
    ]


# Status at the end of the half -----------------------------------------------------------------------


def _at(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def test_an_award_cancelled_after_the_half_still_counts_in_it(dataset, officer):
    from grants.awards.services import award_transition
    from tests.factories.grants import AwardTransitionFactory

    a5 = dataset["a5"]
    AwardTransitionFactory(award=a5, to_status=AwardStatus.ACTIVE, at=_at(2019, 3, 1, 9))
    before = moj_return_figures(fy=2019, half=1)
    award_transition(award=a5, actor=officer, to_status=AwardStatus.CANCELLED, note="Closed")  # today
    after = moj_return_figures(fy=2019, half=1)
    # Still 0005's 5,000 in the 75,000 committed, and still a service of H1.
    assert _stream(after)["committed"] == _stream(before)["committed"] == "75000.00"
    assert "AWD-2019-0005" in [s["award_reference"] for s in after["services"]]


def test_an_award_awarded_after_the_half_ends_does_not_count_in_it(dataset):
    from tests.factories.grants import AwardTransitionFactory

    a6 = dataset["a6"]  # planned, Core 9,999
    AwardTransitionFactory(award=a6, to_status=AwardStatus.PLANNED, at=_at(2019, 3, 1, 9))
    # Awarded at 00:30 on 1 October 2019 UK time (23:30 UTC on 30 September): after H1.
    AwardTransitionFactory(
        award=a6, from_status=AwardStatus.PLANNED, to_status=AwardStatus.AWARDED, at=_at(2019, 9, 30, 23, 30)
    )
    a6.status = AwardStatus.AWARDED
    a6.save()
    h1, h2 = moj_return_figures(fy=2019, half=1), moj_return_figures(fy=2019, half=2)
    assert _stream(h1)["committed"] == "75000.00"
    assert "AWD-2019-0006" not in [s["award_reference"] for s in h1["services"]]
    assert _stream(h2)["committed"] == "84999.00"  # 75,000 + 9,999 at 31 March 2020
    assert "AWD-2019-0006" in [s["award_reference"] for s in h2["services"]]


# Boundaries, on a one-stream, one-award world worked out by hand (each kills a mutant of
# scripts/mutate: docs/mutation.md) ---------------------------------------------------------------


@pytest.fixture
def small():
    """MoJ Core: allocation £1,000.00 in 2019/20; one active award with a £1,000.00 line from it."""
    core = FundingStreamFactory(name="MoJ Core", moj_reported=True)
    StreamAllocationFactory(stream=core, fy=2019, amount=Decimal("1000.00"))
    award = moj_award(
        "AWD-B-1",
        "Boundary Trust",
        "general_support",
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2020, 3, 31),
    )
    FundingLineFactory(award=award, stream=core, fy=2019, amount=Decimal("1000.00"))
    return {"core": core, "award": award}


def test_a_payment_paid_on_the_first_day_of_the_half_counts_in_that_half(small):
    award, core = small["award"], small["core"]
    paid(award, core, "100.00", datetime.date(2019, 9, 30))  # H1's last day
    paid(award, core, "10.00", datetime.date(2019, 10, 1))  # H2's first day
    paid(award, core, "1.00", datetime.date(2020, 3, 31))  # H2's last day
    h1, h2 = moj_return_figures(fy=2019, half=1), moj_return_figures(fy=2019, half=2)
    assert (_stream(h1)["paid_half"], _stream(h1)["paid_ytd"]) == ("100.00", "100.00")
    # H2: 10.00 + 1.00 in the half; 100.00 + 10.00 + 1.00 to date.
    assert (_stream(h2)["paid_half"], _stream(h2)["paid_ytd"]) == ("11.00", "111.00")
    assert h2["services"][0]["paid_half"] == "11.00"
    assert h2["services"][0]["full_year"]["paid"] == "111.00"


def test_a_submitted_but_not_accepted_return_counts_nowhere(small):
    award = small["award"]
    returned(award, 1, 5, 4, crime={"violence": 4})
    returned(award, 2, 3, 3)
    # Q3 is submitted, not accepted: none of its figures count, in the half or the year.
    returned(award, 3, 7, 6, status=ReturnStatus.SUBMITTED, crime={"violence": 6}, outcome={"cope_recover": (3, 2)})
    returned(award, 4, 2, 1, crime={"violence": 1}, outcome={"feel_safer": (1, 1)})
    figures = moj_return_figures(fy=2019, half=2)
    (service,) = figures["services"]
    assert (service["referrals"], service["supported"]) == (2, 1)  # Q4 alone
    assert service["breakdowns"] == {"crime": {"violence": 1}}
    assert service["outcomes"] == {"feel_safer": {"assessed": 1, "improved": 1}}
    assert service["quarters_reported"] == ["2019-Q4"]
    # The full year: Q1 5/4 + Q2 3/3 + Q4 2/1 (not Q3's 7/6).
    assert service["full_year"]["referrals"] == 10 and service["full_year"]["supported"] == 8
    assert [i["kind"] for i in figures["issues"]] == ["unaccepted_return"]


def test_paying_exactly_the_allocation_is_not_over_allocation_and_a_penny_more_is(small):
    award, core = small["award"], small["core"]
    paid(award, core, "1000.00", datetime.date(2019, 6, 1))  # = the allocation; committed also 1,000.00
    figures = moj_return_figures(fy=2019, half=1)
    assert _stream(figures)["remaining"] == "0.00"
    assert [i for i in figures["issues"] if i["kind"] == "over_allocation"] == []
    paid(award, core, "0.01", datetime.date(2019, 6, 2))
    figures = moj_return_figures(fy=2019, half=1)
    assert [i["key"] for i in figures["issues"] if i["kind"] == "over_allocation"] == ["over_allocation:MoJ Core"]


def test_an_award_with_no_moj_line_in_the_year_is_not_a_service(small):
    precept = FundingStreamFactory(name="Precept", moj_reported=False)
    local = moj_award("AWD-B-2", "Local Only", "general_support")
    FundingLineFactory(award=local, stream=precept, fy=2019, amount=Decimal("500.00"))
    later = moj_award("AWD-B-3", "Next Year", "general_support")
    FundingLineFactory(award=later, stream=small["core"], fy=2020, amount=Decimal("700.00"))
    figures = moj_return_figures(fy=2019, half=1)
    assert [s["award_reference"] for s in figures["services"]] == ["AWD-B-1"]
    assert _stream(figures)["committed"] == "1000.00"


def test_a_stream_committed_but_not_yet_paid_is_listed_for_the_service(small):
    (service,) = moj_return_figures(fy=2019, half=1)["services"]
    assert service["streams"] == {"MoJ Core": {"committed": "1000.00", "paid_half": "0.00"}}


def test_a_section_in_one_version_only_is_one_difference():
    from reports.moj.figures import Difference

    old = {"totals": {"full_year": {"paid": "1.00"}, "committed": "5.00"}}
    new = {"totals": {"committed": "5.00"}}
    assert figures_diff(old, new) == [Difference("Totals › full year", {"paid": "1.00"}, None)]
    assert figures_diff(new, old) == [Difference("Totals › full year", None, {"paid": "1.00"})]


def test_a_difference_cannot_be_changed_once_made():
    import dataclasses

    from reports.moj.figures import Difference

    difference = Difference("Totals › committed", "1.00", "2.00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        difference.new = "3.00"
    assert len({difference, Difference("Totals › committed", "1.00", "2.00")}) == 1


def test_only_the_years_allocation_counts(small):
    StreamAllocationFactory(stream=small["core"], fy=2018, amount=Decimal("7000.00"))
    StreamAllocationFactory(stream=small["core"], fy=2020, amount=Decimal("5000.00"))
    assert _stream(moj_return_figures(fy=2019, half=1))["allocation"] == "1000.00"


def test_ring_fenced_money_under_a_pound_outside_its_purpose_is_still_an_issue(small):
    isva = FundingStreamFactory(name="MoJ ISVA", moj_reported=True, ring_fenced_for="ISVA")
    StreamAllocationFactory(stream=isva, fy=2019, amount=Decimal("10.00"))
    FundingLineFactory(award=small["award"], stream=isva, fy=2019, amount=Decimal("0.50"))  # general support
    issues = moj_return_figures(fy=2019, half=1)["issues"]
    assert [i["key"] for i in issues if i["kind"] == "ring_fence"] == ["ring_fence:MoJ ISVA:AWD-B-1"]


def test_an_accepted_return_with_blank_figures_counts_as_zero(small):
    award = small["award"]
    returned(award, 1, None, None, crime={"violence": 1})  # a breakdown of 1 against no figure given
    for quarter in (2, 3, 4):
        returned(award, quarter, 0, 0)
    figures = moj_return_figures(fy=2019, half=2)
    (service,) = figures["services"]
    assert (service["full_year"]["referrals"], service["full_year"]["supported"]) == (0, 0)
    h1 = moj_return_figures(fy=2019, half=1)
    assert (h1["services"][0]["referrals"], h1["services"][0]["supported"]) == (0, 0)
    (mismatch,) = [i for i in h1["issues"] if i["kind"] == "breakdown_mismatch"]
    assert "adds up to 1, not the 0 victims supported" in mismatch["message"]


def test_an_award_ending_on_the_first_day_of_a_quarter_owes_that_quarters_return(small):
    award = small["award"]
    award.end_date = datetime.date(2019, 7, 1)  # Q2 opens on 1 July
    award.save()
    issues = moj_return_figures(fy=2019, half=1)["issues"]
    assert sorted(i["key"] for i in issues if i["kind"] == "missing_return") == [
        "missing_return:AWD-B-1:2019-Q1",
        "missing_return:AWD-B-1:2019-Q2",
    ]


def test_the_checksum_is_of_the_figures_written_in_utf_8_not_escaped():
    import hashlib

    canonical = '{"a":"£1","b":[1,2]}'.encode()  # sorted keys, no spaces, £ as itself
    assert figures_checksum({"b": [1, 2], "a": "£1"}) == hashlib.sha256(canonical).hexdigest()


def test_an_award_starting_on_the_last_day_of_a_quarter_owes_that_quarters_return(small):
    award = small["award"]
    award.start_date = datetime.date(2019, 6, 30)  # Q1's last day
    award.save()
    issues = moj_return_figures(fy=2019, half=1)["issues"]
    assert sorted(i["key"] for i in issues if i["kind"] == "missing_return") == [
        "missing_return:AWD-B-1:2019-Q1",
        "missing_return:AWD-B-1:2019-Q2",
    ]


def test_true_is_not_a_half_and_a_third_half_is_named_in_the_message():
    with pytest.raises(ValidationError) as error:
        moj_return_figures(fy=2019, half=True)
    assert error.value.messages == ["'True' is not a half: use 1 (April to September) or 2 (October to March)."]
    with pytest.raises(ValidationError) as error:
        moj_return_figures(fy=2019, half=3)
    assert error.value.messages == ["'3' is not a half: use 1 (April to September) or 2 (October to March)."]


def test_the_same_quarters_return_of_another_year_is_not_counted(small):
    award = small["award"]
    returned(award, 1, 5, 4)
    # Made after this year's, so it would be read last if the year were not filtered.
    MonitoringReturnFactory(
        award=award, fy=2020, quarter=1, status=ReturnStatus.ACCEPTED, referrals=90, supported=80, rag="green"
    )
    (service,) = moj_return_figures(fy=2019, half=1)["services"]
    assert (service["referrals"], service["supported"]) == (5, 4)


def test_a_stream_or_service_in_one_version_only_is_listed_as_included_on_its_side():
    from reports.moj.figures import Difference

    service = {"award_reference": "AWD-1", "committed": "5.00"}
    stream = {"name": "MoJ Core", "allocation": "9.00"}
    old = {"streams": [stream], "services": [service]}
    new = {"streams": [], "services": []}
    assert figures_diff(old, new) == [
        Difference("Stream MoJ Core", "included", None),
        Difference("Service AWD-1", "included", None),
    ]
    assert figures_diff(new, old) == [
        Difference("Stream MoJ Core", None, "included"),
        Difference("Service AWD-1", None, "included"),
    ]


def test_another_years_line_of_a_service_is_not_committed_in_this_year(small):
    FundingLineFactory(award=small["award"], stream=small["core"], fy=2020, amount=Decimal("500.00"))
    figures = moj_return_figures(fy=2019, half=1)
    assert _stream(figures)["committed"] == "1000.00"
    assert figures["services"][0]["committed"] == "1000.00"


def test_the_figures_say_when_they_were_computed_to_the_second(small):
    import time_machine

    with time_machine.travel(datetime.datetime(2019, 10, 2, 9, 30, 15, 678000, tzinfo=datetime.UTC), tick=False):
        figures = moj_return_figures(fy=2019, half=1)
    assert figures["computed_at"] == "2019-10-02T09:30:15+00:00"
