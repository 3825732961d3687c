"""The first history schema: builds, their figures and their entities.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "builds",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("run_at", sa.String(32), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("tool_version", sa.Text, nullable=False),
        sa.Column("schema_version", sa.Text, nullable=False),
        sa.Column("metrics_version", sa.Text, nullable=False),
        sa.Column("thresholds", sa.Text, nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("metrics", sa.Text, nullable=False),
    )
    op.create_index("builds_fingerprint", "builds", ["period", "fingerprint"])
    op.create_table(
        "figures",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.ForeignKeyConstraint(["period", "revision"], ["builds.period", "builds.revision"]),
    )
    op.create_index("figures_path", "figures", ["path", "period"])
    op.create_table(
        "entities",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("entity_id", sa.Text, nullable=True),
        sa.Column("entity_name", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["period", "revision"], ["builds.period", "builds.revision"]),
    )


def downgrade() -> None:
    op.drop_table("entities")
    op.drop_table("figures")
    op.drop_table("builds")
