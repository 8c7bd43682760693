"""/privacy: the borrower's rights over their data, from the chat (PIPL arts. 15, 16, 44-47).

Shown over whatever step the person is at (like /language), so it can be used at any moment:
each consent as it stands, with one tap (and a confirmation) to withdraw or give it again;
"Download my data"; "Delete my account". "Done" returns to where they were.

Withdrawing an optional consent changes nothing else (art. 16). Withdrawing a required one
stops new applications and drawdowns; loans already taken are still serviced.
"""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from flows.changes import EraseAccount, RecordConsent
from flows.consent import CONSENT_TEXT_VERSION, PURPOSES, Purpose, consent_text, text_hash
from flows.context import StepContext
from flows.events import Button, Document
from flows.i18n import N_
from flows.ports import ConsentRecord
from flows.states import BORROW_ORDER, ONBOARDING_ORDER, State

PRIVACY_CHOICE = "privacy."
BY_CODE = {purpose.code: purpose for purpose in PURPOSES}
SHORT_NAMES = {
    "assessment": N_("Identity and credit assessment"),
    "sensitive": N_("Sensitive personal information"),
    "invite": N_("Use of your invitation"),
    "marketing": N_("Marketing messages"),
}
# Where withdrawing a required consent ends an application in progress.
APPLYING_STATES = frozenset({*ONBOARDING_ORDER, State.DECLINED, State.MANUAL_REVIEW})


def consent_given(answers: dict[str, object], code: str) -> bool:
    consents = answers.get("consents")
    return isinstance(consents, dict) and bool(consents.get(code))


def required_consent_withdrawn(answers: dict[str, object]) -> bool:
    """A required consent was given and later withdrawn: no new drawdown or application."""
    consents = answers.get("consents")
    if not isinstance(consents, dict):
        return False
    return any(p.required and consents.get(p.code) is False for p in PURPOSES)


def required_consent_withdrawn_in(records: list[ConsentRecord]) -> bool:
    """The same rule read from the stored records (each the purpose's latest), for a person
    whose session is not at hand (an operator acting on them)."""
    return required_consent_withdrawn({"consents": {r.purpose: r.granted for r in records}})


def _button(ctx: StepContext, label: str, action: str) -> tuple[Button, ...]:
    return (ctx.button(label, PRIVACY_CHOICE + action),)


def _purpose_name(ctx: StepContext, purpose: Purpose) -> str:
    return ctx._(SHORT_NAMES[purpose.code])


def _status_line(ctx: StepContext, purpose: Purpose, record: ConsentRecord | None) -> str:
    kind = ctx._("required") if purpose.required else ctx._("optional")
    if record is None:
        return ctx._(
            "• {purpose} ({kind}): not asked yet", purpose=_purpose_name(ctx, purpose), kind=kind
        )
    when = ctx.t.date(record.at.astimezone(ZoneInfo(ctx.session.timezone)).date())
    message = (
        N_("• {purpose} ({kind}): given on {date}, text version {version}")
        if record.granted
        else N_("• {purpose} ({kind}): withdrawn or declined on {date}, text version {version}")
    )
    return ctx._(
        message,
        purpose=_purpose_name(ctx, purpose),
        kind=kind,
        date=when,
        version=record.text_version,
    )


