"""The status rules of DESIGN.md §4, as one table, without HTTP."""

import pytest

from app.tickets.status import MANUAL_STATUSES, Status, Transition, after

S = Status


@pytest.mark.parametrize("transition, moves", [
    (Transition.CONFIRM, {S.AWAITING_CONFIRMATION: S.OPEN}),
    (Transition.CUSTOMER_REPLY, {S.OPEN: S.OPEN, S.WAITING: S.OPEN, S.IN_PROGRESS: S.OPEN, S.RESOLVED: S.OPEN}),
    (Transition.AGENT_REPLY, {status: S.WAITING for status in S}),
    (Transition.ASSIGN, {S.OPEN: S.IN_PROGRESS}),
    (Transition.RELEASE, {S.IN_PROGRESS: S.OPEN}),
    (Transition.MERGE, {status: S.CLOSED for status in S}),
])
def test_each_transition_moves_exactly_the_listed_statuses(transition, moves):
    for status in S:
        assert after(status, transition) == moves.get(status, status), (transition, status)


def test_the_rules_in_words():
    assert after(S.CLOSED, Transition.AGENT_REPLY) == S.WAITING  # an agent reply reopens a closed ticket
    assert after(S.CLOSED, Transition.CUSTOMER_REPLY) == S.CLOSED  # the web refuses; mail-in decides
    assert after(S.WAITING, Transition.ASSIGN) == S.WAITING  # only an open ticket starts progress
    assert after(S.RESOLVED, Transition.RELEASE) == S.RESOLVED  # releasing never reopens a solved one
    assert after(2, Transition.CUSTOMER_REPLY) == S.OPEN  # codes from the database work too


def test_awaiting_confirmation_is_never_set_by_hand():
    assert S.AWAITING_CONFIRMATION not in MANUAL_STATUSES
    assert set(MANUAL_STATUSES) == set(S) - {S.AWAITING_CONFIRMATION}
