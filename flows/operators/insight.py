"""/stats (the funnel and the portfolio) and /user (one account, masked)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows.context import StepContext
from flows.i18n import N_
from flows.masking import mask_id_number, mask_phone
from flows.operators.access import Staff, audit
from flows.operators.targets import resolve
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
BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


async def show_stats(ctx: StepContext, arg: str, staff: Staff) -> None:
    audit(ctx, staff, "stats")
    t = ctx.t
    # Today begins at midnight where the operator is; the longer periods are rolling.
    midnight = datetime.combine(ctx.today, time(0), tzinfo=ZoneInfo(ctx.session.timezone))
    since = (midnight, ctx.now - timedelta(days=7), ctx.now - timedelta(days=30))
    periods = [await ctx.store.funnel(start) for start in since]
    width = max(len(ctx._(label)) for _, label in FUNNEL_ROWS) + 2
    head = ctx._("Funnel").ljust(width) + "".join(
        ctx._(p).rjust(8) for p in (N_("Today"), N_("7 days"), N_("30 days"))
    )
    lines = [head]
    for key, label in FUNNEL_ROWS:
        lines.append(
            ctx._(label).ljust(width) + "".join(t.number(getattr(p, key)).rjust(8) for p in periods)
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
    for name in BUCKETS:
        count, amount = book.buckets.get(name, (0, 0))
        lines.append(f"{name:<14}{t.number(count):>7}   {t.money(amount)}")
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
            state=account.state,
            status=account.status,
            locale=account.locale,
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
                purpose=purpose,
                answer=ctx._("yes") if granted else ctx._("no"),
                when=when(at),
            )
        )
    for outcome, grade, score, at in record.decisions:
        lines.append(
            ctx._(
                "Decision: {outcome}, grade {grade}, score {score} ({when})",
                outcome=outcome,
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
                status=loan.status,
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
