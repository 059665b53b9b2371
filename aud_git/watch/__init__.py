"""`aud watch`: keep the index equal to the working tree, unstaged edits included.

File system events (watchdog) are hints only (`events`): every batch runs the same full
reconciliation as `aud index --incremental` (`loop`), so missed events, atomic saves, directory
moves and changes made while nothing watched all end the same way. Idle, the process sleeps on
a condition variable: no polling loop over the tree.

Uses the engine and git/. Never imports click or the commands."""
