#!/usr/bin/env python3
"""`python build.py [options]` does what `newsarchive build [options]` does."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from newsarchive.cli import main  # noqa: E402

if __name__ == "__main__":
    main(["build", *sys.argv[1:]])
