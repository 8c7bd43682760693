"""Acting on one account: /freeze, /unfreeze, and the operator role (/operator add|remove)."""

from __future__ import annotations

from flows.changes import GrantOperator, Notice, RevokeOperator, SetFrozen
from flows.context import StepContext
from flows.i18n import N_, texts
from flows.operators.access import Staff, audit, masked
from flows.operators.targets import parse_user_ref, resolve
from flows.ports import Account
from flows.session import UserStatus

HOW_TO_APPEAL = N_("If you think this is a mistake, send /complaint and a person will look at it.")


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
    who, _, reason = arg.strip().partition(" ")
    reason = " ".join(reason.split())
    if not who or not reason:
        ctx.say(ctx._("Usage: /freeze <user> <reason>. The reason is shown to the person."))
        audit(ctx, staff, "freeze", parameters=masked(arg), result="invalid")
        return
    account = await resolve(ctx, who)
    if account is None:
        audit(ctx, staff, "freeze", parameters=masked(arg), result="unknown_user")
        return
    if account.status == UserStatus.FROZEN:
        ctx.say(ctx._("{user} is frozen already.", user=account_label(account)))
        audit(ctx, staff, "freeze", target=account.user_id, result="already")
        return
    t = texts(account.locale)
    told = t._(
        "Your credit line has been frozen: no new drawdowns for now. Reason: {reason}\nYou can still chat, see your loans and repay."
    ).format(reason=reason)
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
    if account.status != UserStatus.FROZEN:
        ctx.say(ctx._("{user} is not frozen.", user=account_label(account)))
        audit(ctx, staff, "unfreeze", target=account.user_id, result="not_frozen")
        return
    told = texts(account.locale)._("Your credit line is open again: you can borrow as before.")
    ctx.changes.append(
        SetFrozen(
            account.user_id, None, staff.platform_user_id, _notice(ctx, account, "unfreeze", told)
        )
    )
    audit(ctx, staff, "unfreeze", target=account.user_id)
    ctx.say(ctx._("{user} is unfrozen and was told.", user=account_label(account)))


async def operator_role(ctx: StepContext, arg: str, staff: Staff) -> None:
    verb, _, who = arg.strip().partition(" ")
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
