from __future__ import annotations

from aud_git.commands import main

main()
