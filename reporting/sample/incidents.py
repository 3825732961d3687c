"""The incidents of the sample scenarios: what each entity reports in its incidents table, and the
liquidations an incident caused (false liquidations) or closed by auto-deleveraging."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reporting.contract import TABLES, column_specs


@dataclass(frozen=True)
class IncidentSpec:
    """An incident of a scenario; `start` is (days, hours, minutes) after the surge begins."""

    entity: str
    incident_id: str
    category: str
    start: tuple[int, int, int]
    detect_min: int
    minutes: int
    critical: bool
    services: str
    clients: int
    clients_pct: float
    tx_pct: float
    impact: float
    jurisdictions: int
    cause: str
    description: str
    compensation: float = 0.0
    linked_liquidations: int = 0
    """Liquidations of the venue's surge that the incident caused (false liquidations)."""
    compensation_share: float = 0.0
    """Share of the false liquidations paid back; replaces `compensation` when there are linked ones."""
    adl_share: float = 0.0
    """adl_activation: share of the venue's surge short liquidations that auto-deleveraging closes in the
    incident's span (0: a dozen of them)."""


NOVEMBER_INCIDENTS: tuple[IncidentSpec, ...] = (
    IncidentSpec(
        entity="solstice-digital",
        incident_id="SDX-INC-2025-031",
        category="outage",
        start=(0, 13, 40),
        detect_min=6,
        minutes=205,
        critical=True,
        services="matching engine;order entry;REST and WebSocket API",
        clients=182_400,
        clients_pct=38.5,
        tx_pct=45.0,
        impact=2_350_000.00,
        jurisdictions=14,
        compensation=640_000.00,
        cause="system_failure",
        description="The matching engine stopped accepting orders after a failover to the secondary data centre "
        "did not complete while order traffic was at 9x its usual level. Open positions could not be closed or "
        "reduced for 3 h 25 min; liquidations were queued and run after restart. Clients with losses from the "
        "queued liquidations were compensated.",
    ),
    IncidentSpec(
        entity="aurora-perps",
        incident_id="AUR-2025-11-07",
        category="oracle_failure",
        start=(0, 14, 12),
        detect_min=7,
        minutes=29,
        critical=True,
        services="price oracle;liquidation engine",
        clients=1_240,
        clients_pct=0.9,
        tx_pct=2.1,
        impact=0.0,
        jurisdictions=0,
        linked_liquidations=14,
        compensation_share=0.9,
        cause="external_event",
        description="The price feed for the sUSDA collateral token stalled at a depegged print (0.962 USD) "
        "while the token traded at 0.998 USD < 1 USD on every major venue. Accounts posting sUSDA as margin "
        "were liquidated against the stale price; the protocol treasury reimbursed 90 % of the losses.",
    ),
    IncidentSpec(
        entity="harbourline-exchange",
        incident_id="HBX-ADL-1121",
        category="adl_activation",
        start=(0, 14, 5),
        detect_min=0,
        minutes=45,
        critical=False,
        services="auto-deleveraging;insurance fund",
        clients=3_870,
        clients_pct=1.2,
        tx_pct=0.4,
        impact=0.0,
        jurisdictions=9,
        cause="external_event",
        description="The insurance fund for USDT-margined perpetuals fell below its floor during the BTC sell-off "
        "and auto-deleveraging was switched on for 45 min. Profitable short positions were reduced in queue "
        "order; affected clients were notified in the app and by e-mail.",
    ),
    IncidentSpec(
        entity="northwind-derivatives",
        incident_id="NWD-INC-0412",
        category="degraded_service",
        start=(-13, 2, 10),
        detect_min=4,
        minutes=42,
        critical=False,
        services="REST API",
        clients=4_100,
        clients_pct=0.6,
        tx_pct=1.5,
        impact=12_500.00,
        jurisdictions=3,
        cause="process_failure",
        description="A configuration change raised REST API latency above 2 s for 42 min; the change was rolled "
        "back. WebSocket and FIX sessions were not affected.",
    ),
    IncidentSpec(
        entity="meridian-credit",
        incident_id="MCP-2025-018",
        category="third_party",
        start=(-8, 9, 0),
        detect_min=25,
        minutes=270,
        critical=False,
        services="collateral custody;margin calls",
        clients=46,
        clients_pct=3.1,
        tx_pct=0.0,
        impact=0.0,
        jurisdictions=2,
        cause="external_event",
        description="The custodian's API returned stale balances for 4 h 30 min; margin calls were checked by "
        "hand against the custodian's statements.",
    ),
    IncidentSpec(
        entity="quayside-markets",
        incident_id="QMM-11-2025-02",
        category="withdrawal_halt",
        start=(-4, 6, 20),
        detect_min=3,
        minutes=45,
        critical=False,
        services="solana USDC market withdrawals",
        clients=2_310,
        clients_pct=1.8,
        tx_pct=0.9,
        impact=0.0,
        jurisdictions=0,
        cause="human_error",
        description="A guardian paused withdrawals on the Solana USDC market after a mistaken parameter update; "
        "the pause was lifted after review.",
    ),
    IncidentSpec(
        entity="stillwater-stable",
        incident_id="SWS-2025-006",
        category="collateral_depeg",
        start=(-17, 15, 0),
        detect_min=12,
        minutes=180,
        critical=False,
        services="vault collateral pricing",
        clients=0,
        clients_pct=0.0,
        tx_pct=0.0,
        impact=0.0,
        jurisdictions=0,
        cause="external_event",
        description="A liquid staking token accepted as vault collateral traded 1.8 % below its redemption "
        "value for about 3 h; no vault fell below its liquidation ratio.",
    ),
)

