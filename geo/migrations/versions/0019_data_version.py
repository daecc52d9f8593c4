"""Data version: a number that changes whenever served data changes, for ETags and caches.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

Every statement that changes incidents or a reference layer (an import, a boundaries load, the
placement checks, dedupe, a hand-written UPDATE) adds one row to ``data_changes`` through a
statement-level trigger; the API's version is the number of rows a snapshot sees
(``geo/sql/data_version.sql``). Why a log and not a counter row: a counter row would be locked
by an import until it commits and so serialise concurrent imports (two sources at once is
supported); an insert takes no such lock. Why the count and not ``max(id)``: ids are handed
out at insert, commits happen in any order, so a max could stay put while a second change
becomes visible; the count grows with every commit that changed anything. Rows are only counted
inside committed snapshots, so a response is never cached under a version its data is older
than. Statement-level: a million-row import adds a handful of rows, not a million.
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLES = (
    "incidents", "countries", "land_borders", "coastline", "corridors", "sea_routes",
    "sea_areas", "boundaries_meta",
)  # fmt: skip

UPGRADE = r"""
CREATE TABLE data_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name  text NOT NULL,
    operation   text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO data_changes (table_name, operation) VALUES ('*', 'MIGRATE');

CREATE FUNCTION record_data_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO data_changes (table_name, operation) VALUES (TG_TABLE_NAME, TG_OP);
    RETURN NULL;
END
$fn$;
"""

TRIGGER = """
CREATE TRIGGER {table}_data_change
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION record_data_change();
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS record_data_change() CASCADE;
DROP TABLE IF EXISTS data_changes;
"""


def upgrade() -> None:
    op.execute(UPGRADE)
    for table in TABLES:
        op.execute(TRIGGER.format(table=table))


def downgrade() -> None:
    op.execute(DOWNGRADE)
