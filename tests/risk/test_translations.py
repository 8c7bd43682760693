from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from risk import reasons

LOCALES = Path(__file__).resolve().parents[2] / "locales"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def code_msgids() -> set[str]:
    found = {r.message for r in reasons.FACTOR_REASONS.values()}
    found |= {r.message for r in reasons.POLICY_REASONS.values()}
    found |= {
        r.message
        for r in (reasons.LIMIT_TOO_LOW, reasons.REVIEW_LARGE_AMOUNT, reasons.SCORE_TOO_LOW)
    }
    return found


def catalog(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id}


def test_template_holds_every_message_of_the_code() -> None:
    assert code_msgids() <= set(catalog(LOCALES / "risk.pot"))


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_every_message_is_translated_with_the_same_placeholders(locale: str) -> None:
    translations = catalog(LOCALES / locale / "LC_MESSAGES" / "risk.po")
    for msgid in code_msgids() | set(catalog(LOCALES / "risk.pot")):
        assert translations.get(msgid, "").strip(), f"{locale}: {msgid!r} untranslated"
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(
            PLACEHOLDER.findall(translations[msgid])
        )


def test_chinese_reads_as_chinese() -> None:
    translations = catalog(LOCALES / "zh_CN" / "LC_MESSAGES" / "risk.po")
    for msgid, text in translations.items():
        assert re.search(r"[\u4e00-\u9fff]", text), msgid
        assert text != msgid
