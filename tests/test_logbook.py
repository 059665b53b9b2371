from __future__ import annotations

from aud_git.logbook import LOG_BACKUPS, MAX_LOG_BYTES, log_line


def test_a_log_rotates_and_keeps_a_bounded_number_of_old_files(tmp_path):
    pf_dir = tmp_path / ".pf"
    entry = "x" * 1000
    for _ in range(4 * MAX_LOG_BYTES // len(entry)):
        log_line(str(pf_dir), entry, "hooks.log")
    logs = sorted(p.name for p in pf_dir.iterdir())
    assert logs == ["hooks.log", *(f"hooks.log.{i}" for i in range(1, LOG_BACKUPS + 1))]
    assert all((pf_dir / name).stat().st_size <= MAX_LOG_BYTES for name in logs)
    assert (pf_dir / "hooks.log").read_text().endswith(entry + "\n")
