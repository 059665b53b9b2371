"""`aud mcp`: a long-lived server that keeps the index fresh in its own process and answers
(`fresh`: is the tree still what the last update saw, else update; `server`: the MCP tools over
stdio). The only stage that imports the `mcp` SDK.

Uses the engine, the queries, hooks' status report and git/. Never imports click, the commands
or watch."""
