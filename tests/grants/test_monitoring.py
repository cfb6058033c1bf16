"""Monitoring services: the returns schedule, a return's life, its validation, imports, KPIs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grants.models import AwardStatus, MonitoringReturn, ReturnBreakdown, ReturnKPIValue, ReturnOutcome, ReturnStatus
from grants.monitoring.importers import return_import
from grants.monitoring.kpis import kpi_create, kpi_delete, kpi_update
from grants.monitoring.return_data import ReturnData
from grants.monitoring.services import return_accept, return_save, return_send_back, return_submit
from outcomes.models import CodeList
from pcc_commissioning.concurrency import STALE_MESSAGE

from ..factories import (
    AwardFactory,
    AwardKPIFactory,
    CodeListEntryFactory,
    MonitoringReturnFactory,
    OrganisationFactory,
    ReturnKPIValueFactory,
)

pytestmark = pytest.mark.django_db


def good_data(**overrides) -> ReturnData:
    """A complete return: 10 supported, every breakdown adding up to 10."""
    values = dict(
        referrals=14,
        supported=10,
        breakdowns={
            "crime": {"domestic_abuse": 6, "violence": 4},
            "age": {"25_34": 10},
            "sex": {"female": 7, "male": 3},
            "ethnicity": {},
            "disability": {"yes": 2, "no": 8},
        },
        outcomes={"cope_recover": (8, 5)},
        narrative="A steady quarter.",
        case_study="A woman in her thirties was helped to move to a safe home.",
        case_study_consent=True,
        feedback="“They listened.”",
    )
    values.update(overrides)
    return ReturnData(**values)


def refused(call, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value


def assert_unchanged(ret: MonitoringReturn, *, status: str = ReturnStatus.DUE) -> None:
    stored = MonitoringReturn.objects.get(pk=ret.pk)
    assert stored.status == status
    assert stored.version == ret.version
    assert stored.referrals == ret.referrals
    assert not ReturnBreakdown.objects.filter(monitoring_return=ret).exists()
    assert not ReturnOutcome.objects.filter(monitoring_return=ret).exists()
    assert not ReturnKPIValue.objects.filter(monitoring_return=ret).exists()


@pytest.fixture
def due_return(organisation):
    return MonitoringReturnFactory(award__provider=organisation)


# Saving and submitting ----------------------------------------------------------------------------------


class TestSave:
    def test_a_provider_saves_a_draft_with_every_part(self, due_return, provider_user):
        kpi = AwardKPIFactory(award=due_return.award)
        data = good_data(kpi_values={kpi.pk: Decimal("12.5")})

        ret, warnings = return_save(monitoring_return=due_return, actor=provider_user, data=data, expected_version=1)

        ret.refresh_from_db()
        assert warnings == []
        assert ret.status == ReturnStatus.DRAFT
        assert (ret.referrals, ret.supported, ret.version) == (14, 10, 2)
        assert ret.case_study_consent is True
        assert ret.narrative == "A steady quarter."
        assert {(b.code.list, b.code.code): b.count for b in ret.breakdowns.all()}[("crime", "domestic_abuse")] == 6
        assert ret.breakdowns.count() == 7
        outcome = ret.outcomes.get()
        assert (outcome.code.code, outcome.assessed, outcome.improved) == ("cope_recover", 8, 5)
        assert ret.kpi_values.get().value == Decimal("12.5")

    def test_saving_again_replaces_the_rows(self, due_return, provider_user):
        ret, _ = return_save(monitoring_return=due_return, actor=provider_user, data=good_data(), expected_version=1)
        ret, _ = return_save(
            monitoring_return=ret,
            actor=provider_user,
            expected_version=2,
            data=good_data(breakdowns={"crime": {"fraud": 10}}, outcomes={}),
        )
        assert [(b.code.code, b.count) for b in ret.breakdowns.all()] == [("fraud", 10)]
        assert not ret.outcomes.exists()

    def test_breakdowns_that_do_not_add_up_are_saved_with_a_warning(self, due_return, provider_user):
        data = good_data(breakdowns={"crime": {"domestic_abuse": 6}, "sex": {"female": 7, "male": 3}, "age": {}})

        ret, warnings = return_save(monitoring_return=due_return, actor=provider_user, data=data, expected_version=1)

        assert warnings == ["The crime type breakdown adds up to 6, but 10 victims were supported."]
        assert ret.breakdowns.count() == 3

    def test_submitting_an_explained_mismatch_returns_the_same_warnings_and_submits(self, due_return, provider_user):
        data = good_data(breakdowns={"age": {"25_34": 9}}, breakdown_explanation="One person would not give their age.")
        ret, warnings = return_submit(monitoring_return=due_return, actor=provider_user, data=data, expected_version=1)
        ret.refresh_from_db()
        assert warnings == ["The age band breakdown adds up to 9, but 10 victims were supported."]
        assert ret.status == ReturnStatus.SUBMITTED
        assert ret.submitted_by == provider_user
        assert ret.submitted_at is not None

    def test_submitting_the_stored_draft_as_it_is(self, due_return, provider_user):
        ret, _ = return_save(monitoring_return=due_return, actor=provider_user, data=good_data(), expected_version=1)
        ret, warnings = return_submit(monitoring_return=ret, actor=provider_user, expected_version=2)
        ret.refresh_from_db()
        assert ret.status == ReturnStatus.SUBMITTED
        assert ret.breakdowns.count() == 7 and ret.outcomes.count() == 1
        assert warnings == []

    def test_a_draft_may_leave_counts_blank_but_a_submission_may_not(self, due_return, provider_user):
        ret, _ = return_save(
            monitoring_return=due_return, actor=provider_user, data=ReturnData(narrative="Started."), expected_version=1
        )
        assert ret.status == ReturnStatus.DRAFT

        error = refused(return_submit, monitoring_return=ret, actor=provider_user, expected_version=2)

        assert set(error.message_dict) == {"referrals", "supported"}
        assert MonitoringReturn.objects.get(pk=ret.pk).status == ReturnStatus.DRAFT

    def test_an_officer_may_fill_in_a_return_for_the_provider(self, due_return, officer):
        ret, _ = return_save(monitoring_return=due_return, actor=officer, data=good_data(), expected_version=1)
        assert ret.status == ReturnStatus.DRAFT


class TestBadInput:
    @pytest.mark.parametrize(
        ("data", "key"),
        [
            (dict(referrals=-1), "referrals"),
            (dict(supported=-3), "supported"),
            (dict(referrals="lots"), "referrals"),
            (dict(supported=2.5), "supported"),
            (dict(breakdowns={"crime": {"domestic_abuse": -2}}), "crime:domestic_abuse"),
            (dict(breakdowns={"crime": {"no_such_code": 2}}), "crime:no_such_code"),
            (dict(breakdowns={"outcome": {"cope_recover": 2}}), "__all__"),
            (dict(outcomes={"cope_recover": (5, 6)}), "outcome:cope_recover"),
            (dict(outcomes={"cope_recover": (-1, 0)}), "outcome:cope_recover:assessed"),
            (dict(outcomes={"cope_recover": (4, None)}), "outcome:cope_recover:improved"),
            (dict(outcomes={"domestic_abuse": (4, 2)}), "outcome:domestic_abuse"),
        ],
    )
    def test_is_refused_and_nothing_is_saved(self, due_return, provider_user, data, key):
        for call in (return_save, return_submit):
            error = refused(
                call, monitoring_return=due_return, actor=provider_user, data=good_data(**data), expected_version=1
            )
            assert key in error.message_dict
            assert_unchanged(due_return)

    def test_improved_above_assessed_names_the_measure(self, due_return, provider_user):
        error = refused(
            return_save,
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(outcomes={"cope_recover": (5, 6)}),
        )
        assert "cannot be more than the number assessed" in error.message_dict["outcome:cope_recover"][0]

    def test_a_code_not_valid_in_the_return_year_is_refused(self, due_return, provider_user):
        retired = CodeListEntryFactory(list=CodeList.CRIME, code="retired_crime", valid_to_fy=2018)
        future = CodeListEntryFactory(list=CodeList.OUTCOME, code="future_measure", valid_from_fy=2020)

        error = refused(
            return_save,
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns={"crime": {retired.code: 1}}, outcomes={future.code: (2, 1)}),
        )

        assert {"crime:retired_crime", "outcome:future_measure"} <= set(error.message_dict)
        assert "2019/20" in error.message_dict["crime:retired_crime"][0]
        assert_unchanged(due_return)

    def test_a_kpi_of_another_award_is_refused(self, due_return, provider_user):
        other_kpi = AwardKPIFactory()
        error = refused(
            return_save,
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(kpi_values={other_kpi.pk: Decimal("3")}),
        )
        assert f"kpi:{other_kpi.pk}" in error.message_dict
        assert_unchanged(due_return)

    def test_a_kpi_value_that_is_not_a_number_is_refused(self, due_return, provider_user):
        kpi = AwardKPIFactory(award=due_return.award)
        error = refused(
            return_save,
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(kpi_values={kpi.pk: "about ten"}),
        )
        assert f"kpi:{kpi.pk}" in error.message_dict
        assert_unchanged(due_return)

    def test_a_provider_cannot_fill_in_another_organisations_return(self, provider_user):
        theirs = MonitoringReturnFactory(award__provider=OrganisationFactory(name="Someone Else"))
        for call in (return_save, return_submit):
            with pytest.raises(PermissionDenied):
                call(monitoring_return=theirs, actor=provider_user, data=good_data(), expected_version=1)
            assert_unchanged(theirs)

    def test_board_and_finance_cannot_fill_in_returns(self, due_return, board_member, finance_officer):
        for actor in (board_member, finance_officer):
            with pytest.raises(PermissionDenied):
                return_save(monitoring_return=due_return, actor=actor, data=good_data(), expected_version=1)
        assert_unchanged(due_return)

    def test_a_stale_edit_is_refused(self, due_return, provider_user):
        return_save(monitoring_return=due_return, actor=provider_user, data=good_data(), expected_version=1)
        error = refused(
            return_save,
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(referrals=99),
        )
        assert error.messages == [STALE_MESSAGE]
        assert MonitoringReturn.objects.get(pk=due_return.pk).referrals == 14


class TestBreakdownsAddUp:
    """A breakdown list that has been filled in adds up to the victims supported (10 in
    ``good_data``), or the provider explains why before submitting."""

    MISMATCHED = {"crime": {"domestic_abuse": 6}, "age": {"25_34": 9}, "sex": {"female": 7, "male": 3}}

    def test_submitting_a_mismatch_without_an_explanation_is_refused_naming_each_list(self, due_return, provider_user):
        # crime 6 (4 short), age 9 (1 short), sex 7 + 3 = 10 adds up.
        error = refused(
            return_submit,
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns=self.MISMATCHED),
        )

        assert set(error.message_dict) == {"breakdown_explanation", "breakdowns:crime", "breakdowns:age"}
        assert error.message_dict["breakdowns:crime"] == [
            "The crime type breakdown adds up to 6, not the 10 victims supported (4 short)."
        ]
        assert error.message_dict["breakdowns:age"] == [
            "The age band breakdown adds up to 9, not the 10 victims supported (1 short)."
        ]
        assert error.message_dict["breakdown_explanation"] == [
            "The crime type and age band breakdowns do not add up to the 10 victims supported: "
            "correct the numbers, or explain why they do not add up."
        ]
        assert_unchanged(due_return)

    @pytest.mark.parametrize("blank", ["", "   \n  "])
    def test_a_blank_explanation_is_no_explanation(self, due_return, provider_user, blank):
        error = refused(
            return_submit,
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns={"age": {"25_34": 9}}, breakdown_explanation=blank),
        )
        assert set(error.message_dict) == {"breakdown_explanation", "breakdowns:age"}
        assert_unchanged(due_return)

    def test_submitting_a_mismatch_with_an_explanation_stores_it(self, due_return, provider_user):
        ret, warnings = return_submit(
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(
                breakdowns=self.MISMATCHED,
                breakdown_explanation="  Four victims of fraud were counted under another award.\n",
            ),
        )

        stored = MonitoringReturn.objects.get(pk=ret.pk)
        assert stored.status == ReturnStatus.SUBMITTED
        assert stored.breakdown_explanation == "Four victims of fraud were counted under another award."
        assert warnings == [
            "The crime type breakdown adds up to 6, but 10 victims were supported.",
            "The age band breakdown adds up to 9, but 10 victims were supported.",
        ]

    def test_a_draft_with_a_mismatch_is_saved_then_its_submission_needs_the_explanation(
        self, due_return, provider_user
    ):
        ret, warnings = return_save(
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns={"age": {"25_34": 9}}),
        )
        assert MonitoringReturn.objects.get(pk=ret.pk).status == ReturnStatus.DRAFT
        assert warnings == ["The age band breakdown adds up to 9, but 10 victims were supported."]

        # Submitting the stored draft as it is: the same rule.
        error = refused(return_submit, monitoring_return=ret, actor=provider_user, expected_version=2)
        assert set(error.message_dict) == {"breakdown_explanation", "breakdowns:age"}
        assert MonitoringReturn.objects.get(pk=ret.pk).status == ReturnStatus.DRAFT

        ret, _ = return_save(
            monitoring_return=ret,
            actor=provider_user,
            expected_version=2,
            data=good_data(breakdowns={"age": {"25_34": 9}}, breakdown_explanation="One age not recorded."),
        )
        assert MonitoringReturn.objects.get(pk=ret.pk).breakdown_explanation == "One age not recorded."
        ret, _ = return_submit(monitoring_return=ret, actor=provider_user, expected_version=3)
        stored = MonitoringReturn.objects.get(pk=ret.pk)
        assert (stored.status, stored.breakdown_explanation) == (ReturnStatus.SUBMITTED, "One age not recorded.")

    def test_an_explanation_is_cleared_once_everything_adds_up(self, due_return, provider_user):
        ret, _ = return_save(
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns={"age": {"25_34": 9}}, breakdown_explanation="One age not recorded."),
        )
        assert MonitoringReturn.objects.get(pk=ret.pk).breakdown_explanation == "One age not recorded."

        # The age is found: 10 of 10. The old explanation no longer describes the figures.
        ret, warnings = return_save(
            monitoring_return=ret,
            actor=provider_user,
            expected_version=2,
            data=good_data(breakdown_explanation="One age not recorded."),
        )
        assert warnings == []
        assert MonitoringReturn.objects.get(pk=ret.pk).breakdown_explanation == ""

        ret, _ = return_submit(
            monitoring_return=ret,
            actor=provider_user,
            expected_version=3,
            data=good_data(breakdown_explanation="Not needed."),
        )
        assert MonitoringReturn.objects.get(pk=ret.pk).breakdown_explanation == ""

    def test_lists_left_blank_are_not_a_mismatch(self, due_return, provider_user):
        blank = {"crime": {}, "age": {"25_34": None, "18_24": ""}, "sex": {}, "ethnicity": {}, "disability": {}}
        ret, warnings = return_submit(
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns=blank, breakdown_explanation="Nothing to explain."),
        )
        stored = MonitoringReturn.objects.get(pk=ret.pk)
        assert warnings == []
        assert (stored.status, stored.breakdown_explanation) == (ReturnStatus.SUBMITTED, "")
        assert not stored.breakdowns.exists()

    def test_a_list_of_zeros_has_been_filled_in_and_is_a_mismatch(self, due_return, provider_user):
        error = refused(
            return_submit,
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns={"disability": {"yes": 0, "no": 0}}),
        )
        assert error.message_dict["breakdowns:disability"] == [
            "The disability breakdown adds up to 0, not the 10 victims supported (10 short)."
        ]

    @pytest.mark.parametrize(
        ("crime", "side"),
        [
            ({"domestic_abuse": 6, "violence": 3}, "1 short"),  # 9 of 10
            ({"domestic_abuse": 6, "violence": 5}, "1 over"),  # 11 of 10
        ],
    )
    def test_one_off_either_way_is_refused(self, due_return, provider_user, crime, side):
        error = refused(
            return_submit,
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns={"crime": crime}),
        )
        assert set(error.message_dict) == {"breakdown_explanation", "breakdowns:crime"}
        assert error.message_dict["breakdowns:crime"][0].endswith(f"({side}).")
        assert_unchanged(due_return)

    def test_totals_equal_to_the_victims_supported_are_fine(self, due_return, provider_user):
        ret, warnings = return_submit(
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns={"crime": {"domestic_abuse": 6, "violence": 4}}),  # 10 of 10
        )
        assert warnings == []
        assert MonitoringReturn.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED

    def test_nothing_is_compared_while_victims_supported_is_blank(self, due_return, provider_user):
        ret, warnings = return_save(
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(supported=None, breakdowns={"age": {"25_34": 9}}, breakdown_explanation="Early."),
        )
        assert warnings == []
        assert MonitoringReturn.objects.get(pk=ret.pk).breakdown_explanation == ""

    def test_an_overlong_explanation_is_refused(self, due_return, provider_user):
        for call in (return_save, return_submit):
            error = refused(
                call,
                monitoring_return=due_return,
                actor=provider_user,
                expected_version=1,
                data=good_data(breakdowns={"age": {"25_34": 9}}, breakdown_explanation="x" * 2001),
            )
            assert set(error.message_dict) == {"breakdown_explanation"}
            assert "2,000 characters or fewer (it has 2,001)" in error.message_dict["breakdown_explanation"][0]
            assert_unchanged(due_return)
        ret, _ = return_save(
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns={"age": {"25_34": 9}}, breakdown_explanation="x" * 2000),
        )
        assert len(MonitoringReturn.objects.get(pk=ret.pk).breakdown_explanation) == 2000

    def test_an_officer_submitting_for_the_provider_follows_the_same_rule(self, due_return, officer):
        error = refused(
            return_submit,
            monitoring_return=due_return,
            actor=officer,
            expected_version=1,
            data=good_data(breakdowns={"age": {"25_34": 9}}),
        )
        assert "breakdown_explanation" in error.message_dict


class TestImpossibleValues:
    """Values no return can hold, refused on a draft, a submission and an import alike, each
    under the key of its own box (10 victims supported in ``good_data``)."""

    @pytest.mark.parametrize(
        ("data", "key", "message"),
        [
            (
                dict(breakdowns={"crime": {"domestic_abuse": 11}}),
                "crime:domestic_abuse",
                "The number supported for crime type “Domestic abuse” (11) cannot be more than the number of victims "
                "supported (10).",
            ),
            (
                dict(breakdowns={"age": {"25_34": "2.5"}}),
                "age:25_34",
                "The number supported for age band “25 to 34” must be a whole number.",
            ),
            (
                dict(breakdowns={"sex": {"female": -1}}),
                "sex:female",
                "The number supported for sex “Female” cannot be negative.",
            ),
            (
                dict(outcomes={"cope_recover": ("1.5", 1)}),
                "outcome:cope_recover:assessed",
                "The number assessed for “Improved ability to cope and recover” must be a whole number.",
            ),
            (
                dict(outcomes={"cope_recover": (8, -2)}),
                "outcome:cope_recover:improved",
                "The number improved for “Improved ability to cope and recover” cannot be negative.",
            ),
            (
                dict(outcomes={"cope_recover": (8, 9)}),
                "outcome:cope_recover",
                "“Improved ability to cope and recover”: the number improved (9) cannot be more than the number "
                "assessed (8).",
            ),
            (dict(referrals=3.5), "referrals", "The number of referrals received must be a whole number."),
        ],
    )
    def test_is_refused_naming_its_box_and_nothing_is_saved(self, due_return, provider_user, data, key, message):
        for call in (return_save, return_submit):
            error = refused(
                call, monitoring_return=due_return, actor=provider_user, data=good_data(**data), expected_version=1
            )
            # Only its own box: a list with a bad count is not also reported as not adding up.
            assert error.message_dict == {key: [message]}
            assert_unchanged(due_return)
        with pytest.raises(ValidationError) as caught:
            return_import(award=due_return.award, fy=2019, quarter=1, data=good_data(**data))
        assert caught.value.message_dict == {key: [message]}
        assert_unchanged(due_return)

    def test_the_limits_themselves_are_allowed(self, due_return, provider_user):
        # One code holding every victim supported, and every one of them assessed: both possible.
        ret, warnings = return_submit(
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(breakdowns={"crime": {"domestic_abuse": 10}}, outcomes={"cope_recover": (10, 10)}),
        )
        assert warnings == []
        assert MonitoringReturn.objects.get(pk=ret.pk).outcomes.get().assessed == 10

    def test_nothing_is_compared_with_a_blank_victims_supported_in_a_draft(self, due_return, provider_user):
        ret, _ = return_save(
            monitoring_return=due_return,
            actor=provider_user,
            expected_version=1,
            data=good_data(
                supported=None, breakdowns={"crime": {"domestic_abuse": 60}}, outcomes={"cope_recover": (50, 5)}
            ),
        )
        assert MonitoringReturn.objects.get(pk=ret.pk).status == ReturnStatus.DRAFT


# Review ------------------------------------------------------------------------------------------


class TestReview:
    @pytest.fixture
    def submitted(self, due_return, provider_user):
        ret, _ = return_submit(monitoring_return=due_return, actor=provider_user, data=good_data(), expected_version=1)
        return ret

    def test_a_submitted_return_cannot_be_changed_or_submitted_again(self, submitted, provider_user):
        for call in (return_save, return_submit):
            error = refused(
                call,
                monitoring_return=submitted,
                actor=provider_user,
                data=good_data(referrals=1),
                expected_version=submitted.version,
            )
            assert "awaiting review" in error.message_dict["status"][0]
        assert MonitoringReturn.objects.get(pk=submitted.pk).referrals == 14

    def test_an_officer_accepts_with_a_rag_rating(self, submitted, officer):
        ret = return_accept(
            monitoring_return=submitted,
            actor=officer,
            rag="amber",
            rag_comment="Referrals low.",
            expected_version=submitted.version,
        )
        ret.refresh_from_db()
        assert (ret.status, ret.rag, ret.rag_comment, ret.reviewed_by) == (
            ReturnStatus.ACCEPTED,
            "amber",
            "Referrals low.",
            officer,
        )

    @pytest.mark.parametrize("rag", ["", "purple"])
    def test_accepting_needs_a_rag_rating(self, submitted, officer, rag):
        error = refused(
            return_accept, monitoring_return=submitted, actor=officer, rag=rag, expected_version=submitted.version
        )
        assert "rag" in error.message_dict
        assert MonitoringReturn.objects.get(pk=submitted.pk).status == ReturnStatus.SUBMITTED

    def test_a_provider_cannot_accept_or_send_back(self, submitted, provider_user):
        with pytest.raises(PermissionDenied):
            return_accept(
                monitoring_return=submitted, actor=provider_user, rag="green", expected_version=submitted.version
            )
        with pytest.raises(PermissionDenied):
            return_send_back(
                monitoring_return=submitted, actor=provider_user, reason="No", expected_version=submitted.version
            )
        assert MonitoringReturn.objects.get(pk=submitted.pk).status == ReturnStatus.SUBMITTED

    def test_a_draft_cannot_be_accepted(self, due_return, officer):
        error = refused(return_accept, monitoring_return=due_return, actor=officer, rag="green", expected_version=1)
        assert "status" in error.message_dict
        assert MonitoringReturn.objects.get(pk=due_return.pk).status == ReturnStatus.DUE

    def test_sending_back_needs_a_reason(self, submitted, officer):
        error = refused(
            return_send_back,
            monitoring_return=submitted,
            actor=officer,
            reason="  ",
            expected_version=submitted.version,
        )
        assert "reason" in error.message_dict
        assert MonitoringReturn.objects.get(pk=submitted.pk).status == ReturnStatus.SUBMITTED

    def test_a_returned_return_can_be_edited_and_submitted_again(self, submitted, officer, provider_user):
        ret = return_send_back(
            monitoring_return=submitted,
            actor=officer,
            reason="Add the case study consent.",
            expected_version=submitted.version,
        )
        assert (ret.status, ret.returned_reason) == (ReturnStatus.RETURNED, "Add the case study consent.")

        ret, _ = return_save(
            monitoring_return=ret, actor=provider_user, data=good_data(referrals=15), expected_version=ret.version
        )
        assert ret.status == ReturnStatus.RETURNED  # still with the provider, reason kept
        ret, _ = return_submit(monitoring_return=ret, actor=provider_user, expected_version=ret.version)
        ret.refresh_from_db()
        assert (ret.status, ret.referrals) == (ReturnStatus.SUBMITTED, 15)

    def test_an_accepted_return_is_never_changed(self, submitted, officer, provider_user):
        accepted = return_accept(
            monitoring_return=submitted, actor=officer, rag="green", expected_version=submitted.version
        )
        for call, kwargs in (
            (return_save, dict(actor=provider_user, data=good_data(referrals=1))),
            (return_submit, dict(actor=provider_user, data=good_data(referrals=1))),
            (return_save, dict(actor=officer, data=good_data(referrals=1))),
            (return_send_back, dict(actor=officer, reason="Oops")),
            (return_accept, dict(actor=officer, rag="red")),
        ):
            error = refused(call, monitoring_return=accepted, expected_version=accepted.version, **kwargs)
            assert "status" in error.message_dict
        stored = MonitoringReturn.objects.get(pk=accepted.pk)
        assert (stored.status, stored.rag, stored.referrals, stored.version) == (
            ReturnStatus.ACCEPTED,
            "green",
            14,
            accepted.version,
        )


# Imports ------------------------------------------------------------------------------------------


class TestImport:
    @pytest.fixture
    def award(self):
        return AwardFactory(
            status=AwardStatus.ACTIVE, start_date=datetime.date(2017, 4, 1), end_date=datetime.date(2020, 3, 31)
        )

    def test_creates_a_submitted_return_for_a_quarter_before_monitoring_start(self, award, settings):
        settings.RETURN_DUE_DAYS = 20
        ret, created = return_import(award=award, fy=2018, quarter=3, data=good_data())
        ret.refresh_from_db()
        assert created
        assert (ret.status, ret.due_date, ret.supported) == (ReturnStatus.SUBMITTED, datetime.date(2019, 1, 20), 10)
        assert ret.breakdowns.count() == 7

    def test_updates_a_return_not_yet_accepted_and_can_accept_it(self, award, officer):
        MonitoringReturnFactory(award=award, fy=2019, quarter=1)
        ret, created = return_import(
            award=award, fy=2019, quarter=1, data=good_data(), rag="red", status="accepted", actor=officer
        )
        ret.refresh_from_db()
        assert not created
        assert (ret.status, ret.rag, ret.reviewed_by) == (ReturnStatus.ACCEPTED, "red", officer)
        assert MonitoringReturn.objects.filter(award=award).count() == 1

    def test_an_accepted_return_is_refused(self, award):
        accepted = MonitoringReturnFactory(award=award, fy=2019, quarter=1, accepted=True)
        error = refused(return_import, award=award, fy=2019, quarter=1, data=good_data(referrals=99))
        assert "accepted" in error.message_dict["status"][0]
        assert MonitoringReturn.objects.get(pk=accepted.pk).referrals == 12

    @pytest.mark.parametrize(("fy", "quarter"), [(2016, 4), (2020, 1)])
    def test_a_quarter_the_award_was_not_active_in_is_refused(self, award, fy, quarter):
        error = refused(return_import, award=award, fy=fy, quarter=quarter, data=good_data())
        assert "was not active" in error.message_dict["quarter"][0]
        assert not MonitoringReturn.objects.exists()

    def test_an_award_not_made_has_no_returns(self):
        planned = AwardFactory(status=AwardStatus.PLANNED)
        refused(return_import, award=planned, fy=2019, quarter=1, data=good_data())
        assert not MonitoringReturn.objects.exists()

    def test_a_mismatch_is_accepted_without_an_explanation_as_historic_data(self, award, officer):
        ret, _ = return_import(
            award=award,
            fy=2019,
            quarter=1,
            data=good_data(breakdowns={"age": {"25_34": 9}}),
            rag="amber",
            status="accepted",
            actor=officer,
        )
        stored = MonitoringReturn.objects.get(pk=ret.pk)
        assert (stored.status, stored.breakdown_explanation) == (ReturnStatus.ACCEPTED, "")
        assert stored.breakdowns.get().count == 9

    @pytest.mark.parametrize(
        ("kwargs", "key"),
        [
            (dict(quarter=5), "quarter"),
            (dict(status="draft"), "status"),
            (dict(status="accepted"), "rag"),
            (dict(rag="blue"), "rag"),
            (dict(data=ReturnData(referrals=-1)), "referrals"),
            (dict(data=ReturnData(outcomes={"cope_recover": (1, 2)})), "outcome:cope_recover"),
        ],
    )
    def test_bad_rows_are_refused_and_nothing_is_saved(self, award, kwargs, key):
        arguments = dict(award=award, fy=2019, quarter=1, data=good_data()) | kwargs
        error = refused(return_import, **arguments)
        assert key in error.message_dict
        assert not MonitoringReturn.objects.exists()
        assert not ReturnBreakdown.objects.exists()


# KPIs ----------------------------------------------------------------------------------------------


class TestKPIs:
    def test_create_update_and_delete(self, officer):
        award = AwardFactory(status=AwardStatus.ACTIVE)
        kpi = kpi_create(
            award=award,
            actor=officer,
            name=" Victims supported ",
            unit="people",
            target=Decimal("40"),
            target_period="year",
        )
        assert (kpi.name, kpi.target, kpi.target_period) == ("Victims supported", Decimal("40"), "year")

        kpi = kpi_update(kpi=kpi, actor=officer, expected_version=kpi.version, target=Decimal("45.5"))
        kpi.refresh_from_db()
        assert kpi.target == Decimal("45.5")

        kpi_delete(kpi=kpi, actor=officer)
        assert not award.kpis.exists()

    def test_an_edit_from_a_stale_form_is_refused_and_changes_nothing(self, officer):
        kpi = AwardKPIFactory(name="Referrals", unit="")
        loaded = kpi.version
        kpi_update(kpi=kpi, actor=officer, expected_version=loaded, unit="people")
        error = refused(kpi_update, kpi=kpi, actor=officer, expected_version=loaded, target=Decimal("99"))
        assert error.messages == [STALE_MESSAGE]
        kpi.refresh_from_db()
        assert (kpi.unit, kpi.target, kpi.version) == ("people", Decimal("10"), loaded + 1)

    def test_names_are_unique_per_award_ignoring_case(self, officer):
        kpi = AwardKPIFactory(name="Referrals")
        error = refused(kpi_create, award=kpi.award, actor=officer, name="referrals")
        assert "name" in error.message_dict
        kpi_create(award=AwardFactory(), actor=officer, name="Referrals")  # another award may

    @pytest.mark.parametrize(
        ("fields", "key"),
        [
            (dict(name=""), "name"),
            (dict(target=Decimal("-1")), "target"),
            (dict(target_period="month"), "target_period"),
        ],
    )
    def test_bad_fields_are_refused(self, officer, fields, key):
        kpi = AwardKPIFactory(name="Old")
        error = refused(kpi_update, kpi=kpi, actor=officer, expected_version=None, **fields)
        assert key in error.message_dict
        kpi.refresh_from_db()
        assert (kpi.name, kpi.target, kpi.target_period) == ("Old", Decimal("10"), "quarter")

    def test_a_kpi_with_values_in_returns_is_kept(self, officer):
        value = ReturnKPIValueFactory()
        error = refused(kpi_delete, kpi=value.kpi, actor=officer)
        assert "values in monitoring returns" in error.messages[0]
        assert value.kpi.__class__.objects.filter(pk=value.kpi.pk).exists()

    def test_only_officers_manage_kpis(self, provider_user, board_member):
        award = AwardFactory(status=AwardStatus.ACTIVE, provider=provider_user.provider_membership.organisation)
        for actor in (provider_user, board_member):
            with pytest.raises(PermissionDenied):
                kpi_create(award=award, actor=actor, name="Mine")
        assert not award.kpis.exists()


# Counting definitions and the admin ---------------------------------------------------------------


def test_both_counting_definitions_are_seeded_and_an_administrator_edits_them(superuser, login_as):
    from django.urls import reverse

    from outcomes.models import CountingDefinition

    assert set(CountingDefinition.objects.values_list("term", flat=True)) == {"referral", "supported"}
    referral = CountingDefinition.objects.get(term="referral")
    client = login_as(superuser)

    response = client.post(
        reverse("admin:outcomes_countingdefinition_change", args=[referral.pk]),
        {"label": "Referral", "definition": "Each request for help, counted once per person per quarter."},
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.definition == "Each request for help, counted once per person per quarter."
    assert referral.term == "referral"  # the term itself is fixed


def test_monitoring_admin_pages_open_and_returns_are_read_only_there(superuser, login_as):
    from django.urls import reverse

    ret = MonitoringReturnFactory(submitted=True)
    kpi_value = ReturnKPIValueFactory(monitoring_return=ret)
    client = login_as(superuser)
    for name in (
        "grants_awardkpi",
        "grants_monitoringreturn",
        "grants_remindersent",
        "outcomes_performancemeasure",
        "outcomes_performancevalue",
        "outcomes_countingdefinition",
    ):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:grants_awardkpi_change", args=[kpi_value.kpi.pk])).status_code == 200
    page = client.get(reverse("admin:grants_monitoringreturn_change", args=[ret.pk]))
    assert page.status_code == 200
    client.post(reverse("admin:grants_monitoringreturn_change", args=[ret.pk]), {"status": "accepted", "rag": "green"})
    assert MonitoringReturn.objects.get(pk=ret.pk).status == ReturnStatus.SUBMITTED