OCTOBER_INCIDENTS: tuple[IncidentSpec, ...] = (
    IncidentSpec(
        entity="northwind-derivatives",
        incident_id="NWD-INC-0398",
        category="degraded_service",
        start=(0, 0, 25),
        detect_min=3,
        minutes=150,
        critical=True,
        services="order entry;REST API;WebSocket API",
        clients=96_000,
        clients_pct=14.2,
        tx_pct=22.0,
        impact=410_000.00,
        jurisdictions=11,
        compensation=150_000.00,
        cause="system_failure",
        description="Order entry latency rose above 5 s while order traffic reached 12x its usual level after the "
        "tariff announcement; some clients could not add margin before liquidation.",
    ),
    IncidentSpec(
        entity="aurora-perps",
        incident_id="AUR-2025-10-03",
        category="collateral_depeg",
        start=(0, 0, 40),
        detect_min=9,
        minutes=55,
        critical=True,
        services="price oracle;liquidation engine",
        clients=3_420,
        clients_pct=2.6,
        tx_pct=3.3,
        impact=0.0,
        jurisdictions=0,
        linked_liquidations=20,
        compensation_share=1.0,
        cause="external_event",
        description="The sUSDA collateral token briefly traded at 0.66 USD on one thin venue that the oracle "
        "weighted; margin accounts holding it were liquidated. All losses were refunded from the treasury.",
    ),
    IncidentSpec(
        entity="harbourline-exchange",
        incident_id="HBX-ADL-1010",
        category="adl_activation",
        start=(0, 1, 5),
        detect_min=0,
        minutes=95,
        critical=False,
        services="auto-deleveraging;insurance fund",
        clients=11_900,
        clients_pct=3.6,
        tx_pct=1.0,
        impact=0.0,
        jurisdictions=9,
        cause="external_event",
        adl_share=0.95,
        description="Auto-deleveraging ran on all USDT-margined perpetuals for 1 h 35 min after the insurance "
        "fund reached its floor.",
    ),
    IncidentSpec(
        entity="harbourline-exchange",
        incident_id="HBX-DEPEG-1010",
        category="collateral_depeg",
        start=(0, 0, 36),
        detect_min=11,
        minutes=40,
        critical=True,
        services="collateral valuation;unified margin;liquidation engine",
        clients=8_650,
        clients_pct=2.7,
        tx_pct=1.9,
        impact=0.0,
        jurisdictions=9,
        linked_liquidations=40,
        compensation_share=1.0,
        cause="system_failure",
        description="USDe, wBETH and BNSOL held as collateral in unified (cross) margin accounts were valued from "
        "the exchange's own spot order books, where USDe traded down to 0.65 USD while it held 0.99 USD on other "
        "venues and at redemption. Cross-margin accounts holding them were liquidated at the depegged value; all "
        "of them were compensated in full, and these assets are now valued at their redemption rate.",
    ),
    IncidentSpec(
        entity="northwind-derivatives",
        incident_id="NWD-ADL-0399",
        category="adl_activation",
        start=(0, 0, 50),
        detect_min=0,
        minutes=70,
        critical=False,
        services="auto-deleveraging;insurance fund",
        clients=17_300,
        clients_pct=2.6,
        tx_pct=0.8,
        impact=0.0,
        jurisdictions=11,
        cause="external_event",
        adl_share=0.9,
        description="The insurance fund could not absorb the losses of bankrupt long positions; profitable short "
        "positions were auto-deleveraged for 1 h 10 min, highest ranked first.",
    ),
    IncidentSpec(
        entity="aurora-perps",
        incident_id="AUR-2025-10-04",
        category="adl_activation",
        start=(0, 0, 20),
        detect_min=0,
        minutes=60,
        critical=False,
        services="liquidator vault;auto-deleveraging",
        clients=2_950,
        clients_pct=2.2,
        tx_pct=0.6,
        impact=0.0,
        jurisdictions=0,
        cause="external_event",
        adl_share=0.9,
        description="The liquidator vault reached its loss limit and the protocol closed profitable short "
        "positions against bankrupt longs for one hour.",
    ),
    IncidentSpec(
        entity="solstice-digital",
        incident_id="SDX-INC-2025-027",
        category="withdrawal_halt",
        start=(1, 2, 0),
        detect_min=0,
        minutes=130,
        critical=True,
        services="crypto withdrawals",
        clients=21_000,
        clients_pct=4.4,
        tx_pct=6.0,
        impact=35_000.00,
        jurisdictions=14,
        cause="process_failure",
        description="Withdrawals were paused while hot wallets were refilled from cold storage.",
    ),
)


