"""Read and write the chassis_state key/value table."""
from sqlalchemy import select, update, insert

from services.chassis.tables import chassis_state


def get(engine, key: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(chassis_state.c.value).where(chassis_state.c.key == key)).scalar()


def put(conn, key: str, value: str) -> None:
    done = conn.execute(update(chassis_state).where(chassis_state.c.key == key).values(value=value))
    if done.rowcount == 0:
        conn.execute(insert(chassis_state).values(key=key, value=value))
