"""Rows <-> domain values: replies, sessions' answers, decimals."""

from __future__ import annotations

import json
from typing import Any

from flows.events import Button, Reply

# One encoder for every reply: json.dumps with options builds a new encoder on each call,
# most of the cost of a short reply (a reminder sweep serialises thousands).
_REPLY_ENCODER = json.JSONEncoder(ensure_ascii=False)


def reply_to_json(reply: Reply) -> str:
    return _REPLY_ENCODER.encode(
        {
            "text": reply.text,
            "buttons": [[[b.label, b.token] for b in row] for row in reply.buttons],
            "contact_request": reply.contact_request,
            "remove_keyboard": reply.remove_keyboard,
            "edit": reply.edit,
            "toast": reply.toast,
            "new_screen": reply.new_screen,
        }
    )


def reply_from_json(payload: str) -> Reply:
    data: dict[str, Any] = json.loads(payload)
    return Reply(
        text=data["text"],
        buttons=tuple(
            tuple(Button(label, token) for label, token in row) for row in data["buttons"]
        ),
        contact_request=data.get("contact_request"),
        remove_keyboard=bool(data.get("remove_keyboard")),
        edit=bool(data.get("edit")),
        toast=bool(data.get("toast")),
        new_screen=bool(data.get("new_screen")),
    )


# The same: json.dumps with these options builds a new encoder on every call.
_COMPACT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def dumps(value: Any) -> str:
    return _COMPACT_ENCODER.encode(value)
