"""Write the pattern list of docs/validation.md from the suite's data (patterns.yaml).

Usage: ``python docs/gen_validation_docs.py --write`` (or ``--check``: exit 1 when stale). The
block between "## The patterns" and "## Adding a pattern" is generated; edit patterns.yaml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from clustersim.validation import load_patterns

DOC = Path(__file__).resolve().parent / "validation.md"
START, END = "## The patterns\n", "## Adding a pattern\n"


def _value(v: object) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def render() -> str:
    parts = [START, "\n"]
    for p in load_patterns():
        measured = f"`{p.measure}` on `{p.scenario}`"
        if p.variants:
            measured += "; variants " + "; ".join(
                f"`{name}`: " + ", ".join(f"`{k}={_value(v)}`" for k, v in ov.items())
                for name, ov in p.variants.items())
        if p.params:
            measured += "; params " + ", ".join(f"`{k}={_value(v)}`" for k, v in p.params.items())
        parts += [f"### `{p.name}`\n\n", f"*{p.statement}*\n\n",
                  f"- **Source:** {p.source}\n", f"- **Target:** {p.target}\n",
                  f"- **Accepted:** `{p.range_text()}`. {p.why}\n",
                  f"- **Measured:** {measured}\n\n"]
    return "".join(parts)


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    new = head + render() + END + tail
    if "--check" in argv:
        if new != text:
            print(f"{DOC} pattern list is stale: run python docs/gen_validation_docs.py --write")
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    print(f"rewrote the pattern list in {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
