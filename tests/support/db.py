"""Database-side behaviour the tests need from a real database."""

from __future__ import annotations

from monitor.store import Store


def refuse_poisoned_titles(store: Store) -> None:
    """A real database-side refusal of one feed's content (what a NUL byte is to PostgreSQL), as a trigger."""
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                "IF strpos(NEW.title, 'poison') > 0 THEN "
                "RAISE EXCEPTION 'poisoned title refused' USING ERRCODE = '22000'; "
                "END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
            conn.exec_driver_sql("CREATE TRIGGER refuse_poison BEFORE INSERT ON articles FOR EACH ROW "
                                 "EXECUTE FUNCTION refuse_poison()")
        else:
            conn.exec_driver_sql("CREATE TRIGGER refuse_poison BEFORE INSERT ON articles "
                                 "WHEN NEW.title LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned title refused');"
                                 " END")
