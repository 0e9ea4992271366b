"""Time and memory to load, validate and build the engines of every definition (a cold process).

The shipped definitions name the installed processes' guards and effects, which register when the composition root
(bootstrap.py) imports the plug-ins, Flask and the web with them: that import is timed apart from the core's. The
loading is timed and traced (tracemalloc) after the imports, so its memory is the definitions' own."""
from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    start = time.perf_counter()
    from workflow.core.definition_load import load_dir
    from workflow.core.engine import Engine
    imported = time.perf_counter()
    import bootstrap  # noqa: F401
    installed = time.perf_counter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    began = time.perf_counter()
    definitions = load_dir(ROOT / "definitions", ROOT / "templates" / "pdf")
    loaded = time.perf_counter()
    engines = [Engine(d) for d in definitions.values()]
    built = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"definitions": len(definitions), "import_ms": round((imported - start) * 1000, 1),
                      "import_processes_ms": round((installed - imported) * 1000, 1),
                      "load_and_validate_ms": round((loaded - began) * 1000, 1),
                      "build_machines_ms": round((built - loaded) * 1000, 1),
                      "python_peak_kb": round(peak / 1024),
                      "rss_growth_mb": round((rss_after - rss_before) / 1024, 1), "engines": len(engines)}))


if __name__ == "__main__":
    main()
