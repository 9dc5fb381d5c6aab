"""Print a per-file table of mutmut's results, then the names of the surviving mutants.

Reads the meta files mutmut 3 writes next to each mutated file in mutants/.
Usage: python scripts/mutation_report.py bot/domain/scoring.py [more files]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

HEADINGS = ("file", "mutants", "killed", "survived", "timeout/suspicious", "other", "score")


def statuses(source: str) -> dict[str, str]:
    meta = json.loads((Path("mutants") / f"{source}.meta").read_text())
    return {name: status_by_exit_code[code] for name, code in meta["exit_code_by_key"].items()}


def row(source: str, found: dict[str, str]) -> tuple[str, ...]:
    counts = Counter(found.values())
    # mutmut counts a mutant the type checker rejects as killed too.
    killed = counts["killed"] + counts["caught by type check"]
    odd = counts["timeout"] + counts["suspicious"]
    other = len(found) - killed - counts["survived"] - odd
    score = f"{100 * killed / len(found):.1f}%" if found else "-"
    return (source, *map(str, (len(found), killed, counts["survived"], odd, other)), score)


def main(sources: list[str]) -> None:
    found = {source: statuses(source) for source in sources}
    rows = [HEADINGS] + [row(source, found[source]) for source in sources]
    everything = {name: status for each in found.values() for name, status in each.items()}
    rows.append(row("total", everything))
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADINGS))]
    for r in rows:
        cells = [cell.rjust(width) for cell, width in zip(r, widths, strict=True)]
        print("  ".join([r[0].ljust(widths[0]), *cells[1:]]))
    left = [name for name, status in everything.items() if status != "killed"]
    left.sort(key=lambda name: (name.rpartition("_")[0], int(name.rpartition("_")[2])))
    if left:
        print("\nNot killed (see one with: mutmut show NAME):")
        for name in left:
            print(f"  {everything[name]:<10} {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
