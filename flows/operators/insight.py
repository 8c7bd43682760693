"""/stats (the funnel and the portfolio) and /user (one account, masked)."""

from __future__ import annotations

import unicodedata
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.context import StepContext
from flows.i18n import N_
from flows.language import LANGUAGE_NAMES
from flows.masking import mask_id_number, mask_phone
from flows.operators.access import Staff, audit
from flows.operators.targets import resolve
from flows.states import State
from flows.step_table import STEPS
from flows.steps.privacy import SHORT_NAMES
from lending import servicing

FUNNEL_ROWS = (
    ("invited", N_("Invited")),
    ("started", N_("Started")),
    ("consented", N_("Consented")),
    ("kyc_done", N_("KYC done")),
    ("approved", N_("Approved")),
    ("declined", N_("Declined")),
    ("first_drawdown", N_("First drawdown")),
)
# Days-past-due buckets as lending.delinquency names them, with the label a reader sees.
BUCKETS = (
    ("current", N_("current")),
    ("1-30", "1-30"),
    ("31-60", "31-60"),
    ("61-90", "61-90"),
    ("90+", "90+"),
)

# What /user shows for the codes the database keeps; a code not listed here is shown as is.
ACCOUNT_STATUSES = {
    "prospect": N_("not admitted yet"),
    "active": N_("active"),
    "frozen": N_("frozen"),
}
OUTCOMES = {
    "approved": N_("approved"),
    "declined": N_("declined"),
    "review": N_("manual review"),
}
LOAN_STATUSES = {
    "approved": N_("not disbursed yet"),
    "active": N_("being repaid"),
    "closed": N_("repaid in full"),
    "written_off": N_("written off"),
}


def _label(ctx: StepContext, labels: dict[str, str], code: str) -> str:
    return ctx._(labels[code]) if code in labels else code


def _where(ctx: StepContext, state: str) -> str:
    """The conversation's place as the borrower's own /where names it."""
    return ctx._(STEPS[State(state)].where) if state in State._value2member_map_ else state


def display_width(text: str) -> int:
    """Columns `text` takes in a fixed-width font: a wide or full-width character (Chinese)
    takes two, where len() and str.ljust count one."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded with spaces to `width` display columns, on the left if `right`."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


async def show_stats(ctx: StepContext, arg: str, staff: Staff) -> None:
    audit(ctx, staff, "stats")
    t = ctx.t
    # Today begins at midnight where the operator is; the longer periods are rolling.
    midnight = datetime.combine(ctx.today, time(0), tzinfo=ZoneInfo(ctx.session.timezone))
    since = (midnight, ctx.now - timedelta(days=7), ctx.now - timedelta(days=30))
    periods = [await ctx.store.funnel(start) for start in since]
    width = max(display_width(ctx._(label)) for _, label in FUNNEL_ROWS) + 2
    head = pad(ctx._("Funnel"), width) + "".join(
        pad(ctx._(p), 8, right=True) for p in (N_("Today"), N_("7 days"), N_("30 days"))
    )
    lines = [head]
    for key, label in FUNNEL_ROWS:
        lines.append(
            pad(ctx._(label), width)
            + "".join(pad(t.number(getattr(p, key)), 8, right=True) for p in periods)
        )
    book = await ctx.store.portfolio(ctx.today)
    rate = Decimal(book.approved) / Decimal(book.decided) if book.decided else Decimal(0)
    lines += [
        "",
        ctx._("Active loans: {n}", n=t.number(book.active_loans)),
        ctx._("Outstanding principal: {amount}", amount=t.money(book.outstanding_principal_fen)),
        ctx._("Approval rate: {rate}", rate=t.percent(rate, 1)),
        ctx._("Days past due   loans   principal"),
    ]
    for name, label in BUCKETS:
        count, amount = book.buckets.get(name, (0, 0))
        lines.append(
            f"{pad(ctx._(label), 14)}{pad(t.number(count), 7, right=True)}   {t.money(amount)}"
        )
    # Columns are padded for a fixed-width font; Reply has no monospace flag yet, so a client
    # with a proportional font shows them less tidy.
    ctx.say("\n".join(lines))


async def show_user(ctx: StepContext, arg: str, staff: Staff) -> None:
    account = await resolve(ctx, arg) if arg.strip() else None
    if account is None:
        if not arg.strip():
            ctx.say(ctx._("Usage: /user <user>"))
        audit(ctx, staff, "user", typed=arg, result="invalid")
        return
    audit(ctx, staff, "user", target=account.user_id)
    t, zone = ctx.t, ZoneInfo(ctx.session.timezone)

    def when(at: datetime) -> str:
        return format_datetime(at, "short", tzinfo=zone, locale=ctx.session.locale)

    who = await ctx.store.identity(account.user_id)
    record = await ctx.store.user_record(account.user_id)
    line = await ctx.store.credit_line(account.user_id)
    loans = await ctx.store.loans(account.user_id)
    lines = [
        ctx._(
            "Account id:{user} · tg:{tg} · {state} · {status} · {locale}",
            user=account.user_id,
            tg=account.platform_user_id,
            state=_where(ctx, account.state),
            status=_label(ctx, ACCOUNT_STATUSES, account.status),
            locale=LANGUAGE_NAMES.get(account.locale, account.locale),
        )
    ]
    if who is not None:
        name = (who.name or "")[:1] + "*" * max(0, len(who.name or "") - 1)
        lines.append(
            f"{name} · {mask_id_number(who.id_number or '')} · {mask_phone(who.phone or '')}"
        )
    for purpose, granted, at in record.consents:
        lines.append(
            ctx._(
                "Consent {purpose}: {answer} ({when})",
                purpose=_label(ctx, SHORT_NAMES, purpose),
                answer=ctx._("yes") if granted else ctx._("no"),
                when=when(at),
            )
        )
    for outcome, grade, score, at in record.decisions:
        lines.append(
            ctx._(
                "Decision: {outcome}, grade {grade}, score {score} ({when})",
                outcome=_label(ctx, OUTCOMES, outcome),
                grade=grade or "-",
                score=score,
                when=when(at),
            )
        )
    if line is not None:
        lines.append(
            ctx._(
                "Credit line {limit} · APR {apr}",
                limit=t.money(line.limit_fen),
                apr=t.percent(line.apr),
            )
        )
    for loan in loans:
        lines.append(
            ctx._(
                "Loan {id}: {status}, principal left {left}, {dpd} days past due",
                id=loan.loan_id,
                status=_label(ctx, LOAN_STATUSES, loan.status),
                left=t.money(servicing.outstanding_principal(loan)),
                dpd=t.number(servicing.days_past_due_today(loan, ctx.today)),
            )
        )
    reason = await ctx.store.freeze_reason(account.user_id)
    if reason:
        lines.append(ctx._("Frozen: {reason}", reason=reason))
    for entry in await ctx.store.audit_entries(account.user_id, None, 5):
        lines.append(
            f"{when(entry.at)} · {entry.role} tg:{entry.actor} · {entry.action} · {entry.result}"
        )
    ctx.say("\n".join(lines))
