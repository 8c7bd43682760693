"""Reading what operators did and what borrowers were sent, straight from the database."""

from __future__ import annotations

import json

from tests.flows.harness import Harness


async def audit_actions(bot: Harness) -> list[tuple[str, str]]:
    rows = await bot.db.run(
        lambda tx: tx.all("SELECT action, result FROM operator_audit ORDER BY id")
    )
    return [(row.action, row.result) for row in rows]


async def outbox_texts(bot: Harness, chat_id: int) -> list[str]:
    rows = await bot.db.run(
        lambda tx: tx.all(
            "SELECT payload FROM outbox WHERE chat_id = :chat ORDER BY id", chat=chat_id
        )
    )
    return [json.loads(row.payload)["text"] for row in rows]