def incidents_table(
    entity_id: str, specs: tuple[IncidentSpec, ...], surge_start: pd.Timestamp, liquidations: pd.DataFrame | None
) -> pd.DataFrame:
    """The incidents table of one entity: its incidents among `specs`, timed from the surge's first instant;
    false liquidations are the entity's liquidation rows linked to the incident."""
    rows = []
    for spec in specs:
        if spec.entity != entity_id:
            continue
        day, h, minute = spec.start
        started = surge_start + pd.Timedelta(days=day, hours=h, minutes=minute)
        false_usd = 0.0
        compensation = spec.compensation
        if spec.linked_liquidations and liquidations is not None:
            linked = liquidations["incident_id"] == spec.incident_id
            false_usd = round(float(liquidations.loc[linked, "notional_usd"].sum()), 2)
            compensation = round(false_usd * float(spec.compensation_share), 2)
        rows.append(
            dict(
                incident_id=spec.incident_id,
                category=spec.category,
                started_at=started,
                detected_at=started + pd.Timedelta(minutes=int(spec.detect_min)),
                resolved_at=started + pd.Timedelta(minutes=int(spec.minutes)),
                critical_service=bool(spec.critical),
                services_affected=spec.services,
                clients_affected=int(spec.clients),
                clients_affected_pct=float(spec.clients_pct),
                transactions_affected_pct=float(spec.tx_pct),
                economic_impact_usd=max(float(spec.impact), false_usd),
                data_loss=False,
                malicious_access=False,
                jurisdictions_affected=int(spec.jurisdictions),
                false_liquidations_usd=false_usd,
                compensation_usd=compensation,
                root_cause=spec.cause,
                description=spec.description,
            )
        )
    return pd.DataFrame(rows, columns=[s.name for s in column_specs(TABLES["incidents"])])