async def show_privacy(ctx: StepContext) -> None:
    if ctx.session.user_id is None or ctx.session.state is State.NEW:
        ctx.say(ctx._("Privacy settings become available once you have joined with an invite."))
        return
    records = {r.purpose: r for r in await ctx.store.consents(ctx.session.user_id)}
    for change in ctx.changes:  # recorded in this step, committed with it
        if isinstance(change, RecordConsent):
            records[change.purpose] = ConsentRecord(
                change.purpose, change.granted, change.text_version, ctx.now
            )
    ctx.session.screen += 1  # the step's own buttons are stale while this screen is up
    rows: list[tuple[Button, ...]] = []
    for purpose in PURPOSES:
        record = records.get(purpose.code)
        if record is None:
            continue  # asked in its turn during onboarding
        if record.granted:
            label = ctx._("Withdraw: {purpose}", purpose=_purpose_name(ctx, purpose))
            rows.append(_button(ctx, label, f"withdraw.{purpose.code}"))
        else:
            label = ctx._("Give: {purpose}", purpose=_purpose_name(ctx, purpose))
            rows.append(_button(ctx, label, f"give.{purpose.code}"))
    rows.append(_button(ctx, ctx._("Download my data"), "export"))
    rows.append(_button(ctx, ctx._("Delete my account"), "delete"))
    rows.append(_button(ctx, ctx._("Done"), "done"))
    lines = [ctx._("Your consents:")]
    lines += [_status_line(ctx, p, records.get(p.code)) for p in PURPOSES]
    ctx.say("\n".join(lines), buttons=tuple(rows))


async def on_privacy_button(ctx: StepContext, choice: str) -> None:
    """`choice` is the button's action after PRIVACY_CHOICE."""
    action, _, code = choice.partition(".")
    purpose = BY_CODE.get(code)
    if ctx.session.user_id is None or ctx.session.state is State.NEW or action == "show":
        await show_privacy(ctx)
    elif action == "done":
        await ctx.reprompt()
    elif action == "withdraw" and purpose is not None:
        _confirm_withdrawal(ctx, purpose)
    elif action == "withdraw!" and purpose is not None:
        await _record(ctx, purpose, granted=False)
    elif action == "give" and purpose is not None:
        ctx.session.screen += 1
        ctx.say(
            consent_text(ctx.t, purpose),
            buttons=(
                _button(ctx, ctx._("Agree"), f"give!.{code}")
                + _button(ctx, ctx._("Cancel"), "show"),
            ),
        )
    elif action == "give!" and purpose is not None:
        await _record(ctx, purpose, granted=True)
    elif action == "export":
        await _export(ctx)
    elif action == "delete":
        await _confirm_deletion(ctx)
    elif action == "delete!":
        await _delete(ctx)
    else:
        from flows.steps.base import expired

        await expired(ctx)


def _confirm_withdrawal(ctx: StepContext, purpose: Purpose) -> None:
    name = _purpose_name(ctx, purpose)
    if purpose.required:
        text = ctx._(
            "Withdraw your consent to: {purpose}?\n\n"
            "This consent is required for lending. If you withdraw it:\n"
            "• we accept no new applications or drawdowns;\n"
            "• loans you already have are still serviced and reminded under your contract;\n"
            "• the data they need is kept only as long as the law requires (up to {years} years after your last repayment), and used for nothing else.\n"
            "You can give the consent again at any time.",
            purpose=name,
            years=ctx.t.number(ctx.config.aml_retention_years),
        )
    else:
        text = ctx._(
            "Withdraw your consent to: {purpose}?\n\n"
            "It takes effect at once and changes nothing else: every service stays available to you.",
            purpose=name,
        )
    ctx.session.screen += 1
    ctx.say(
        text,
        buttons=(
            _button(ctx, ctx._("Yes, withdraw"), f"withdraw!.{purpose.code}")
            + _button(ctx, ctx._("Keep it"), "show"),
        ),
    )


async def _record(ctx: StepContext, purpose: Purpose, granted: bool) -> None:
    ctx.changes.append(
        RecordConsent(
            purpose.code,
            granted,
            CONSENT_TEXT_VERSION,
            text_hash(consent_text(ctx.t, purpose)),
            ctx.session.locale,
        )
    )
    # The session's copy is what every later decision reads: it changes in the same commit.
    ctx.session.answers.setdefault("consents", {})[purpose.code] = granted
    name = _purpose_name(ctx, purpose)
    if granted:
        ctx.say(ctx._("Recorded: you gave your consent to: {purpose}.", purpose=name))
    else:
        ctx.say(ctx._("Recorded: you withdrew your consent to: {purpose}.", purpose=name))
    if not granted and purpose.required:
        state = ctx.session.state
        if state in APPLYING_STATES:
            await ctx.go(State.CONSENT_DECLINED)
            return
        if state in BORROW_ORDER:
            ctx.session.answers.pop("draft", None)
            ctx.move(State.HOME)
    await show_privacy(ctx)


