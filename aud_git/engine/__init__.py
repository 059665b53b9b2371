"""The engine: one update (`update`: lock, snapshot, plan, then a full `build` or the named
incremental steps), what it depends on (`identity`), what it did (`summary`), and the checks
(`validate` after updates, `verify` on demand, `status` without writing).

Uses git/, extract/, db/ and link/. Never imports click, the commands, the hooks or watch:
progress arrives through a callback and results are returned as data."""
