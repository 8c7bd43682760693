"""Review of the answers, the risk decision, and what a declined or queued person sees."""

from __future__ import annotations

from datetime import date, timedelta

import risk
from flows.changes import Audit, RecordDecision
from flows.context import StepContext
from flows.i18n import N_
from flows.masking import mask_id_number, mask_phone
from flows.ports import CreditLine, Identity
from flows.session import UserStatus
from flows.states import ONBOARDING_ORDER, State
from flows.steps.base import Step, choice_rows
from flows.steps.questions import (
    OUTSIDE_REPAYMENTS_KEY,
    QUESTIONS,
    label_of,
    purpose_answer,
)
from flows.validation import age_on
from lending import servicing
from risk.application import (
    Application,
    BankBalance,
    CreditHistory,
    Decision,
    Employment,
    EmploymentLength,
    Housing,
    OtherInstalments,
    Outcome,
    PolicyContext,
    Property,
    Savings,
)


def _application(ctx: StepContext, identity: Identity) -> Application:
    a = ctx.session.answers
    assert identity.birth_date is not None
    purpose, car_is_new = purpose_answer(str(a["purpose"]))
    return Application(
        age=age_on(identity.birth_date, ctx.today),
        monthly_income_fen=int(a["monthly_income_fen"]),
        employment=Employment(a["employment"]),
        employment_length=EmploymentLength(a["employment_length"]),
        bank_balance=BankBalance(a["bank_balance"]),
        credit_history=CreditHistory(a["credit_history"]),
        purpose=purpose,
        savings=Savings(a["savings"]),
        housing=Housing(a["housing"]),
        property=Property(a["property"]),
        other_instalments=OtherInstalments(a["other_instalments"]),
        existing_credits=int(a["existing_credits"]),
        dependents=int(a["dependents"]),
        requested_amount_fen=int(a["requested_amount_fen"]),
        requested_term_months=int(a["requested_term_months"]),
        car_is_new=car_is_new,
        outside_monthly_repayments_fen=int(a[OUTSIDE_REPAYMENTS_KEY]),
    )


async def _policy_context(ctx: StepContext, identity: Identity) -> PolicyContext:
    user_id = ctx.session.user_id
    loans = await ctx.store.loans(user_id) if user_id is not None else []
    inviter = None
    if ctx.session.answers.get("consents", {}).get("invite"):
        inviter = await ctx.store.inviter_standing(
            str(ctx.session.answers.get("invited_by", "")), ctx.today
        )
    return PolicyContext(
        as_of=ctx.today,
        duplicate_identity=bool(identity.id_number)
        and await ctx.store.identity_taken(user_id, identity.id_number or ""),
        duplicate_phone=bool(identity.phone)
        and await ctx.store.phone_taken(user_id, identity.phone or ""),
        has_overdue_loan=servicing.overdue_today(loans, ctx.today),
        account_frozen=ctx.session.status is UserStatus.FROZEN,
        # a month's repayments on our loans: each one's next instalment (an amount due today
        # alone would count nothing for a loan between its due dates)
        existing_monthly_debt_fen=sum(
            due.total_fen for loan in loans if (due := servicing.next_due(loan, ctx.today))
        ),
        inviter=inviter,
    )


_QUESTIONS_BY_STATE = {question.state: question for question in QUESTIONS}


def first_unanswered(answers: dict[str, object]) -> State | None:
    """The first questionnaire state without a usable answer: missing, or an option the
    question no longer offers (an old session's savings band), so it is asked again."""
    for state in ONBOARDING_ORDER:
        if state is State.Q_OUTSIDE_REPAYMENTS:
            if not isinstance(answers.get(OUTSIDE_REPAYMENTS_KEY), int):
                return state
        elif (question := _QUESTIONS_BY_STATE.get(state)) is not None:
            offered = {str(value) for _, value in question.options}
            if str(answers.get(question.key)) not in offered:
                return state
    return None


def _missing(ctx: StepContext, identity: Identity | None) -> State | None:
    """The first onboarding question still unanswered (after /back or an old session)."""
    if identity is None or not identity.name:
        return State.KYC_NAME
    if not identity.id_number or identity.birth_date is None:
        return State.KYC_ID
    if not identity.phone:
        return State.KYC_PHONE
    if "monthly_income_fen" not in ctx.session.answers:
        return State.KYC_INCOME
    return first_unanswered(ctx.session.answers)


