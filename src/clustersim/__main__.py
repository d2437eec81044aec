"""``python -m clustersim``: the ``clustersim`` command (same as the console script)."""

from clustersim.cli import run

if __name__ == "__main__":
    run()
