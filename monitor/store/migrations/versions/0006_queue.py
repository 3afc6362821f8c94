"""what the scheduler enqueued and which worker polled a feed last (scale-out on Celery)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enqueued_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('polled_by', sa.String(length=200), nullable=True))
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enqueued_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('enqueued_at')
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.drop_column('polled_by')
        batch_op.drop_column('enqueued_at')
