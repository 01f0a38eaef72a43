"""The stored search documents of papers and weeks, which PostgreSQL keeps up to date itself.

A paper's document weighs its title (A) over its authors (B), its abstract (C) and its tag names
(D); a week's, its title and code (A) over its tag names (B) and its intro and body (C). Each is a tsvector
column with a GIN index, so a search reads the index instead of computing a document for every row.

Triggers, not Python signals, keep the documents right: whatever writes a row (save, bulk_create,
bulk_update, QuerySet.update, loaddata, a restore, raw SQL) goes through them, and they add no query
to Django's side. Writing any of a document's columns, or the document itself, computes it again:
- a paper or week saved, created or updated with one of its text columns;
- a tag added or removed, from either side (paper.tags.add, tag.papers.add, .set, .clear,
  bulk_create of the through rows): one set-based UPDATE per statement;
- a tag renamed: its papers and weeks.
`rebuild_search_index` (re)installs the triggers and writes again every document that is not what
the triggers would write (none, unless they were off or their definition changed).

Django never reads the documents back (it selects NULL in their place): nothing in Python needs
them, and each is about as large as the abstract it indexes. On SQLite (the embedded default) the
column is an empty text column and search falls back to matching words (syllabus/search.py).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import connection as default_connection

# Installed by the migration syllabus/0008_search_index and again by rebuild_search_index. After a
# change here, add a migration that runs search_index_rebuild, so existing databases get it too.
INSTALL_SQL = """
CREATE OR REPLACE FUNCTION syllabus_paper_document(paper_id bigint, title text, authors text, abstract text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce($2, '')), 'A')
        || setweight(to_tsvector('english', coalesce($3, '')), 'B')
        || setweight(to_tsvector('english', coalesce($4, '')), 'C')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(tag.name, ' ') FROM papers_paper_tags AS link
            JOIN syllabus_tag AS tag ON tag.id = link.tag_id WHERE link.paper_id = $1
        ), '')), 'D')
$$;

CREATE OR REPLACE FUNCTION syllabus_week_document(week_id bigint, title text, code text, body text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce($2, '') || ' ' || coalesce($3, '')), 'A')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(tag.name, ' ') FROM syllabus_week_tags AS link
            JOIN syllabus_tag AS tag ON tag.id = link.tag_id WHERE link.week_id = $1
        ), '')), 'B')
        || setweight(to_tsvector('english', coalesce($4, '')), 'C')
$$;

CREATE OR REPLACE FUNCTION syllabus_paper_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := syllabus_paper_document(NEW.id, NEW.title, NEW.authors, NEW.abstract);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION syllabus_week_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := syllabus_week_document(NEW.id, NEW.title, NEW.code, @NEW_WEEK_TEXT@);
    RETURN NEW;
END $$;

-- Setting a document to NULL makes the row trigger above compute it again.
CREATE OR REPLACE FUNCTION syllabus_paper_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE papers_paper SET search_document = NULL WHERE id IN (SELECT paper_id FROM changed_links);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION syllabus_week_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE syllabus_week SET search_document = NULL WHERE id IN (SELECT week_id FROM changed_links);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION syllabus_tags_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE papers_paper SET search_document = NULL WHERE id IN (
        SELECT link.paper_id FROM papers_paper_tags AS link
        JOIN renamed_new ON renamed_new.id = link.tag_id
        JOIN renamed_old ON renamed_old.id = renamed_new.id
        WHERE renamed_old.name IS DISTINCT FROM renamed_new.name
    );
    UPDATE syllabus_week SET search_document = NULL WHERE id IN (
        SELECT link.week_id FROM syllabus_week_tags AS link
        JOIN renamed_new ON renamed_new.id = link.tag_id
        JOIN renamed_old ON renamed_old.id = renamed_new.id
        WHERE renamed_old.name IS DISTINCT FROM renamed_new.name
    );
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS search_document ON papers_paper;
CREATE TRIGGER search_document BEFORE INSERT OR UPDATE OF title, authors, abstract, search_document
    ON papers_paper FOR EACH ROW EXECUTE FUNCTION syllabus_paper_search_document();
DROP TRIGGER IF EXISTS search_document ON syllabus_week;
CREATE TRIGGER search_document BEFORE INSERT OR UPDATE OF title, code, @WEEK_COLUMNS@, search_document
    ON syllabus_week FOR EACH ROW EXECUTE FUNCTION syllabus_week_search_document();

DROP TRIGGER IF EXISTS search_document_added ON papers_paper_tags;
CREATE TRIGGER search_document_added AFTER INSERT ON papers_paper_tags
    REFERENCING NEW TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION syllabus_paper_tags_changed();
DROP TRIGGER IF EXISTS search_document_removed ON papers_paper_tags;
CREATE TRIGGER search_document_removed AFTER DELETE ON papers_paper_tags
    REFERENCING OLD TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION syllabus_paper_tags_changed();
DROP TRIGGER IF EXISTS search_document_added ON syllabus_week_tags;
CREATE TRIGGER search_document_added AFTER INSERT ON syllabus_week_tags
    REFERENCING NEW TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION syllabus_week_tags_changed();
