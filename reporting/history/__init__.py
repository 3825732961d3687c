"""The history stage: every build kept in a database, for trends, changes and analysts (after metrics).

The store is `reporting.history.store`; it is imported by the commands that use it only, because
SQLAlchemy and Alembic take a third of a second to import.
"""

DEFAULT_FILE = "history.sqlite"
"""The history's file in the --out folder when no other store is given."""


class HistoryError(Exception):
    """The history store cannot be used; the message is one line for the person running the command."""
