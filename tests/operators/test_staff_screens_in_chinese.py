"""/stats and /user read in Chinese: no English code left in a Chinese line, and the /stats
columns line up in a fixed-width font, where a Chinese character takes two columns."""

from __future__ import annotations

import re

from flows.i18n import translations
from flows.operators.insight import display_width, pad
from tests.flows.harness import Harness, Person
from tests.operators.conftest import ADMIN
from tests.servicing.conftest import borrower


def zh(message: str) -> str:
    return translations("zh_CN").gettext(message)


async def admin_in_chinese(bot: Harness) -> Person:
    admin = bot.person(ADMIN)
    await admin.command("stats")
    await admin.command("language")
    await admin.press("中文")
    return admin


def test_a_chinese_character_takes_two_columns() -> None:
    assert display_width("首次借款") == 8
    assert display_width("ＡＢ") == 4  # full-width
    assert display_width("KYC 12") == 6
    assert pad("已批准", 10) == "已批准    "
    assert pad("12", 6, right=True) == "    12"
    assert pad("完成实名认证", 4) == "完成实名认证"  # never cut


async def test_stats_in_chinese_labels_every_row_and_keeps_the_columns(bot: Harness) -> None:
    await borrower(bot, 501)
    admin = await admin_in_chinese(bot)
    text = (await admin.command("stats"))[-1].text
    lines = text.split("\n")
    funnel = lines[: lines.index("")]
    assert all(line.isascii() is False for line in funnel)  # every label in Chinese
    # The number columns end at the same display column on every funnel line.
    assert len({display_width(line) for line in funnel}) == 1
    ends = {display_width(line[: line.rindex(" ") + 1]) for line in funnel[1:]}
    assert len(ends) == 1
    buckets = lines[-5:]  # current, 1-30, 31-60, 61-90, 90+
    assert buckets[0].startswith(zh("current")) and "current" not in text
    assert len({display_width(line.rsplit("   ", 1)[0]) for line in buckets}) == 1


async def test_user_in_chinese_names_state_status_consents_and_outcomes(bot: Harness) -> None:
    await borrower(bot, 501)
    admin = await admin_in_chinese(bot)
    text = (await admin.command("user", "tg:501"))[-1].text
    lines = text.split("\n")
    assert lines[0].endswith(f" · {zh('Home menu')} · {zh('active')} · English")
    assert f"{zh('Identity and credit assessment')}：" in text
    assert f"{zh('Marketing messages')}：" in text
    assert zh("approved") + "，" in text
    assert zh("being repaid") + "，" in text
    # No lower-case English code is left outside the audit lines at the end.
    body = [line for line in lines if "tg:9001" not in line]
    assert not re.search(
        r"\b(home|active|frozen|assessment|marketing|approved|closed)\b", "\n".join(body)
    )

    await admin.command("freeze", "501 资料核查")
    frozen = (await admin.command("user", "tg:501"))[-1].text.split("\n")[0]
    assert frozen.endswith(f" · {zh('frozen')} · English")
