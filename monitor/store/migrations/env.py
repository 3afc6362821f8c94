"""Alembic environment: runs on the connection ``Store.upgrade`` passes in, or on ``sqlalchemy.url`` when the
``alembic`` command is used directly by a developer."""

from alembic import context
from sqlalchemy import create_engine

from monitor.store.models import Base

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