def _export_summary(ctx: StepContext, data: dict[str, list[dict[str, object]]]) -> list[str]:
    def count(table: str) -> str:
        return ctx.t.number(len(data.get(table, [])))

    return [
        ctx._(
            "Your data held by {lender}, as of {date}.",
            lender=ctx._(ctx.config.lender_name),
            date=ctx.t.date(ctx.today),
        ),
        ctx._(
            "Consent records: {consents} · applications: {applications} · loans: {loans} · ledger entries: {entries} · messages sent: {messages}",
            consents=count("consents"),
            applications=count("applications"),
            loans=count("loans"),
            entries=count("ledger_entries"),
            messages=count("outbox"),
        ),
        ctx._(
            "The attached file (JSON) holds every record we keep about you, with your full ID number and phone. Keep it safe."
        ),
    ]


async def _export(ctx: StepContext) -> None:
    assert ctx.session.user_id is not None
    today = ctx.today.isoformat()
    if ctx.session.answers.get("exported_on") == today:
        ctx.say(ctx._("You can download your data once a day. Please try again tomorrow."))
        return
    data = await ctx.store.export_data(ctx.session.user_id, ctx.session.chat_id)
    summary = _export_summary(ctx, data)
    document = {"summary": summary, "generated_at": ctx.now.isoformat(), "data": data}
    content = json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()
    ctx.session.answers["exported_on"] = today
    ctx.say(
        "\n".join(summary),
        document=Document(f"chatlend-my-data-{today}.json", content),
    )


async def _settled(ctx: StepContext) -> bool:
    """Nothing is owed: every loan is closed."""
    assert ctx.session.user_id is not None
    return all(loan.status == "closed" for loan in await ctx.store.loans(ctx.session.user_id))


async def _keep_until(ctx: StepContext) -> date:
    assert ctx.session.user_id is not None
    start = await ctx.store.last_money_day(ctx.session.user_id) or ctx.today
    years = start.year + ctx.config.aml_retention_years
    try:
        return start.replace(year=years)
    except ValueError:  # 29 February
        return start.replace(year=years, day=28)


async def _confirm_deletion(ctx: StepContext) -> None:
    if not await _settled(ctx):
        ctx.say(
            ctx._(
                "Your account cannot be deleted while a loan is not fully repaid. Once everything is repaid, you can delete it here."
            )
        )
        return
    ctx.session.screen += 1
    ctx.say(
        ctx._(
            "Delete your account? This cannot be undone.\n\n"
            "Erased now: your name, resident ID number, birth date, phone number, your answers, your credit line and our conversation.\n"
            "Kept until {date}: your loan, repayment and consent records, because anti-money-laundering law requires us to keep them for {years} years after your last repayment. They are kept without your name, ID number or phone, and deleted after that date.",
            date=ctx.t.date(await _keep_until(ctx)),
            years=ctx.t.number(ctx.config.aml_retention_years),
        ),
        buttons=(
            _button(ctx, ctx._("Delete my account"), "delete!")
            + _button(ctx, ctx._("Keep my account"), "show"),
        ),
    )


async def _delete(ctx: StepContext) -> None:
    if not await _settled(ctx):
        await _confirm_deletion(ctx)  # says why not
        return
    keep_until = await _keep_until(ctx)
    ctx.changes.append(EraseAccount(keep_until))
    ctx.move(State.NEW)
    ctx.say(
        ctx._(
            "Your account is deleted. Your name, ID number, birth date, phone number and answers are erased. Your loan, repayment and consent records are kept without them until {date}, as the law requires, and then deleted. If you come back with a new invite, you start afresh.",
            date=ctx.t.date(keep_until),
        ),
        remove_keyboard=True,
    )
