"""Each build's filing records and accepted submissions, and the order in which builds were recorded.

- builds.sequence: 1, 2, 3… in the order builds were recorded (a build's run time can repeat: reproducible
  builds fix it); the builds of a 0001 store are numbered in the order of their run time, period and revision.
- records: each entity's period record in a build (filing status, due date, submission time, days late,
  submissions, error and warning findings, restatements) with its name and part of the market (amount in
  USD and share; null when it had no accepted submission).
- submissions: the accepted submissions of a build, with the submission they restate and why.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("builds", sa.Column("sequence", sa.Integer, nullable=True))
    builds = sa.table(
        "builds",
        sa.column("period", sa.String),
        sa.column("revision", sa.Integer),
        sa.column("run_at", sa.String),
        sa.column("sequence", sa.Integer),
    )
    conn = op.get_bind()
    existing = conn.execute(
        sa.select(builds.c.period, builds.c.revision).order_by(builds.c.run_at, builds.c.period, builds.c.revision)
    ).fetchall()
    for number, (period, build_revision) in enumerate(existing, start=1):
        conn.execute(
            builds.update()
            .where(builds.c.period == period, builds.c.revision == build_revision)
            .values(sequence=number)
        )
    op.create_table(
        "records",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("entity_id", sa.Text, primary_key=True),
        sa.Column("entity_name", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due", sa.String(10), nullable=False),
        sa.Column("submitted_at", sa.String(32), nullable=True),
        sa.Column("days_late", sa.Integer, nullable=True),
        sa.Column("submissions", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("restatements", sa.Integer, nullable=False),
        sa.Column("amount_usd", sa.Float, nullable=True),
        sa.Column("share", sa.Float, nullable=True),
        sa.ForeignKeyConstraint(["period", "revision"], ["builds.period", "builds.revision"]),
    )
    op.create_index("records_entity", "records", ["entity_id", "period"])
    op.create_table(
        "submissions",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Text, primary_key=True),
        sa.Column("entity_id", sa.Text, nullable=False),
        sa.Column("restates", sa.Text, nullable=True),
        sa.Column("restatement_reason", sa.Text, nullable=True),
        sa.ForeignKeyConstraint(["period", "revision"], ["builds.period", "builds.revision"]),
    )


def downgrade() -> None:
    op.drop_table("submissions")
    op.drop_table("records")
    with op.batch_alter_table("builds") as batch:
        batch.drop_column("sequence")
