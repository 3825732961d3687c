"""Lending: loans, CDP supply, DAT debt, lenders and collateral sheets, and the lending figures."""

from __future__ import annotations

from typing import Any

from reporting.metrics.lending import CREDIT_TYPES, LOAN_TYPES
from reporting.render.workbook.figures import Figure, count_types, exact_sum, gate, keyed_figures
from reporting.render.workbook.inputs import Inputs, dollars, text
from reporting.render.workbook.writer import NOT_AVAILABLE, Column, Formula, Sheet


def loan_rows(inputs: Inputs) -> list[list[Any]]:
    secured = Formula('={collateral_asset}<>"NONE"')
    return [
        [text(le), text(t), text(a), dollars(b), dollars(c), dollars(f), int(n), secured]
        for le, t, a, b, c, f, n, _secured in inputs.audit.loans.itertuples(index=False)
    ]


def credit_entities(inputs: Inputs) -> list[tuple[str, str]]:
    """The lenders counted in crypto_collateralized_usd (entity, entity_type), by name."""
    entities = inputs.report.partials.entities
    credit = entities[entities["entity_type"].isin(CREDIT_TYPES)].sort_values("entity")
    return list(credit.itertuples(index=False, name=None))


def lender_rows(inputs: Inputs) -> list[list[Any]]:
    secured = exact_sum("{Loans!lender}", "{lender}", "{Loans!secured}", "{Loans!borrowed_usd}")
    backed = exact_sum("{CDP supply!lender}", "{lender}", "{CDP supply!crypto_backed_supply_usd}")
    cefi_amounts = 'SUMPRODUCT(({entity_type$}="cefi_lender")*{amount_usd$})'
    return [
        [
            text(lender),
            text(entity_type),
            Formula(f"=ROUND({secured},2)"),
            Formula(f"=ROUND({backed},2)"),
            Formula("=ROUND({secured_borrowed_usd}+{crypto_backed_usd},2)"),
            Formula(f'=IF(SUM({{amount_usd$}})=0,"{NOT_AVAILABLE}",{{amount_usd}}/SUM({{amount_usd$}}))'),
            Formula(
                f'=IF({{entity_type}}<>"cefi_lender","",IF({cefi_amounts}=0,"{NOT_AVAILABLE}",'
                f"{{amount_usd}}/{cefi_amounts}))"
            ),
        ]
        for lender, entity_type in credit_entities(inputs)
    ]


def collateral_by_asset_rows(inputs: Inputs) -> list[list[Any]]:
    amount = Formula(
        "=ROUND(SUMPRODUCT(({Loans!collateral_asset}={collateral_asset})*{Loans!secured}*{Loans!collateral_usd}),2)"
    )
    return [[text(asset), amount] for asset in inputs.report.partials.loan_collateral["collateral_asset"]]


SHEETS = (
    Sheet(
        "Loans",
        (
            Column("lender", width=30),
            Column("entity_type", width=14),
            Column("collateral_asset", width=14),
            Column("borrowed_usd (USD)", "money"),
            Column("collateral_usd (USD)", "money"),
            Column("funded_onchain_usd (USD)", "money"),
            Column("loans", "count"),
            Column("secured (collateral_asset is not NONE)", "bool", 14),
        ),
        loan_rows,
        "loans per lender and collateral asset (NONE = unsecured)",
    ),
    Sheet(
        "CDP supply",
        (Column("lender", width=34), Column("crypto_backed_supply_usd (USD)", "money")),
        lambda inputs: [[text(le), dollars(c)] for le, c in inputs.report.partials.cdp_supply.itertuples(index=False)],
        "crypto-backed stablecoin supply per issuer",
    ),
    Sheet(
        "DAT debt",
        (Column("lender", width=34), Column("principal_usd (USD)", "money")),
        lambda inputs: [[text(le), dollars(c)] for le, c in inputs.report.partials.dat_debt.itertuples(index=False)],
        "debt principal per digital-asset treasury company",
    ),
    Sheet(
        "Lenders",
        (
            Column("lender", width=34),
            Column("entity_type", width=14),
            Column("secured_borrowed_usd (USD, loans)", "money"),
            Column("crypto_backed_usd (USD, CDP supply)", "money"),
            Column("amount_usd (USD, counted in crypto_collateralized_usd)", "money"),
            Column("share (of Σ amount_usd)", "share", 14),
            Column("cefi_share (of Σ amount_usd of CeFi lenders)", "share", 16),
        ),
        lender_rows,
        "amount counted in crypto_collateralized_usd per lender, shares (lender HHI, top lender)",
    ),
    Sheet(
        "Collateral by asset",
        (Column("collateral_asset", width=16), Column("collateral_usd (USD, secured loans)", "money")),
        collateral_by_asset_rows,
        "collateral of secured loans per asset",
    ),
)


