"""Runs in bench_peer.py's throwaway venv, never in the project's: the peer harness's own host loop
(../shared/peers/spiff_bench.py, imported as it is), one batch of cases per request, so that bench_peer.py can
interleave the peer's batches with ours in one run.

Usage: spiff_driver.py PEERS_DIR WORKDIR. Prints one JSON line when ready, then reads a number of cases per line
from stdin and answers each with one JSON line: per host ("engine" = SpiffWorkflow, "raw" = the harness's baseline
without an engine), steps/s, steps and the mean ms per step of each part the harness times.
"""
import json
import platform
import sqlite3
import sys


def main() -> None:
    peers, workdir = sys.argv[1], sys.argv[2]
    sys.path.insert(0, peers)
    import spiff_bench as peer  # the harness itself: the spec parsed once, the same host loop and SQL

    hosts = {"engine": peer.SpiffHost(), "raw": peer.RawHost()}
    print(json.dumps({"spiff": peer.SPIFF_VERSION, "python": platform.python_version(),
                      "sqlite": sqlite3.sqlite_version, "steps_per_case": len(peer.STEPS)}), flush=True)
    for line in sys.stdin:
        result = peer.one_run(hosts, int(line), workdir)  # fresh database files, engine and raw case by case
        print(json.dumps({name: {"rate": r["rate"], "steps": r["steps"],
                                 "ms": {k: 1000 * v / r["steps"] for k, v in r["t"].items() if not k.startswith("(")}}
                          for name, r in result.items()}), flush=True)


if __name__ == "__main__":
    main()
