"""Print one setting as the app sees it (environment and .env): `setting.py NAME`."""

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(name: str) -> None:
    settings = importlib.import_module("config.settings")
    print(getattr(settings, name, "") or "")


if __name__ == "__main__":
    main(sys.argv[1])
