"""The borrower's conversation as an explicit state machine.

`TRANSITIONS` is the whole truth: the engine refuses a step that moves along an edge not listed
here, a test walks it, and README's diagram is generated from it (`python -m flows.states`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    NEW = "new"
    INTRO = "intro"
    CONSENT_ASSESSMENT = "consent_assessment"
    CONSENT_SENSITIVE = "consent_sensitive"
    CONSENT_INVITE = "consent_invite"
    CONSENT_MARKETING = "consent_marketing"
    CONSENT_DECLINED = "consent_declined"
    KYC_NAME = "kyc_name"
    KYC_ID = "kyc_id"
    KYC_PHONE = "kyc_phone"
    KYC_EMPLOYMENT = "kyc_employment"
    KYC_EMPLOYMENT_LENGTH = "kyc_employment_length"
    KYC_INCOME = "kyc_income"
    Q_BALANCE = "q_balance"
    Q_SAVINGS = "q_savings"
    Q_HISTORY = "q_history"
    Q_EXISTING_CREDITS = "q_existing_credits"
    Q_OTHER_INSTALMENTS = "q_other_instalments"
    Q_HOUSING = "q_housing"
    Q_PROPERTY = "q_property"
    Q_DEPENDENTS = "q_dependents"
    Q_PURPOSE = "q_purpose"
    Q_AMOUNT = "q_amount"
    Q_TERM = "q_term"
    REVIEW_ANSWERS = "review_answers"
    DECLINED = "declined"
    MANUAL_REVIEW = "manual_review"
    HOME = "home"
    BORROW_AMOUNT = "borrow_amount"
    BORROW_TERM = "borrow_term"
    BORROW_DISCLOSURE = "borrow_disclosure"
    REPAY_AMOUNT = "repay_amount"
    REPAY_CONFIRM = "repay_confirm"
    Q_OUTSIDE_REPAYMENTS = "q_outside_repayments"
    REPAY_PREPAY_CHOICE = "repay_prepay_choice"
    REMINDERS = "reminders"
    OP_CONSOLE = "op_console"
    OP_BROADCAST_TEXT = "op_broadcast_text"
    OP_BROADCAST_PREVIEW = "op_broadcast_preview"
    OP_REVIEW_REASON = "op_review_reason"
    COMPLAINT = "complaint"


# The onboarding questions in the order they are asked; /back walks this list backwards.
ONBOARDING_ORDER: tuple[State, ...] = (
    State.INTRO,
    State.CONSENT_ASSESSMENT,
    State.CONSENT_SENSITIVE,
    State.CONSENT_INVITE,
    State.CONSENT_MARKETING,
    State.KYC_NAME,
    State.KYC_ID,
    State.KYC_PHONE,
    State.KYC_EMPLOYMENT,
    State.KYC_EMPLOYMENT_LENGTH,
    State.KYC_INCOME,
    State.Q_BALANCE,
    State.Q_SAVINGS,
    State.Q_HISTORY,
    State.Q_EXISTING_CREDITS,
    State.Q_OTHER_INSTALMENTS,
    State.Q_OUTSIDE_REPAYMENTS,
    State.Q_HOUSING,
    State.Q_PROPERTY,
    State.Q_DEPENDENTS,
    State.Q_PURPOSE,
    State.Q_AMOUNT,
    State.Q_TERM,
    State.REVIEW_ANSWERS,
)

BORROW_ORDER: tuple[State, ...] = (State.BORROW_AMOUNT, State.BORROW_TERM, State.BORROW_DISCLOSURE)
# A payment beyond what is due asks how to re-amortise before Confirm; others skip that screen.
REPAY_ORDER: tuple[State, ...] = (
    State.REPAY_AMOUNT,
    State.REPAY_PREPAY_CHOICE,
    State.REPAY_CONFIRM,
)

# States a person with a decided application is in: the home menu and its sub-flows.
CUSTOMER_STATES = frozenset({State.HOME, *BORROW_ORDER, *REPAY_ORDER, State.REMINDERS})


@dataclass(frozen=True, slots=True)
class Transition:
    source: State
    target: State
    trigger: str


def _chain(states: tuple[State, ...], trigger: str) -> list[Transition]:
    return [Transition(a, b, trigger) for a, b in itertools.pairwise(states)]


def _backs(states: tuple[State, ...]) -> list[Transition]:
    return [Transition(b, a, "/back") for a, b in itertools.pairwise(states)]


TRANSITIONS: tuple[Transition, ...] = (
    Transition(State.NEW, State.INTRO, "/start with a valid invite"),
    Transition(State.INTRO, State.CONSENT_ASSESSMENT, "continue"),
    Transition(State.CONSENT_ASSESSMENT, State.CONSENT_SENSITIVE, "agree"),
    Transition(State.CONSENT_SENSITIVE, State.CONSENT_INVITE, "agree"),
    Transition(State.CONSENT_INVITE, State.CONSENT_MARKETING, "agree or decline"),
    Transition(State.CONSENT_MARKETING, State.KYC_NAME, "agree or decline"),
    Transition(State.CONSENT_ASSESSMENT, State.CONSENT_DECLINED, "decline"),
    Transition(State.CONSENT_SENSITIVE, State.CONSENT_DECLINED, "decline"),
    Transition(State.CONSENT_DECLINED, State.INTRO, "/start"),
    *_chain(ONBOARDING_ORDER[5:], "valid answer"),
    *_backs(ONBOARDING_ORDER),
    Transition(State.REVIEW_ANSWERS, State.KYC_NAME, "edit answers"),
    Transition(State.REVIEW_ANSWERS, State.HOME, "approved"),
    Transition(State.REVIEW_ANSWERS, State.DECLINED, "declined"),
    Transition(State.REVIEW_ANSWERS, State.MANUAL_REVIEW, "manual review"),
    Transition(State.DECLINED, State.KYC_NAME, "/start after the retry date"),
    Transition(State.DECLINED, State.MANUAL_REVIEW, "asks for a human review"),
    Transition(State.MANUAL_REVIEW, State.HOME, "operator approves"),
    Transition(State.MANUAL_REVIEW, State.DECLINED, "operator declines"),
    Transition(State.HOME, State.BORROW_AMOUNT, "borrow"),
    *_chain(BORROW_ORDER, "valid answer"),
    *_backs(BORROW_ORDER),
    Transition(State.BORROW_DISCLOSURE, State.BORROW_AMOUNT, "change"),
    Transition(State.BORROW_DISCLOSURE, State.HOME, "confirm: loan disbursed, or sent for review"),
    Transition(State.HOME, State.REPAY_AMOUNT, "repay"),
    *_chain(REPAY_ORDER, "valid amount"),
    Transition(State.REPAY_AMOUNT, State.REPAY_CONFIRM, "amount due, or the payoff"),
    *_backs(REPAY_ORDER),
    Transition(State.REPAY_CONFIRM, State.HOME, "confirm: repayment received"),
    *(
        Transition(state, State.HOME, "/cancel, /start or /menu")
        for state in (*BORROW_ORDER, *REPAY_ORDER)
    ),
    *(
        Transition(state, State.REPAY_AMOUNT, "/repay or a reminder's Repay")
        for state in (*BORROW_ORDER, State.REPAY_CONFIRM)
    ),
    Transition(State.BORROW_AMOUNT, State.HOME, "nothing available to borrow"),
    Transition(State.REPAY_AMOUNT, State.HOME, "nothing to repay"),
    *(
        Transition(State.REVIEW_ANSWERS, state, "an answer is missing")
        for state in ONBOARDING_ORDER[5:-1]
    ),
    *(
        Transition(state, State.CONSENT_DECLINED, "/privacy: a required consent withdrawn")
        for state in (*ONBOARDING_ORDER, State.DECLINED, State.MANUAL_REVIEW)
        if state is not State.CONSENT_DECLINED
    ),
    *(
        Transition(state, State.HOME, "/privacy: a required consent withdrawn")
        for state in BORROW_ORDER
    ),
    *(
        Transition(state, State.NEW, "/privacy: account deleted")
        for state in State
        if state is not State.NEW
    ),
    *(
        Transition(state, State.REMINDERS, "/reminders")
        for state in (State.HOME, *BORROW_ORDER, *REPAY_ORDER)
    ),
    Transition(State.REMINDERS, State.HOME, "done, /cancel or /menu"),
    Transition(State.REMINDERS, State.REPAY_AMOUNT, "/repay or a reminder's Repay"),
)

# Staff (admins and operators) work in their own states; the router lets only staff in.
# A tuple as well as a set: edges made from it keep README's diagram in one order every run.
STAFF_SCREENS: tuple[State, ...] = (
    State.OP_CONSOLE,
    State.OP_BROADCAST_TEXT,
    State.OP_BROADCAST_PREVIEW,
    State.OP_REVIEW_REASON,
)
OPERATOR_STATES = frozenset(STAFF_SCREENS)
# Staff commands that need a screen of their own start from here: staff are not borrowers, or
# are at home between loans.
OPERATOR_ENTRY = (State.NEW, State.HOME)

TRANSITIONS += (
    *(Transition(state, State.OP_CONSOLE, "staff command") for state in OPERATOR_ENTRY),
    Transition(State.OP_CONSOLE, State.OP_BROADCAST_TEXT, "/broadcast"),
    Transition(State.OP_BROADCAST_TEXT, State.OP_BROADCAST_PREVIEW, "text"),
    Transition(State.OP_BROADCAST_PREVIEW, State.OP_BROADCAST_TEXT, "edit the text"),
    Transition(State.OP_BROADCAST_PREVIEW, State.OP_CONSOLE, "confirm: queued, or cancel"),
    Transition(State.OP_BROADCAST_TEXT, State.OP_CONSOLE, "/cancel or another command"),
    Transition(State.OP_CONSOLE, State.OP_REVIEW_REASON, "approve, decline or ask for more"),
    Transition(State.OP_REVIEW_REASON, State.OP_CONSOLE, "reason given, or /cancel"),
)
# Staff go back out the way they came in: a staff member who borrows with a borrower's command,
# and anyone whose role was revoked on a staff screen with whatever they send next.
TRANSITIONS += (
    *(
        Transition(state, State.HOME, "/menu, /repay, /loans, /reminders or /start; role revoked")
        for state in STAFF_SCREENS
    ),
    *(Transition(state, State.NEW, "role revoked, no credit line") for state in STAFF_SCREENS),
)

# A complaint can be made from where people wait or decide what to do next, and goes back there.
COMPLAINT_FROM = (State.HOME, State.MANUAL_REVIEW, State.DECLINED)
TRANSITIONS += (
    *(Transition(state, State.COMPLAINT, "/complaint") for state in COMPLAINT_FROM),
    *(Transition(State.COMPLAINT, state, "ticket opened, or /cancel") for state in COMPLAINT_FROM),
)

ALLOWED: frozenset[tuple[State, State]] = frozenset((t.source, t.target) for t in TRANSITIONS)


def previous_in(order: tuple[State, ...], state: State) -> State | None:
    if state not in order:
        return None
    index = order.index(state)
    return order[index - 1] if index > 0 else None


def mermaid() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {State.NEW.value}"]
    seen: set[tuple[State, State]] = set()
    for transition in TRANSITIONS:
        edge = (transition.source, transition.target)
        if edge in seen:
            continue
        seen.add(edge)
        lines.append(
            f"    {transition.source.value} --> {transition.target.value}: {transition.trigger}"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(mermaid(), end="")
