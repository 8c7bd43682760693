"""Acting on one account: /freeze, /unfreeze, and the operator role (/operator add|remove)."""

from __future__ import annotations

from flows.changes import GrantOperator, Notice, RevokeOperator, SetFrozen
from flows.context import StepContext
from flows.i18n import N_, texts
from flows.operators.access import Staff, audit, masked
from flows.operators.targets import parse_user_ref, resolve, user_and_rest
from flows.ports import Account
from flows.session import UserStatus
from flows.steps.privacy import required_consent_withdrawn_in
from flows.validation import normalise_text

HOW_TO_APPEAL = N_("If you think this is a mistake, send /complaint and a person will look at it.")
# What the person is told, and the operator reads, on /unfreeze: by what still stops drawdowns.
UNFROZEN = (
    N_("Your credit line is open again: you can borrow as before."),
    N_("{user} is unfrozen and was told."),
)
UNFROZEN_STILL_IN_ARREARS = (
    N_(
        "The lender lifted its freeze on your credit line, but the line stays frozen until you repay what is overdue (/repay)."
    ),
    N_(
        "{user}: the operator's freeze is lifted and they were told, but the line stays frozen until the overdue amount is repaid."
    ),
)
UNFROZEN_CONSENT_WITHDRAWN = (
    N_(
        "The lender lifted the freeze on your credit line. You withdrew a required consent, so there are still no new drawdowns: /privacy to give it again."
    ),
    N_("{user} is unfrozen and was told, but cannot borrow: they withdrew a required consent."),
)


def unfreeze_wording(arrears_frozen: bool, consent_withdrawn: bool) -> tuple[str, str]:
    """Only a person who can in fact borrow afterwards hears that their line is open again."""
    if arrears_frozen:
        return UNFROZEN_STILL_IN_ARREARS
    if consent_withdrawn:
        return UNFROZEN_CONSENT_WITHDRAWN
    return UNFROZEN


def account_label(account: Account) -> str:
    return f"id:{account.user_id}"


def _notice(ctx: StepContext, account: Account, action: str, text: str) -> Notice:
    from flows.events import Reply

    return Notice(
        account.chat_id,
        account.platform,
        Reply(text),
        f"{action}:{account.user_id}:{ctx.event.platform}:{ctx.event.update_id}:{ctx.now.isoformat()}",
    )


async def freeze(ctx: StepContext, arg: str, staff: Staff) -> None:
    who, reason = user_and_rest(arg)
    reason = " ".join(reason.split())
    if not who or not reason:
        ctx.say(ctx._("Usage: /freeze <user> <reason>. The reason is shown to the person."))
        audit(ctx, staff, "freeze", parameters=masked(arg), result="invalid")
        return
    account = await resolve(ctx, who)
    if account is None:
        audit(ctx, staff, "freeze", parameters=masked(arg), result="unknown_user")
        return
    # Close of business's freeze for arrears is not the operator's: freezing on top of it is
    # recorded, so the line stays closed when the arrears are repaid.
    if await ctx.store.freeze_reason(account.user_id) is not None:
        ctx.say(ctx._("{user} is frozen already.", user=account_label(account)))
        audit(ctx, staff, "freeze", target=account.user_id, result="already")
        return
    t = texts(account.locale)
    told = t._(
        "Your credit line has been frozen: no new drawdowns for now. Reason: {reason}\nYou can still chat, see your loans and repay."
    ).format(reason=reason)
    if await ctx.store.frozen_for_arrears(account.user_id):
        # They were promised that repaying the arrears unfreezes the line: no longer so.
        told += "\n" + t._(
            "Repaying what is overdue no longer opens your line by itself: this freeze stays until the lender lifts it."
        )
    told += "\n" + t._(HOW_TO_APPEAL)
    ctx.changes.append(
        SetFrozen(
            account.user_id, reason, staff.platform_user_id, _notice(ctx, account, "freeze", told)
        )
    )
    audit(ctx, staff, "freeze", target=account.user_id, parameters=masked(reason))
    ctx.say(
        ctx._(
            "{user} is frozen. They were told why and how to appeal.",
            user=account_label(account),
        )
    )


async def unfreeze(ctx: StepContext, arg: str, staff: Staff) -> None:
    account = await resolve(ctx, arg) if arg.strip() else None
    if account is None:
        if not arg.strip():
            ctx.say(ctx._("Usage: /unfreeze <user>"))
        audit(ctx, staff, "unfreeze", parameters=masked(arg), result="invalid")
        return
    operator_frozen = await ctx.store.freeze_reason(account.user_id) is not None
    arrears_frozen = await ctx.store.frozen_for_arrears(account.user_id)
    if not operator_frozen and account.status != UserStatus.FROZEN:
        ctx.say(ctx._("{user} is not frozen.", user=account_label(account)))
        audit(ctx, staff, "unfreeze", target=account.user_id, result="not_frozen")
        return
    if not operator_frozen and arrears_frozen:
        # Close of business lifts its own freeze when the arrears are cured; no operator may.
        ctx.say(
            ctx._(
                "{user} is frozen only for an overdue repayment: there is no operator's freeze to lift. The line opens once the overdue amount is repaid.",
                user=account_label(account),
            )
        )
        audit(ctx, staff, "unfreeze", target=account.user_id, result="arrears_only")
        return
    withdrawn = required_consent_withdrawn_in(await ctx.store.consents(account.user_id))
    to_them, to_staff = unfreeze_wording(arrears_frozen, withdrawn)
    told = texts(account.locale)._(to_them)
    ctx.changes.append(
        SetFrozen(
            account.user_id, None, staff.platform_user_id, _notice(ctx, account, "unfreeze", told)
        )
    )
    audit(ctx, staff, "unfreeze", target=account.user_id)
    ctx.say(ctx._(to_staff, user=account_label(account)))


async def operator_role(ctx: StepContext, arg: str, staff: Staff) -> None:
    verb, _, who = normalise_text(arg).partition(" ")
    ref = parse_user_ref(who) if verb in ("add", "remove") else None
    if ref is None or (ref.telegram_id is None and ref.account_id is None):
        ctx.say(ctx._("Usage: /operator add <user> or /operator remove <user>"))
        audit(ctx, staff, "operator", parameters=masked(arg), result="invalid")
        return
    found = await ctx.store.find_accounts(ctx.event.platform, ref.telegram_id, ref.account_id)
    if len(found) > 1:
        await resolve(ctx, who)  # explains the ambiguity
        audit(ctx, staff, "operator", parameters=masked(arg), result="ambiguous")
        return
    # Staff need not have an account yet: a bare Telegram id is enough to grant the role.
    telegram_id = found[0].platform_user_id if found else ref.telegram_id
    if telegram_id is None:
        ctx.say(ctx._("No account matches {user}.", user=who.strip()))
        audit(ctx, staff, "operator", parameters=masked(arg), result="unknown_user")
        return
    if verb == "add":
        ctx.changes.append(GrantOperator(ctx.event.platform, telegram_id, staff.platform_user_id))
        ctx.say(ctx._("{user} is now an operator.", user=f"tg:{telegram_id}"))
    else:
        ctx.changes.append(RevokeOperator(ctx.event.platform, telegram_id))
        ctx.say(ctx._("{user} is no longer an operator.", user=f"tg:{telegram_id}"))
    audit(
        ctx,
        staff,
        f"operator_{verb}",
        target=found[0].user_id if found else None,
        parameters=f"tg:{telegram_id}",
    )
