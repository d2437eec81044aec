"""``python -m clustersim.experiments sweep|sensitivity ...``."""

from clustersim.experiments.cli import experiments_cli

if __name__ == "__main__":
    experiments_cli()
