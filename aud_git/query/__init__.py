"""The read side: questions over the index (`questions`), read-only SQL (`sql`), and the cheap
staleness check readers run first (`freshness`).

Never imports pygit2, tree-sitter, the engine or the linker: a query must start fast and must
never write."""
