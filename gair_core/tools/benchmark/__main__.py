"""`python -m gair_core.tools.benchmark`: see `runner.main`."""

from .runner import main

if __name__ == "__main__":
    raise SystemExit(main())
