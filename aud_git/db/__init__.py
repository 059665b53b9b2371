"""The SQLite files: the schema (`schema`), connections and the write transaction (`store`),
the canonical dump and digest (`dump`), and the advisory extraction and link cache (`cache`).

Never imports git/, the linker, the engine, the hooks, the queries or the commands."""
