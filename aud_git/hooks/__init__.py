"""Git hooks: installing the shims (`install`), what a hook does when git fires it (`run`:
deferral during rebases, detaching, never waiting on the lock), and what runs in the background
(`background`). The shim itself is a template in the top-level `hooks/` folder, shipped as
`aud_git.hooks.templates`.

Uses the engine and git/. Never imports click or the commands: `aud hook-impl` calls in here."""
