"""The short questionnaire the risk module needs: one tap per question.

Each question is data: the state, the answer key, the prompt and the options; one class asks
them all. Options' values are the risk module's own enum values, so nothing is translated twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.context import StepContext
from flows.i18n import N_
from flows.states import ONBOARDING_ORDER, State
from flows.steps.base import Step, choice_rows
from flows.validation import Invalid, Parsed, Result, normalise_text, parse_yuan
from risk.application import (
    BankBalance,
    CreditHistory,
    Employment,
    EmploymentLength,
    Housing,
    OtherInstalments,
    Property,
    Purpose,
    Savings,
)

# Car loans for new and used cars were repaid differently, so the answer keeps them apart.
NEW_CAR = "car_new"
USED_CAR = "car_used"


def purpose_answer(value: str) -> tuple[Purpose, bool | None]:
    """The stored purpose answer -> the risk module's purpose and whether the car is new."""
    if value in (NEW_CAR, USED_CAR):
        return Purpose.CAR, value == NEW_CAR
    return Purpose(value), None


@dataclass(frozen=True, slots=True)
class Question:
    state: State
    key: str
    prompt: str
    options: tuple[tuple[str, str], ...]  # (label msgid, stored value)
    where: str


QUESTIONS: tuple[Question, ...] = (
    Question(
        State.KYC_EMPLOYMENT,
        "employment",
        N_("What is your employment situation?"),
        (
            (N_("Employed"), Employment.EMPLOYED),
            (N_("Self-employed / business owner"), Employment.SELF_EMPLOYED),
            (N_("Student"), Employment.STUDENT),
            (N_("Not working"), Employment.UNEMPLOYED),
            (N_("Retired"), Employment.RETIRED),
        ),
        N_("Your employment"),
    ),
    Question(
        State.KYC_EMPLOYMENT_LENGTH,
        "employment_length",
        N_("How long have you been in your current job or business?"),
        (
            (N_("Not working now"), EmploymentLength.NONE),
            (N_("Less than 1 year"), EmploymentLength.UNDER_1Y),
            (N_("1 to 4 years"), EmploymentLength.FROM_1_TO_4Y),
            (N_("4 to 7 years"), EmploymentLength.FROM_4_TO_7Y),
            (N_("More than 7 years"), EmploymentLength.OVER_7Y),
        ),
        N_("Your employment"),
    ),
    Question(
        State.Q_BALANCE,
        "bank_balance",
        N_("What is the usual balance of your main bank account?"),
        (
            (N_("I have no bank account"), BankBalance.NO_ACCOUNT),
            (N_("Often overdrawn"), BankBalance.OVERDRAWN),
            (N_("Under {yuan_2000}"), BankBalance.LOW),
            (N_("{yuan_2000} or more"), BankBalance.HIGH),
        ),
        N_("Questionnaire: bank account"),
    ),
    Question(
        State.Q_SAVINGS,
        "savings",
        N_("How much do you have in savings?"),
        (
            (N_("No savings"), Savings.NONE),
            (N_("Under {yuan_5000}"), Savings.UNDER_5K),
            (N_("{yuan_5000} to {yuan_10000}"), Savings.FROM_5K_TO_10K),
            (N_("{yuan_10000} or more"), Savings.OVER_10K),
        ),
        N_("Questionnaire: savings"),
    ),
    Question(
        State.Q_HISTORY,
        "credit_history",
        N_("How have your past loans gone?"),
        (
            (N_("Never borrowed"), CreditHistory.NEVER_BORROWED),
            (N_("All repaid on time"), CreditHistory.ALL_REPAID),
            (N_("Repaying on time now"), CreditHistory.REPAYING_ON_TIME),
            (N_("Some late payments"), CreditHistory.PAST_DELAYS),
            # a policy decline (risk.rules.overdue_elsewhere), like an overdue loan with us
            (N_("A loan elsewhere is overdue now"), CreditHistory.CRITICAL),
        ),
        N_("Questionnaire: credit history"),
    ),
    Question(
        State.Q_EXISTING_CREDITS,
        "existing_credits",
        N_("How many loans are you repaying now, anywhere?"),
        (
            (N_("No loans"), "0"),
            (N_("One loan"), "1"),
            (N_("2 or 3 loans"), "2"),
            (N_("4 or more loans"), "4"),
        ),
        N_("Questionnaire: current loans"),
    ),
    Question(
        State.Q_OTHER_INSTALMENTS,
        "other_instalments",
        N_("Are you paying any instalment plans?"),
        (
            (N_("No"), OtherInstalments.NONE),
            (N_("Yes, with a bank"), OtherInstalments.BANK),
            (N_("Yes, shopping instalments"), OtherInstalments.STORES),
        ),
        N_("Questionnaire: instalment plans"),
    ),
    Question(
        State.Q_HOUSING,
        "housing",
        N_("Where do you live?"),
        (
            (N_("In my own home"), Housing.OWN),
            (N_("Rented"), Housing.RENT),
            (N_("With family, rent-free"), Housing.FAMILY),
        ),
        N_("Questionnaire: housing"),
    ),
    Question(
        State.Q_PROPERTY,
        "property",
        N_("What is your most valuable property?"),
        (
            (N_("Real estate"), Property.REAL_ESTATE),
            (N_("Life insurance or investment funds"), Property.INSURANCE_OR_FUND),
            (N_("A car"), Property.CAR),
            (N_("None of these"), Property.NONE),
        ),
        N_("Questionnaire: property"),
    ),
    Question(
        State.Q_DEPENDENTS,
        "dependents",
        N_("How many people depend on you financially?"),
        (
            (N_("Nobody"), "0"),
            (N_("One person"), "1"),
            (N_("2 or more people"), "2"),
        ),
        N_("Questionnaire: dependents"),
    ),
    Question(
        State.Q_PURPOSE,
        "purpose",
        N_("What will you mostly use the credit for?"),
        (
            (N_("Everyday spending"), Purpose.EVERYDAY),
            (N_("Furniture or appliances"), Purpose.FURNITURE),
            (N_("Electronics"), Purpose.ELECTRONICS),
            (N_("Home repairs"), Purpose.REPAIRS),
            (N_("A new car"), NEW_CAR),
            (N_("A used car"), USED_CAR),
            (N_("Education"), Purpose.EDUCATION),
            (N_("My business"), Purpose.BUSINESS),
        ),
        N_("Questionnaire: purpose"),
    ),
    # The scorecard weighs the size and length of the first loan the person has in mind; asking
    # keeps those factors (and any reason they give) about what the person actually said.
    Question(
        State.Q_AMOUNT,
        "requested_amount_fen",
        N_("How much do you expect to borrow at first?"),
        (
            (N_("Up to {yuan_5000}"), "500000"),
            (N_("{yuan_5000} to {yuan_20000}"), "2000000"),
            (N_("{yuan_20000} to {yuan_40000}"), "4000000"),
            (N_("More than {yuan_40000}"), "8000000"),
        ),
        N_("Questionnaire: amount"),
    ),
    Question(
        State.Q_TERM,
        "requested_term_months",
        N_("Over how long would you like to repay it?"),
        ((N_("3 months"), "3"), (N_("6 months"), "6"), (N_("12 months"), "12")),
        N_("Questionnaire: term"),
    ),
)