DROP TRIGGER IF EXISTS search_document_removed ON syllabus_week_tags;
CREATE TRIGGER search_document_removed AFTER DELETE ON syllabus_week_tags
    REFERENCING OLD TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION syllabus_week_tags_changed();
DROP TRIGGER IF EXISTS search_document_renamed ON syllabus_tag;
CREATE TRIGGER search_document_renamed AFTER UPDATE ON syllabus_tag
    REFERENCING OLD TABLE AS renamed_old NEW TABLE AS renamed_new
    FOR EACH STATEMENT EXECUTE FUNCTION syllabus_tags_renamed();

-- fastupdate (the default) keeps bulk writes fast: new entries wait in a pending list, merged by
-- (auto)vacuum or by rebuild_search_index. Without it, an UPDATE of 10,000 papers takes 50 s, not 4.
CREATE INDEX IF NOT EXISTS papers_paper_search_document ON papers_paper USING gin (search_document);
CREATE INDEX IF NOT EXISTS syllabus_week_search_document ON syllabus_week USING gin (search_document);
"""

REMOVE_SQL = """
DROP INDEX IF EXISTS papers_paper_search_document;
DROP INDEX IF EXISTS syllabus_week_search_document;
DROP TRIGGER IF EXISTS search_document ON papers_paper;
DROP TRIGGER IF EXISTS search_document ON syllabus_week;
DROP TRIGGER IF EXISTS search_document_added ON papers_paper_tags;
DROP TRIGGER IF EXISTS search_document_removed ON papers_paper_tags;
DROP TRIGGER IF EXISTS search_document_added ON syllabus_week_tags;
DROP TRIGGER IF EXISTS search_document_removed ON syllabus_week_tags;
DROP TRIGGER IF EXISTS search_document_renamed ON syllabus_tag;
DROP FUNCTION IF EXISTS syllabus_paper_search_document();
DROP FUNCTION IF EXISTS syllabus_week_search_document();
DROP FUNCTION IF EXISTS syllabus_paper_tags_changed();
DROP FUNCTION IF EXISTS syllabus_week_tags_changed();
DROP FUNCTION IF EXISTS syllabus_tags_renamed();
DROP FUNCTION IF EXISTS syllabus_paper_document(bigint, text, text, text);
DROP FUNCTION IF EXISTS syllabus_week_document(bigint, text, text, text);
"""

# Only documents that are wrong are written (by the row triggers), so a second run, or a run after
# bulk_create (whose rows the triggers filled), changes no row. A search scans the whole pending
# list of a GIN index, which a bulk write fills (25 ms per search at 10,000 papers): merge it now.
# ANALYZE gives the planner the words' frequencies.
REBUILD_SQL = """
UPDATE papers_paper SET search_document = NULL
    WHERE search_document IS DISTINCT FROM syllabus_paper_document(id, title, authors, abstract);
UPDATE syllabus_week SET search_document = NULL
    WHERE search_document IS DISTINCT FROM syllabus_week_document(id, title, code, @WEEK_TEXT@);
SELECT gin_clean_pending_list('papers_paper_search_document'), gin_clean_pending_list('syllabus_week_search_document');
ANALYZE papers_paper;
ANALYZE syllabus_week;
"""


def _with_week_text(sql: str, *, week_intro: bool) -> str:
    """The SQL for a week table with or without its `intro` column (migration 0011 adds it)."""
    text = "coalesce({row}intro, '') || E'\\n\\n' || coalesce({row}body, '')" if week_intro else "{row}body"
    return (
        sql.replace("@NEW_WEEK_TEXT@", text.format(row="NEW."))
        .replace("@WEEK_TEXT@", text.format(row=""))
        .replace("@WEEK_COLUMNS@", "intro, body" if week_intro else "body")
    )


class SearchDocumentField(SearchVectorField):
    """A tsvector on PostgreSQL (text elsewhere) that the database fills and Django never reads.

    Querying it works as for SearchVectorField (`search_document=SearchQuery(...)`, SearchRank);
    selecting it gives None, so loading papers does not carry every document along. Django writes
    NULL in it on a full save, which the trigger replaces with the document.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def select_format(self, compiler, sql, params):
        return "NULL", []


def is_indexed(connection=default_connection) -> bool:
    """Whether this database keeps search documents (PostgreSQL) or search matches words (others)."""
    return connection.vendor == "postgresql"


def search_index_install(*, connection=default_connection, week_intro: bool = True) -> None:
    """Create (or replace) the triggers and GIN indexes; nothing on databases other than PostgreSQL."""
    if is_indexed(connection):
        with connection.cursor() as cursor:
            cursor.execute(_with_week_text(INSTALL_SQL, week_intro=week_intro))


def search_index_remove(*, connection=default_connection) -> None:
    if is_indexed(connection):
        with connection.cursor() as cursor:
            cursor.execute(REMOVE_SQL)


def search_index_rebuild(*, connection=default_connection, week_intro: bool = True) -> None:
    """Install the triggers and correct every paper's and week's document that needs it (idempotent)."""
    if is_indexed(connection):
        search_index_install(connection=connection, week_intro=week_intro)
        with connection.cursor() as cursor:
            cursor.execute(_with_week_text(REBUILD_SQL, week_intro=week_intro))
