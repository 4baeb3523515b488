"""Database triggers counting each period's changes (`period.revision`).

Every insert, update and delete of a period's answers, finished sections and kept checks
adds one to the period's revision, whoever writes it (this process, another instance,
the command line, an SQL console): an event may then trust what it read of a period at
a revision while the revision has not moved (`bot.store.answers_cache`). Created by the
migration 0015 and again after every migration (`Database.migrate`): SQLite drops a
table's triggers when a migration copies the table to alter it.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

# The tables whose rows belong to a period and make up what an event reads of it.
COUNTED = ("answer", "sectionprogress", "confirmedcheck")
_FUNCTION = "baocao_period_revision"


def _sqlite_statements() -> list[str]:
    bump = "UPDATE period SET revision = revision + 1 WHERE id"
    statements = []
    for table in COUNTED:
        bodies = {
            "insert": f"{bump} = NEW.period_id;",
            # Once for each period the row belonged to (IN counts the same one once).
            "update": f"{bump} IN (OLD.period_id, NEW.period_id);",
            "delete": f"{bump} = OLD.period_id;",
        }
        for operation, body in bodies.items():
            name = f"{table}_revision_{operation}"
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} "
                f"FOR EACH ROW BEGIN {body} END"
            )
    return statements


def _postgresql_statements() -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE period SET revision = revision + 1 WHERE id = OLD.period_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.period_id IS DISTINCT FROM OLD.period_id)
    THEN
        UPDATE period SET revision = revision + 1 WHERE id = NEW.period_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql"""
    ]
    for table in COUNTED:
        name = f"{table}_revision"
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(
            f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()"
        )
    return statements


def create_triggers(connection: Connection) -> None:
    """(Re)creates the counting triggers, on SQLite or PostgreSQL."""
    dialect = connection.dialect.name
    statements = _sqlite_statements() if dialect == "sqlite" else _postgresql_statements()
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_triggers(connection: Connection) -> None:
    """Drops the counting triggers."""
    for table in COUNTED:
        if connection.dialect.name == "sqlite":
            for operation in ("insert", "update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_revision_{operation}")
        else:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_revision ON {table}")
    if connection.dialect.name != "sqlite":
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
