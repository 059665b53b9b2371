from __future__ import annotations

from aud_git.cli import main

main()
