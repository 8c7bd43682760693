"""The audit log an operator reads: who issued an invite and on what terms."""

from __future__ import annotations

import re

from tests.flows.harness import Harness


async def test_issuing_an_invite_is_audited_with_its_terms(any_bot: Harness) -> None:
    code = await any_bot.store.create_invite("operator", 3, 10, any_bot.clock())
    rows = await any_bot.db.run(lambda tx: tx.all("SELECT actor, action, detail FROM audit_log"))
    assert [(r.actor, r.action, r.detail) for r in rows] == [
        ("operator", "invite_created", "uses=3 days=10")
    ]
    # 128 random bits, written in 22 url-safe characters: a t.me start link takes them as is.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", code)
