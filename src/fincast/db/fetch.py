"""Reading a query's many rows into a DataFrame with the driver's fastest path.

On psycopg2 the statement's rows leave the server as ``COPY (...) TO STDOUT`` CSV and are
parsed by pandas' C reader: for the hundreds of thousands of rows of a batch partition's
panel aggregate that is about a quarter of the cost of building a Python tuple per row and a
frame from them (docs/benchmarks.md, "Batch scoring"). Elsewhere it is ``execute().all()``.
On psycopg2 the statement's columns must be numbers (a CSV field carries no type; other
drivers return their values as ``execute`` does): ``columns`` names them in order,
``dtypes`` what they become.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import pandas as pd
from sqlalchemy import Connection, Select


def read_numeric_frame(
    conn: Connection,
    stmt: Select[tuple[object, ...]],
    columns: Sequence[str],
    dtypes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The rows of ``stmt`` (numeric columns, NULL allowed) as a frame of ``columns``."""
    kinds = dict(dtypes or {})
    if conn.dialect.driver != "psycopg2":
        frame = pd.DataFrame(conn.execute(stmt).all(), columns=list(columns))
        return frame.astype(kinds) if kinds else frame
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        # mogrify binds the parameters exactly as execute() would (psycopg2's quoting).
        sql = cursor.mogrify(compiled.string, compiled.params).decode()
        buf = io.StringIO()
        cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", buf)
    finally:
        cursor.close()
    if not buf.tell():
        return pd.DataFrame({c: pd.Series(dtype=kinds.get(c, "float64")) for c in columns})
    buf.seek(0)
    return pd.read_csv(buf, header=None, names=list(columns), dtype=kinds or None)


__all__ = ["read_numeric_frame"]
