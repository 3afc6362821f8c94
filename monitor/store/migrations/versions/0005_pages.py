"""article pages (full text) and where each stance's evidence came from

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pages',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('final_url', sa.Text(), nullable=True),
    sa.Column('canonical_url', sa.Text(), nullable=True),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('length', sa.Integer(), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_pages_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['feed_id'], ['feeds.id'], name=op.f('fk_pages_feed_id_feeds'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('article_id', name=op.f('pk_pages'))
    )
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_index('ix_pages_status', ['status'], unique=False)
        batch_op.create_index('ix_pages_canonical_url', ['canonical_url'], unique=False)
        batch_op.create_index('ix_pages_feed_id', ['feed_id'], unique=False)
    with op.batch_alter_table('stances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=8), server_default='feed', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('stances', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index('ix_pages_feed_id')
        batch_op.drop_index('ix_pages_canonical_url')
        batch_op.drop_index('ix_pages_status')
    op.drop_table('pages')
