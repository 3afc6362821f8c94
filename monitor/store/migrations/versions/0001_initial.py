"""feeds, articles and the feeds that carried them

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('title_key', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('url', name=op.f('uq_articles_url'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index('ix_articles_first_seen_at', ['first_seen_at'], unique=False)
        batch_op.create_index('ix_articles_published_at', ['published_at'], unique=False)
        batch_op.create_index('ix_articles_title_key', ['title_key'], unique=False)

    op.create_table('feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('site_url', sa.Text(), nullable=True),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('body_hash', sa.String(length=64), nullable=True),
    sa.Column('last_status', sa.String(length=20), nullable=True),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_warning', sa.Text(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('moved_to', sa.Text(), nullable=True),
    sa.Column('ttl_seconds', sa.Integer(), nullable=True),
    sa.Column('last_polled_at', sa.DateTime(), nullable=True),
    sa.Column('last_success_at', sa.DateTime(), nullable=True),
    sa.Column('next_poll_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feeds')),
    sa.UniqueConstraint('name', name=op.f('uq_feeds_name'))
    )
    op.create_table('article_feeds',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=512), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_feeds_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['feed_id'], ['feeds.id'], name=op.f('fk_article_feeds_feed_id_feeds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'feed_id', name=op.f('pk_article_feeds')),
    sa.UniqueConstraint('feed_id', 'guid', name=op.f('uq_article_feeds_feed_id_guid'))
    )
    with op.batch_alter_table('article_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_feeds_feed_id'), ['feed_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('article_feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_feeds_feed_id'))

    op.drop_table('article_feeds')
    op.drop_table('feeds')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_title_key')
        batch_op.drop_index('ix_articles_published_at')
        batch_op.drop_index('ix_articles_first_seen_at')

    op.drop_table('articles')
