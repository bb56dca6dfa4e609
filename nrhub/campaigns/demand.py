"""The demand of each campaign offer (``offer_demand``), kept by the database.

An offer's pooled quantity is what the active orders of its campaign ask of it: the sum of
their lines. Every campaign page and every order shows it, and summing the lines each time
costs the database a pass over every line of the campaign. Triggers keep the sum instead,
in the transaction that writes, whichever way it writes (the ORM, a bulk statement, a
fixture):

- a campaign offer gets its row (0) when it is inserted;
- a line inserted, updated or deleted adds or takes its quantity while its order is active;
- an order that becomes active, or stops being so, adds or takes all its lines;
- an order deleted while active takes its lines first (they are deleted after it).

Two orders that change the same offers update the same rows: each takes its offers' locks
in the order of their ids first (:mod:`nrhub.campaigns.orders`), so that they never wait
for each other in a circle.

``db.create_all()`` (tests, bench) creates the triggers with the tables; migration 0020 runs
the same statements and counts the lines already there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection

# The status of an order whose lines count ('active', nrhub.campaigns.models.OrderStatus)
# is written out in the statements below.
POSTGRESQL = [
    """
CREATE OR REPLACE FUNCTION nrhub_offer_demand_of_line() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM purchase_request WHERE id = OLD.order_id AND status = 'active'
    ) THEN
        UPDATE offer_demand SET quantity = quantity - OLD.quantity WHERE offer_id = OLD.offer_id;
    END IF;
    IF TG_OP <> 'DELETE' AND EXISTS (
        SELECT 1 FROM purchase_request WHERE id = NEW.order_id AND status = 'active'
    ) THEN
        UPDATE offer_demand SET quantity = quantity + NEW.quantity WHERE offer_id = NEW.offer_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION nrhub_offer_demand_of_order() RETURNS trigger AS $$
DECLARE
    direction integer;
    the_order integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        direction := -1;
        the_order := OLD.id;
    ELSE
        direction := CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END;
        the_order := NEW.id;
    END IF;
    UPDATE offer_demand SET quantity = offer_demand.quantity + direction * lines.quantity
    FROM (
        SELECT offer_id, sum(quantity) AS quantity FROM purchase_request_line
        WHERE order_id = the_order GROUP BY offer_id
    ) AS lines
    WHERE offer_demand.offer_id = lines.offer_id;
    -- BEFORE DELETE: the row goes on to be deleted (NULL would skip it).
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION nrhub_offer_demand_of_offer() RETURNS trigger AS $$
BEGIN
    INSERT INTO offer_demand (offer_id, quantity) VALUES (NEW.id, 0);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    "DROP TRIGGER IF EXISTS offer_demand_of_line ON purchase_request_line",
    "CREATE TRIGGER offer_demand_of_line AFTER INSERT OR DELETE OR UPDATE OF order_id, "
    "offer_id, quantity ON purchase_request_line FOR EACH ROW "
    "EXECUTE FUNCTION nrhub_offer_demand_of_line()",
    "DROP TRIGGER IF EXISTS offer_demand_of_order_status ON purchase_request",
    "CREATE TRIGGER offer_demand_of_order_status AFTER UPDATE OF status ON purchase_request "
    "FOR EACH ROW WHEN ((OLD.status = 'active') IS DISTINCT FROM (NEW.status = 'active')) "
    "EXECUTE FUNCTION nrhub_offer_demand_of_order()",
    "DROP TRIGGER IF EXISTS offer_demand_of_order_deleted ON purchase_request",
    "CREATE TRIGGER offer_demand_of_order_deleted BEFORE DELETE ON purchase_request "
    "FOR EACH ROW WHEN (OLD.status = 'active') EXECUTE FUNCTION nrhub_offer_demand_of_order()",
    "DROP TRIGGER IF EXISTS offer_demand_of_offer ON campaign_offer",
    "CREATE TRIGGER offer_demand_of_offer AFTER INSERT ON campaign_offer FOR EACH ROW "
    "EXECUTE FUNCTION nrhub_offer_demand_of_offer()",
]

SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS offer_demand_line_inserted AFTER INSERT ON "
    "purchase_request_line "
    "WHEN (SELECT status FROM purchase_request WHERE id = new.order_id) = 'active' BEGIN "
    "UPDATE offer_demand SET quantity = quantity + new.quantity WHERE offer_id = new.offer_id; "
    "END",
    "CREATE TRIGGER IF NOT EXISTS offer_demand_line_deleted AFTER DELETE ON "
    "purchase_request_line "
    "WHEN (SELECT status FROM purchase_request WHERE id = old.order_id) = 'active' BEGIN "
    "UPDATE offer_demand SET quantity = quantity - old.quantity WHERE offer_id = old.offer_id; "
    "END",
    "CREATE TRIGGER IF NOT EXISTS offer_demand_line_updated AFTER UPDATE OF order_id, "
    "offer_id, quantity ON purchase_request_line BEGIN "
    "UPDATE offer_demand SET quantity = quantity - old.quantity WHERE offer_id = old.offer_id "
    "AND (SELECT status FROM purchase_request WHERE id = old.order_id) = 'active'; "
    "UPDATE offer_demand SET quantity = quantity + new.quantity WHERE offer_id = new.offer_id "
    "AND (SELECT status FROM purchase_request WHERE id = new.order_id) = 'active'; "
    "END",
    "CREATE TRIGGER IF NOT EXISTS offer_demand_order_status AFTER UPDATE OF status ON "
    "purchase_request WHEN (old.status = 'active') IS NOT (new.status = 'active') BEGIN "
    "UPDATE offer_demand SET quantity = quantity "
    "+ (CASE WHEN new.status = 'active' THEN 1 ELSE -1 END) * (SELECT sum(quantity) "
    "FROM purchase_request_line WHERE order_id = new.id AND offer_id = offer_demand.offer_id) "
    "WHERE offer_id IN (SELECT offer_id FROM purchase_request_line WHERE order_id = new.id); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS offer_demand_order_deleted BEFORE DELETE ON "
    "purchase_request WHEN old.status = 'active' BEGIN "
    "UPDATE offer_demand SET quantity = quantity - (SELECT sum(quantity) "
    "FROM purchase_request_line WHERE order_id = old.id AND offer_id = offer_demand.offer_id) "
    "WHERE offer_id IN (SELECT offer_id FROM purchase_request_line WHERE order_id = old.id); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS offer_demand_offer_inserted AFTER INSERT ON campaign_offer "
    "BEGIN INSERT INTO offer_demand (offer_id, quantity) VALUES (new.id, 0); END",
]

# What migration 0020 runs once the triggers are there: every offer's row, counted from the
# lines already written.
COUNT_EXISTING = (
    "INSERT INTO offer_demand (offer_id, quantity) "
    "SELECT campaign_offer.id, coalesce(sum(purchase_request_line.quantity), 0) "
    "FROM campaign_offer "
    "LEFT JOIN purchase_request_line ON purchase_request_line.offer_id = campaign_offer.id "
    "AND purchase_request_line.order_id IN "
    "(SELECT id FROM purchase_request WHERE status = 'active') "
    "GROUP BY campaign_offer.id"
)


def install(connection: Connection) -> None:
    """Create (or replace) the triggers on the tables that exist."""
    statements = POSTGRESQL if connection.dialect.name == "postgresql" else SQLITE
    for statement in statements:
        connection.exec_driver_sql(statement)


# The triggers and functions above, by name, for migration 0020's downgrade.
_POSTGRESQL_TRIGGERS = {
    "offer_demand_of_line": "purchase_request_line",
    "offer_demand_of_order_status": "purchase_request",
    "offer_demand_of_order_deleted": "purchase_request",
    "offer_demand_of_offer": "campaign_offer",
}
_POSTGRESQL_FUNCTIONS = ("line", "order", "offer")
_SQLITE_TRIGGERS = (
    "line_inserted",
    "line_deleted",
    "line_updated",
    "order_status",
    "order_deleted",
    "offer_inserted",
)


def uninstall(connection: Connection) -> None:
    """Drop the triggers (and PostgreSQL's functions) :func:`install` creates."""
    if connection.dialect.name == "postgresql":
        for trigger, table in _POSTGRESQL_TRIGGERS.items():
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in _POSTGRESQL_FUNCTIONS:
            connection.exec_driver_sql(
                f"DROP FUNCTION IF EXISTS nrhub_offer_demand_of_{function}()"
            )
        return
    for trigger in _SQLITE_TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS offer_demand_{trigger}")


def _after_create(_metadata: Any, connection: Connection, **_kw: Any) -> None:
    install(connection)


def register(metadata: MetaData) -> None:
    """Create the triggers once ``db.create_all()`` has created every table."""
    event.listen(metadata, "after_create", _after_create)
