"""judgements and stances

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('judgements',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('relevant', sa.Boolean(), nullable=False),
    sa.Column('relevance', sa.Float(), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('judged_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_judgements_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'topic', name=op.f('pk_judgements'))
    )
    with op.batch_alter_table('judgements', schema=None) as batch_op:
        batch_op.create_index('ix_judgements_topic_relevant', ['topic', 'relevant'], unique=False)

    op.create_table('stances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('cues', sa.Text(), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_stances_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stances')),
    sa.UniqueConstraint('article_id', 'topic', 'country', name=op.f('uq_stances_article_id_topic_country'))
    )
    with op.batch_alter_table('stances', schema=None) as batch_op:
        batch_op.create_index('ix_stances_topic_country', ['topic', 'country'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('stances', schema=None) as batch_op:
        batch_op.drop_index('ix_stances_topic_country')

    op.drop_table('stances')
    with op.batch_alter_table('judgements', schema=None) as batch_op:
        batch_op.drop_index('ix_judgements_topic_relevant')

    op.drop_table('judgements')
