"""Every state's step, by state: the table the engine, the router and the commands look steps up
in. Apart from the steps' package (flows/steps/), whose modules it imports, so that importing one
step does not import them all, operator screens included."""

from __future__ import annotations

from flows.complaints import Complaint
from flows.operators.review import ReviewReason
from flows.operators.screens import BroadcastPreview, BroadcastText, Console
from flows.states import State
from flows.steps.base import Step
from flows.steps.borrow import Amount, Disclosure, Term
from flows.steps.decision import Declined, ManualReview, ReviewAnswers
from flows.steps.home import Home
from flows.steps.kyc import Income, Name, Phone, ResidentIdNumber
from flows.steps.onboarding import ConsentDeclined, ConsentStep, Intro, NotAdmitted
from flows.steps.questions import QUESTIONS, ChoiceQuestion, OutsideRepayments
from flows.steps.reminders import ReminderSettings
from flows.steps.repay import RepayAmount, RepayConfirm, RepayPrepayChoice

_ALL: list[Step] = [
    NotAdmitted(),
    Intro(),
    *(
        ConsentStep(state)
        for state in (
            State.CONSENT_ASSESSMENT,
            State.CONSENT_SENSITIVE,
            State.CONSENT_INVITE,
            State.CONSENT_MARKETING,
        )
    ),
    ConsentDeclined(),
    Name(),
    ResidentIdNumber(),
    Phone(),
    Income(),
    *(ChoiceQuestion(question) for question in QUESTIONS),
    OutsideRepayments(),
    ReviewAnswers(),
    Declined(),
    ManualReview(),
    Home(),
    Amount(),
    Term(),
    Disclosure(),
    RepayAmount(),
    RepayConfirm(),
    RepayPrepayChoice(),
    ReminderSettings(),
    Console(),
    BroadcastText(),
    BroadcastPreview(),
    ReviewReason(),
    Complaint(),
]

STEPS: dict[State, Step] = {step.state: step for step in _ALL}
assert set(STEPS) == set(State), f"states without a step: {set(State) - set(STEPS)}"
