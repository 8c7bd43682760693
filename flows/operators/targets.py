"""`<user>` in an operator command: a Telegram user id, @username, or an internal account id."""

from __future__ import annotations

from dataclasses import dataclass

from flows.context import StepContext
from flows.i18n import N_
from flows.ports import Account
from flows.validation import normalise_text

USER_FORMS = N_(
    "Name the person by Telegram user id (123456789), tg:123456789, or account id (id:42)."
)


@dataclass(frozen=True, slots=True)
class UserRef:
    telegram_id: int | None = None
    account_id: int | None = None
    username: str | None = None


def user_and_rest(arg: str) -> tuple[str, str]:
    """`<user> <text>`: split at the first space of any width (U+3000 included). The text is
    left as typed, since the person it concerns reads it."""
    parts = arg.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def parse_user_ref(text: str) -> UserRef | None:
    """Digits alone may be either id, and both are looked up: a clash is reported, not guessed."""
    text = text.strip()
    lowered = text.lower()
    if lowered.startswith("tg:"):
        return UserRef(telegram_id=int(text[3:])) if _plain_digits(text[3:]) else None
    for prefix in ("id:", "#"):
        if lowered.startswith(prefix):
            digits = text[len(prefix) :]
            return UserRef(account_id=int(digits)) if _plain_digits(digits) else None
    if text.startswith("@") and len(text) > 1:
        return UserRef(username=text[1:])
    if _plain_digits(text):
        return UserRef(telegram_id=int(text), account_id=int(text))
    return None


def _plain_digits(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 18


async def resolve(ctx: StepContext, text: str) -> Account | None:
    """The one account `text` names, or None after telling the operator why not."""
    # A Chinese input method types full-width colons, digits and ＃, and the ideographic
    # space: read as every parser reads its input (NFKC folds them to ASCII).
    text = normalise_text(text)
    ref = parse_user_ref(text)
    if ref is None:
        ctx.say(ctx._(USER_FORMS))
        return None
    if ref.username is not None:
        ctx.say(
            ctx._(
                "Telegram does not tell bots who owns @{username}, so usernames cannot be looked up.",
                username=ref.username,
            )
            + "\n"
            + ctx._(USER_FORMS)
        )
        return None
    found = await ctx.store.find_accounts(ctx.event.platform, ref.telegram_id, ref.account_id)
    if not found:
        ctx.say(ctx._("No account matches {user}.", user=text))
        return None
    if len(found) > 1:
        ctx.say(
            ctx._(
                "{user} is ambiguous: it is one person's Telegram id and another's account id. Use tg:{user} or id:{user}.",
                user=text,
            )
        )
        return None
    return found[0]