class ReviewAnswers(Step):
    state = State.REVIEW_ANSWERS
    where = N_("Review your answers")

    async def prompt(self, ctx: StepContext) -> None:
        identity = await ctx.store.identity(ctx.session.user_id) if ctx.session.user_id else None
        missing = _missing(ctx, identity)
        if missing is not None or identity is None:
            await ctx.go(missing or State.KYC_NAME)
            return
        lines = [
            ctx._("Please check your answers:"),
            ctx._("Name: {name}", name=identity.name),
            ctx._("Resident ID number: {number}", number=mask_id_number(identity.id_number or "")),
            ctx._("Phone: {phone}", phone=mask_phone(identity.phone or "")),
            ctx._(
                "Monthly income: {amount}",
                amount=ctx.t.money(int(ctx.session.answers["monthly_income_fen"])),
            ),
        ]
        for question in QUESTIONS:
            label = label_of(question.key, str(ctx.session.answers[question.key]))
            lines.append(f"{ctx._(question.prompt)} {ctx.t.label(label or '')}")
        lines.append(
            ctx._(
                "Monthly repayments elsewhere: {amount}",
                amount=ctx.t.money(int(ctx.session.answers[OUTSIDE_REPAYMENTS_KEY])),
            )
        )
        lines.append(
            ctx._(
                "If everything is right, submit it for a decision. /back changes the last answer."
            )
        )
        ctx.say(
            "\n".join(lines),
            buttons=choice_rows(ctx, [(N_("Submit"), "submit"), (N_("Start over"), "edit")]),
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice == "edit":
            await ctx.go(State.KYC_NAME)
        elif choice == "submit":
            await decide(ctx)
        else:
            await super().on_button(ctx, choice)


async def decide(ctx: StepContext) -> None:
    assert ctx.session.user_id is not None
    identity = await ctx.store.identity(ctx.session.user_id)
    if identity is None or _missing(ctx, identity) is not None:
        await ctx.reprompt()
        return
    application = _application(ctx, identity)
    decision = risk.assess(application, await _policy_context(ctx, identity))
    ctx.changes.append(_record(application, decision))
    ctx.changes.append(
        Audit("decision", f"{decision.outcome} grade={decision.grade} score={decision.score}")
    )
    ctx.session.answers["decision"] = {
        "outcome": str(decision.outcome),
        "reasons": [reason.message for reason in decision.reasons],
        "retry_on": (ctx.today + timedelta(days=decision.retry_after_days)).isoformat(),
    }
    if decision.outcome is Outcome.REVIEW:
        # What a reviewer's approval opens (issue 11): the offer the scorecard priced.
        ctx.session.answers["decision"]["offer"] = {
            "limit_fen": decision.limit_fen,
            "daily_rate": str(decision.daily_rate),
            "apr": str(decision.apr),
            "grade": decision.grade,
            "valid_until": decision.valid_until.isoformat() if decision.valid_until else None,
        }
    if decision.outcome is Outcome.APPROVED:
        ctx.pending_line = CreditLine(
            decision.limit_fen,
            decision.daily_rate,
            decision.apr,
            decision.grade,
            decision.valid_until,
        )
        ctx.say(
            ctx._(
                "Approved! Your credit line is {limit}, grade {grade}.\nDaily rate {daily} · APR {apr} (annual rate of a 12-month loan in equal instalments)\nThis offer is valid until {until}. Nothing is borrowed until you choose to.",
                limit=ctx.t.money(decision.limit_fen),
                grade=decision.grade,
                daily=ctx.t.daily_rate(decision.daily_rate),
                apr=ctx.t.percent(decision.apr),
                until=ctx.t.date(decision.valid_until) if decision.valid_until else "-",
            )
        )
        await ctx.go(State.HOME)
    elif decision.outcome is Outcome.REVIEW:
        await ctx.go(State.MANUAL_REVIEW)
    else:
        await ctx.go(State.DECLINED)


def _record(application: Application, decision: Decision) -> RecordDecision:
    inputs = {name: getattr(application, name) for name in application.__dataclass_fields__}
    return RecordDecision(
        inputs={k: str(v) for k, v in inputs.items()},
        inputs_hash=decision.inputs_hash,
        scorecard_version=decision.scorecard_version,
        outcome=str(decision.outcome),
        score=decision.score,
        grade=decision.grade,
        reasons=tuple(reason.code for reason in decision.reasons),
        limit_fen=decision.limit_fen if decision.outcome is Outcome.APPROVED else 0,
        daily_rate=decision.daily_rate,
        apr=decision.apr,
        valid_until=decision.valid_until,
    )


class Declined(Step):
    state = State.DECLINED
    where = N_("Application declined")

    async def prompt(self, ctx: StepContext) -> None:
        decided = ctx.session.answers.get("decision", {})
        reasons = "\n".join(f"• {ctx._(message)}" for message in decided.get("reasons", []))
        retry_on = decided.get("retry_on")
        when = ctx.t.date(date.fromisoformat(retry_on)) if retry_on else ctx.t.date(ctx.today)
        ctx.say(
            ctx._(
                "We are sorry: we cannot offer you a credit line now.\nThe main reasons:\n{reasons}\n\nYou may apply again from {date}. This decision was made automatically; you have the right to ask a person to review it.",
                reasons=reasons or "•",
                date=when,
            ),
            buttons=choice_rows(ctx, [(N_("Ask for a human review"), "human")]),
            remove_keyboard=False,
        )

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        if choice == "human":
            ctx.changes.append(Audit("human_review_requested", "declined application"))
            await ctx.go(State.MANUAL_REVIEW)
        else:
            await super().on_button(ctx, choice)

    async def on_text(self, ctx: StepContext, text: str) -> None:
        """/start or any message after the retry date opens a new application."""
        retry_on = ctx.session.answers.get("decision", {}).get("retry_on")
        if retry_on and ctx.today >= date.fromisoformat(retry_on):
            ctx.session.answers.pop("decision", None)
            await ctx.go(State.KYC_NAME)
        else:
            await self.prompt(ctx)


class ManualReview(Step):
    state = State.MANUAL_REVIEW
    where = N_("Waiting for manual review")

    async def prompt(self, ctx: StepContext) -> None:
        ctx.say(
            ctx._(
                "Your application is with our review team. A person will decide within 1 to 3 working days, and we will message you here. You don't need to do anything now."
            )
        )

    async def on_text(self, ctx: StepContext, text: str) -> None:
        await self.prompt(ctx)

    async def on_button(self, ctx: StepContext, choice: str) -> None:
        await self.prompt(ctx)
