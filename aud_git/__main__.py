from __future__ import annotations

import sys

if sys.argv[1:2] in (["hook-impl"], ["hook"]):  # the hooks' door never loads click
    from aud_git.hooks.entry import main as hook_main

    hook_main(sys.argv[2:])
else:
    from aud_git.commands import main

    main()
