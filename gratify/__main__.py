from __future__ import annotations

from gratify.cli import main

raise SystemExit(main())
