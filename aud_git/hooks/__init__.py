"""Git hooks: installing the shims (`install`), what a hook does when git fires it (`run`:
detaching, queueing, deferral during rebases, never waiting on the lock) and its door
(`entry`, the argument parser that loads no click). What runs in the background is read by
`aud_git.activity`. The shim itself is a template in the top-level `hooks/` folder, shipped as
`aud_git.hooks.templates`.

Uses the engine and git/. Never imports click or the commands: `aud hook-impl` and `python -m aud_git hook-impl` call
`entry`."""
