"""The search system tables. They change only through Alembic revisions (0004_search_terms, 0005_search_owner).

``search_terms`` holds, for each searchable field of each record, the terms it is found by (see ``terms``). The
primary key leads with (object, term), so that the candidates of one object for a query are one range of the
key, read in term order: a query and every longer term it starts (exact matches first). A second index leads
with (object, owner), for a user who reads only a few owners' records (decisions/0007). Objects and fields are
named by their metadata ids: a field or object deleted and made again under the same name starts empty.
On PostgreSQL the term compares by code point ("C" collation), like SQLite, so that the range is a prefix.

``search_pending`` lists fields whose existing records still need terms (a field made searchable, an upgrade);
``huitong reindex`` and the periodic job fill them in batches. Object 0, field 0 stands for every field.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, PrimaryKeyConstraint, String, Table

from huitong.engine.system_tables import system_metadata

TERM_LENGTH = 32

TermType = String(TERM_LENGTH).with_variant(String(TERM_LENGTH, collation="C"), "postgresql")

search_terms = Table(
    "search_terms",
    system_metadata,
    Column("object_id", Integer, nullable=False),
    Column("term", TermType, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("field_id", Integer, nullable=False),
    Column("at_start", Boolean, nullable=False),
    Column("owner_id", BigInteger),  # the record's owner: a hint for reading one owner's terms, checked on the record
    PrimaryKeyConstraint("object_id", "term", "record_id", "field_id", name="pk_search_terms"),
    Index("ix_search_terms_record", "object_id", "record_id"),
    Index("ix_search_terms_owner", "object_id", "owner_id", "term", "record_id"),
    sqlite_with_rowid=False,
)

search_pending = Table(
    "search_pending",
    system_metadata,
    Column("field_id", Integer, primary_key=True, autoincrement=False),
    Column("object_id", Integer, nullable=False),
    Column("after_id", BigInteger, nullable=False),  # records up to this id are done
)
EVERYTHING = 0
