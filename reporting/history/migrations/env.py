"""Alembic environment of the history store: run on the connection that `reporting.history.store` opens.

The store runs the migrations itself (`alembic upgrade head` is never needed by hand): it opens the
connection, starts its transaction and passes the connection in `config.attributes["connection"]`.
"""

from alembic import context

from reporting.history.store import METADATA

context.configure(connection=context.config.attributes["connection"], target_metadata=METADATA)
with context.begin_transaction():
    context.run_migrations()