_N = "lending_"
_REPORTS_LOANS = count_types(LOAN_TYPES)
_CREDIT = count_types(CREDIT_TYPES)
_AMOUNTS = "{Lenders!amount_usd}"
_TOP = f"MATCH(MAX({_AMOUNTS}),{_AMOUNTS},0)"
_NO_SHARES = f"OR({_CREDIT}=0,SUM({_AMOUNTS})=0)"
_CEFI_TOTAL = f'SUMPRODUCT(({{Lenders!entity_type}}="cefi_lender")*{_AMOUNTS})'
_COLLATERAL_SECURED = "SUMPRODUCT({Loans!secured}*{Loans!collateral_usd})"


def _borrowed(entity_type: str) -> str:
    return f'ROUND(SUMPRODUCT(({{Loans!entity_type}}="{entity_type}")*{{Loans!secured}}*{{Loans!borrowed_usd}}),2)'


FIGURES: tuple[Figure, ...] = (
    Figure("lending.cefi_usd", "money", gate(count_types(["cefi_lender"]), _borrowed("cefi_lender"))),
    Figure("lending.defi_usd", "money", gate(count_types(["defi_protocol"]), _borrowed("defi_protocol"))),
    Figure(
        "lending.cdp_usd",
        "money",
        gate(count_types(["cdp_issuer"]), "ROUND(SUM({CDP supply!crypto_backed_supply_usd}),2)"),
    ),
    Figure(
        "lending.crypto_collateralized_usd",
        "money",
        f'=IF(COUNT({_N}cefi_usd,{_N}defi_usd,{_N}cdp_usd)=0,"{NOT_AVAILABLE}",'
        f"ROUND(SUM({_N}cefi_usd,{_N}defi_usd,{_N}cdp_usd),2))",
    ),
    Figure(
        "lending.unsecured_usd",
        "money",
        gate(_REPORTS_LOANS, "ROUND(SUMPRODUCT(NOT({Loans!secured})*{Loans!borrowed_usd}),2)"),
    ),
    Figure(
        "lending.onchain_share",
        "share",
        f'=IF(N({_N}crypto_collateralized_usd)=0,"{NOT_AVAILABLE}",'
        f"SUM({_N}defi_usd,{_N}cdp_usd)/{_N}crypto_collateralized_usd)",
    ),
    Figure("lending.double_count_usd", "money", gate(_REPORTS_LOANS, "ROUND(SUM({Loans!funded_onchain_usd}),2)")),
    Figure(
        "lending.crypto_collateralized_adjusted_usd",
        "money",
        f'=IF(COUNT({_N}crypto_collateralized_usd)=0,"{NOT_AVAILABLE}",'
        f"ROUND({_N}crypto_collateralized_usd-SUM({_N}double_count_usd),2))",
    ),
    Figure("lending.dat_debt_usd", "money", gate(count_types(["dat"]), "ROUND(SUM({DAT debt!principal_usd}),2)")),
    Figure(
        "lending.total_industry_debt_usd",
        "money",
        f'=IF(COUNT({_N}crypto_collateralized_usd,{_N}dat_debt_usd)=0,"{NOT_AVAILABLE}",'
        f"ROUND(SUM({_N}crypto_collateralized_usd,{_N}dat_debt_usd),2))",
    ),
    Figure(
        "lending.lender_hhi",
        "hhi",
        f'=IF({_NO_SHARES},"{NOT_AVAILABLE}",10000*SUMPRODUCT({{Lenders!share}},{{Lenders!share}}))',
    ),
    Figure("lending.top_lender.name", "text", f'=IF({_NO_SHARES},"{NOT_AVAILABLE}",INDEX({{Lenders!lender}},{_TOP}))'),
    Figure("lending.top_lender.share", "share", f'=IF({_NO_SHARES},"{NOT_AVAILABLE}",MAX({_AMOUNTS})/SUM({_AMOUNTS}))'),
    Figure(
        "lending.cefi_lender_hhi",
        "hhi",
        f'=IF(OR({count_types(["cefi_lender"])}=0,{_CEFI_TOTAL}=0),"{NOT_AVAILABLE}",'
        "10000*SUMPRODUCT({Lenders!cefi_share},{Lenders!cefi_share}))",
    ),
    Figure(
        "lending.weighted_ltv",
        "ratio",
        f'=IF({_COLLATERAL_SECURED}=0,"{NOT_AVAILABLE}",'
        f"SUMPRODUCT({{Loans!secured}}*{{Loans!borrowed_usd}})/{_COLLATERAL_SECURED})",
    ),
)
"""Every scalar figure of the lending section, with the formula that recomputes it."""


def breakdown_figures(metrics: dict[str, Any]) -> list[Figure]:
    """The entries of the lending maps keyed by lender or asset: a reference to their row, no name."""
    lending = metrics["lending"]
    return keyed_figures("lending.by_lender", lending, "Lenders", "lender", "={@amount_usd}") + keyed_figures(
        "lending.collateral_by_asset", lending, "Collateral by asset", "collateral_asset", "={@collateral_usd}"
    )
