"""The scripted demo: the whole borrower journey typed into the console, once per language.

Edit `DEMO_SCRIPT` to follow the flows: one console input per line, `{invite}` is replaced by
a fresh invite code, `#N` presses the N-th button on screen, `##` presses the
last pressed button again, `/contact` shares the console
user's own phone. Each language runs against its own throw-away database.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.console import play
from bot.settings import Settings
from storage.schema import migrate_in_child

DEMO_LOCALES = ("zh_CN", "en")

DEMO_SCRIPT: list[str] = [
    "/start {invite}",  # the invite deep link
    "#1",  # intro and risk warning: continue
    "#1",  # consent: identity and credit assessment -> Agree
    "#1",  # consent: sensitive data (ID number, finances) -> Agree
    "#1",  # consent: use of the invite relationship (optional) -> Agree
    "#2",  # consent: marketing (optional) -> Decline
    "张三",  # legal name
    "110105199003071238",  # ID number with a wrong check digit: explained, asked again
    "110105199003071239",  # valid ID number, born 1990-03-07
    "/contact_other +8613900000000",  # someone else's contact: refused
    "/contact +8613800138000",  # own contact
    "#1",  # employment: employed
    "#4",  # time in employment: 4 to 7 years
    "abc",  # income nonsense: an example of what works
    "1.2万",  # monthly income
    "#4",  # questionnaire: account balance, 2,000 or more
    "#4",  # savings: over 20,000
    "#2",  # credit history: all repaid on time
    "#1",  # existing credits: none
    "#1",  # other instalment plans: no
    "#1",  # monthly repayments elsewhere: nothing
    "#1",  # housing: own home
    "#1",  # property: real estate
    "#1",  # dependents: none
    "#2",  # purpose: furniture or appliances
    "#2",  # first loan expected: 5,000 to 20,000
    "#3",  # over 12 months
    "#1",  # review of the answers: confirm -> decision and credit line
    "#1",  # home menu: borrow
    "5000",  # amount
    "#2",  # term
    "#1",  # disclosure: confirm
    "##",  # a second tap on the same Confirm: nothing more is created
    "/loans",
    "/repay",
    "#1",  # repay the amount due
    "#1",  # confirm the repayment
    "/help",
]

Write = Callable[[str], None]


async def run_demo(
    settings: Settings,
    locales: Sequence[str] = DEMO_LOCALES,
    script: Sequence[str] | None = None,
    write: Write = print,
) -> None:
    from bot.wiring import build_conversation, close, create_invite

    for locale in locales:
        with tempfile.TemporaryDirectory(prefix="chatlend-demo-") as directory:
            database = Path(directory) / "demo.db"
            local = settings.model_copy(
                update={
                    "database_url": f"sqlite:///{database}",
                    "default_locale": locale,
                }
            )
            await migrate_in_child(local.database_url)
            conversation = await build_conversation(local)
            try:
                code = await create_invite(local, uses=1, days=7, inviter="demo")
                lines = [line.format(invite=code) for line in script or DEMO_SCRIPT]
                write(f"==== ChatLend demo ({locale}) ====")
                write(await play(conversation, lines, locale))
                write("")
            finally:
                await close(conversation)
