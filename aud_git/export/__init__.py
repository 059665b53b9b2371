"""Files made from the index for other tools: tags files for editors (`tags`).

A tags file that `aud tags --keep` recorded in this repository's git configuration (`aud.tags`,
`aud.tagsFormat`: never read from the working tree, which anyone may have written) is kept
fresh by the hooks and `aud watch` after each update that changed files (`keep_fresh`).

Reads the database; uses git/ for the configuration. Never imports the engine, the linker,
click or the commands."""
from __future__ import annotations

import os

from aud_git.contract import OUTPUT_VERSION, TagsReport
from aud_git.errors import AudError
from aud_git.git.workspace import Workspace, ensure_excluded

TAGS_KEY = "aud.tags"
FORMAT_KEY = "aud.tagsFormat"


def write_tags(workspace: Workspace, output: str, etags: bool) -> TagsReport:
    from aud_git.db import store
    from aud_git.export.tags import render, write_if_changed

    conn = store.connect(workspace.db_path, must_exist=True, readonly=True)
    try:
        made = render(conn, workspace.workdir, output, etags)
    finally:
        conn.close()
    _keep_out_of_gits_view(workspace, output)
    written = write_if_changed(output, made.content)
    return TagsReport(version=OUTPUT_VERSION, output=output, format="etags" if etags else "ctags",
                      tags=made.tags, written=written, left_out=made.left_out)


def _keep_out_of_gits_view(workspace: Workspace, output: str) -> None:
    """A tags file in the working tree would be indexed itself, and every rewrite would make
    the index stale: like `.pf/`, it goes into `info/exclude` (unless git tracks it)."""
    relative = os.path.relpath(os.path.abspath(output), workspace.workdir)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return
    posix = relative.replace(os.sep, "/")
    if workspace.tracks(posix):
        return
    ensure_excluded(workspace, "/" + _escaped_pattern(posix), "aud-git's tags file")


def _escaped_pattern(path: str) -> str:
    """`path` as a gitignore pattern that matches it alone."""
    return "".join("\\" + c if c in "*?[]!#\\ " else c for c in path)


def kept_tags(workspace: Workspace) -> tuple[str, bool] | None:
    """The tags file this repository keeps fresh (an absolute path inside the working tree),
    and whether it is in etags format."""
    recorded = workspace.config_value(TAGS_KEY)
    if not recorded:
        return None
    output = os.path.normpath(os.path.join(workspace.workdir, recorded))
    # The directory as the file system resolves it: a directory the repository made a link
    # (`docs -> /elsewhere`) must not carry the hooks' writes out of the working tree.
    directory = os.path.realpath(os.path.dirname(output))
    inside = os.path.realpath(workspace.workdir)
    if not output.startswith(workspace.workdir + os.sep) or \
            not (directory == inside or directory.startswith(inside + os.sep)):
        raise AudError(f"git config {TAGS_KEY} = {recorded!r} is outside the working tree")
    return output, workspace.config_value(FORMAT_KEY) == "etags"


def keep(workspace: Workspace, output: str, etags: bool) -> None:
    relative = os.path.relpath(os.path.abspath(output), workspace.workdir)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        raise AudError(f"--keep: {output} is outside the working tree")
    workspace.set_config_flag(TAGS_KEY, relative)
    workspace.set_config_flag(FORMAT_KEY, "etags" if etags else "ctags")


def keep_fresh(workspace: Workspace, changed: bool) -> TagsReport | None:
    """After an update: rewrite the kept tags file when files changed (or it is missing)."""
    kept = kept_tags(workspace)
    if kept is None or not (changed or not os.path.lexists(kept[0])):
        return None
    return write_tags(workspace, *kept)


def refresh_note(workspace: Workspace, changed: bool) -> str | None:
    """`keep_fresh` for the hooks and the watcher, which never fail for it: what it did, or why
    it could not, as a note for their log."""
    import sqlite3

    try:
        report = keep_fresh(workspace, changed)
    except (AudError, OSError, sqlite3.Error) as exc:
        return f"tags not refreshed: {exc}"
    if report is None or not report["written"]:
        return None
    return f"{report['output']}: {report['tags']} tags"
