"""The knobs of the conversation, with the defaults of DESIGN.md section 4."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.i18n import N_
from lending.products import DEFAULT_PRODUCT, Product


@dataclass(frozen=True, slots=True)
class FlowConfig:
    admin_ids: frozenset[int] = frozenset()
    default_locale: str = "zh_CN"
    default_timezone: str = "Asia/Shanghai"
    min_age: int = 18
    max_age: int = 60
    product: Product = field(default_factory=lambda: DEFAULT_PRODUCT)
    lender_name: str = N_("ChatLend Sandbox Lending Co.")  # translated where shown
    quick_amounts_fen: tuple[int, ...] = (100_000, 500_000, 1_000_000)
    # Whose phone numbers are accepted (ISO 3166 region codes): mainland China mobiles only.
    phone_regions: tuple[str, ...] = ("CN",)
    # Anti-money-laundering retention: records kept this many years after the last repayment.
    aml_retention_years: int = 5
    # FREEZE_AFTER_DAYS_PAST_DUE: close of business freezes a line at this many days past due;
    # a repayment that brings every loan below it lifts that freeze at once.
    freeze_after_dpd: int = 30
    operator_ids: frozenset[int] = frozenset()  # OPERATOR_IDS; admins may grant more in chat
    bot_username: str | None = None  # for invite deep links (t.me/<bot>?start=<code>)
