#!/usr/bin/env python3
"""Compare a run's figures with the recorded ones: guard.py EXPECTED FIGURES

EXPECTED holds `name key value` lines (the figures BENCHMARKS.md states); FIGURES holds the
run's lines, `name key=value ...`. A figure more than 25 % off its recorded value, or missing,
fails the run loudly: BENCHMARKS.md no longer says what the binary does, and must be measured
again (then EXPECTED updated with it)."""
import sys

TOLERANCE = 0.25


def measured(path):
    figs = {}
    for line in open(path):
        name, _, rest = line.strip().partition(" ")
        for tok in rest.split():
            key, eq, value = tok.partition("=")
            if eq:
                try:
                    figs.setdefault(name, {})[key] = float(value.rstrip("%"))
                except ValueError:
                    pass
    return figs


def main(expected_path, figures_path):
    figs = measured(figures_path)
    stale = []
    for line in open(expected_path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, key, value = line.split()
        want = float(value)
        got = figs.get(name, {}).get(key)
        if got is None:
            stale.append(f"{name} {key}: not measured (recorded {want:g})")
            continue
        off = abs(got - want) / want if want else abs(got)
        mark = "ok   " if off <= TOLERANCE else "STALE"
        print(f"{mark} {name} {key}: {got:g} against {want:g} recorded ({off:+.0%})")
        if off > TOLERANCE:
            stale.append(f"{name} {key}: {got:g}, recorded {want:g} ({off:.0%} off)")
    if stale:
        print("\n!!! BENCHMARKS.md IS STALE: these figures moved more than 25 % !!!", file=sys.stderr)
        for s in stale:
            print(f"!!!   {s}", file=sys.stderr)
        print("!!! measure again, then update BENCHMARKS.md and bench/spine.expected", file=sys.stderr)
        sys.exit(1)
    print("every figure is within 25 % of BENCHMARKS.md")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
