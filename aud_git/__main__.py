from __future__ import annotations

from aud_git.entry import main

main()
