"""digest runs claim a window of article ids, expire, and name their owner

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('digest_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_article_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('to_article_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('owner', sa.String(length=200), nullable=True))
    # At most one pending run per digest from now on: older duplicates (crashes before this version) are failed.
    op.execute("UPDATE digest_runs SET status = 'failed', error = 'interrupted before the server confirmed delivery' "
               "WHERE status = 'pending' AND id NOT IN "
               "(SELECT max(id) FROM digest_runs WHERE status = 'pending' GROUP BY name)")
    op.create_index('uq_digest_runs_pending_name', 'digest_runs', ['name'], unique=True,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('uq_digest_runs_pending_name', table_name='digest_runs')
    with op.batch_alter_table('digest_runs', schema=None) as batch_op:
        batch_op.drop_column('owner')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('to_article_id')
        batch_op.drop_column('from_article_id')