class ChoiceQuestion(Step):
    def __init__(self, question: Question) -> None:
        self.question = question
        self.state = question.state
        self.where = question.where

    async def prompt(self, ctx: StepContext) -> None:
        options = [(label, str(value)) for label, value in self.question.options]
        ctx.say(ctx._(self.question.prompt), buttons=choice_rows(ctx, options))

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        allowed = {str(value) for _, value in self.question.options}
        if choice not in allowed:
            await super().on_button(ctx, choice)
            return
        ctx.session.answers[self.question.key] = choice
        await ctx.go(ONBOARDING_ORDER[ONBOARDING_ORDER.index(self.state) + 1])


OUTSIDE_REPAYMENTS_KEY = "outside_monthly_repayments_fen"
NOTHING_ELSEWHERE = "none"
# A month's repayments above this are likelier a typo (the income step's own ceiling).
MAX_OUTSIDE_REPAYMENTS_FEN = 100_000_000


_WORDS_FOR_NONE = frozenset({"none", "无", "没有", "没"})


def parse_outside_repayments(text: str) -> Result[int]:
    """A month's repayments elsewhere in fen: nothing is a right answer here, typed as a word
    or as zero in any way an amount can be written ("0 元", "0.00", "¥ 0")."""
    if normalise_text(text).lower() in _WORDS_FOR_NONE:
        return Parsed(0)
    return parse_yuan(text, allow_zero=True)


class OutsideRepayments(Step):
    """What the person repays each month elsewhere: affordability counts every repayment."""

    state = State.Q_OUTSIDE_REPAYMENTS
    where = N_("Questionnaire: repayments elsewhere")
    expects_buttons = False

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._(
                "How much do you repay in total each month on debts elsewhere: mortgage, car loan, credit cards, other lending apps? Type the amount in yuan, for example 4500 or 4.5k, or tap the button if you repay nothing."
            ),
            buttons=choice_rows(ctx, [(N_("Nothing elsewhere"), NOTHING_ELSEWHERE)]),
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice != NOTHING_ELSEWHERE:
            await super().on_button(ctx, choice)
            return
        await self._take(ctx, 0)

    async def on_text(self, ctx: StepContext, text: str) -> None:
        parsed = parse_outside_repayments(text)
        if isinstance(parsed, Invalid):
            ctx.say(ctx._(parsed.reason))
            return
        if parsed.value > MAX_OUTSIDE_REPAYMENTS_FEN:
            ctx.say(
                ctx._(
                    "That is more than {limit} a month. Please check the amount.",
                    limit=ctx.t.money(MAX_OUTSIDE_REPAYMENTS_FEN),
                )
            )
            return
        await self._take(ctx, parsed.value)

    async def _take(self, ctx: StepContext, fen: int) -> None:
        ctx.session.answers[OUTSIDE_REPAYMENTS_KEY] = fen
        await ctx.go(ONBOARDING_ORDER[ONBOARDING_ORDER.index(self.state) + 1])


def label_of(question_key: str, value: str) -> str | None:
    """The msgid of the option stored as `value`, for the review screen."""
    for question in QUESTIONS:
        if question.key == question_key:
            for label, option in question.options:
                if str(option) == value:
                    return label
    return None
