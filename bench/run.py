"""make bench: each benchmark in its own process, then the figures the foundation issue names."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, str(HERE / script), *args], check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    t = run("bench_transitions.py")
    peer = run("bench_peer.py")
    p = run("bench_pdf.py")
    d = run("bench_definitions.py")
    w = run("bench_web.py")
    timers = run("bench_timers.py")
    vote = run("bench_countersign.py")
    batched = run("bench_batch.py")
    elections = run("bench_ballots.py")
    events = run("bench_signups.py")
    print("UnionFlow benchmarks")
    print(f"  proposal transitions/s (service layer, SQLite WAL synchronous=FULL, history + hash chain, no PDF): "
          f"{t['transitions_per_s']} ({t['transitions']} transitions)")
    print(f"  raw SQLite commits/s (same durability):                 {t['raw_commits_per_s']}")
    print(f"  ratio (target >= 0.5):                                    {t['ratio']}")
    print(f"  the app's write alone (same SQL, bare sqlite3):          {t['write_floor_per_s']}/s "
          f"= {t['floor_ratio']} of raw: the ceiling; the service reaches {t['ratio_to_floor']} of it")
    if "skipped" in peer:
        print(f"  beside SpiffWorkflow: skipped ({peer['skipped']})")
    else:
        rounds = [r["ratio"] for r in peer["per_round"]]
        print(f"  beside SpiffWorkflow {peer['spiff']}, the same 7-step proposal at the same durability, interleaved "
              f"({peer['rounds']} rounds of {peer['cases']} cases a side): ours {peer['ours_steps_per_s']} steps/s "
              f"({peer['ours_ms']} ms a step), theirs {peer['theirs_steps_per_s']} ({peer['theirs_ms']} ms)")
        print(f"  ours/theirs, median of the rounds (target >= 1.5):       {peer['ratio']} "
              f"({min(rounds)}-{max(rounds)} per round)")
    print(f"  stage PDF median, warm (1 page):                          {p['stage_pdf_median_ms']} ms "
          f"(target <= 250 ms)")
    print(f"  bare WeasyPrint on the same HTML:                         {p['bare_weasyprint_median_ms']} ms")
    print(f"  ratio (target <= 1.1):                                    {p['ratio']}")
    print(f"  first render in a process:                                {p['first_render_ms']} ms")
    print(f"  peak memory of the rendering process (target <= 400 MB):  {p['peak_rss_mb']} MB")
    print(f"  load + validate {d['definitions']} definition(s):                      {d['load_and_validate_ms']} ms "
          f"(+ {d['build_machines_ms']} ms machines, {d['import_ms']} ms core imports, "
          f"{d['import_processes_ms']} ms the installed processes with the web)")
    print(f"  memory to load definitions:                               {d['python_peak_kb']} KB Python peak, "
          f"{d['rss_growth_mb']} MB RSS growth")
    print(f"Web app under gunicorn (4 workers), {w['cases']:,} cases and {w['events']:,} events in SQLite:")
    for key, name in (("queue_committee", "待办 queue page, committee member"),
                      ("queue_representative", "待办 queue page, representative"), ("case_page", "case page")):
        q = w[key]
        items = f" ({q['items']} cases waiting)" if "items" in q else ""
        print(f"  {name + ':':<56}median {q['median_ms']} ms, p95 {q['p95_ms']} ms{items} (target p95 <= 50 ms)"
              if key != "case_page" else f"  {name + ':':<56}median {q['median_ms']} ms, p95 {q['p95_ms']} ms")
    a = w["approvals"]
    print(f"  approvals (附议) over HTTP, {a['clients']} clients, distinct cases: {a['per_s']}/s "
          f"(target >= 300/s), median {a['median_ms']} ms, p95 {a['p95_ms']} ms (target <= 60 ms), "
          f"{a['errors']} errors of {a['count']}")
    print(f"Timers: flask timers run over {timers['timers']:,} due timers, each firing its step: {timers['run_s']} s, "
          f"{timers['ms_per_timer']} ms per timer ({timers['fired']:,} fired, {timers['left']} left)")
    print(f"会签 vote step through the service layer: {vote['votes_per_s']}/s ({vote['ms_per_vote']} ms a vote; "
          f"{vote['votes']} votes deciding {vote['decided']} cases by majority of 9)")
    print(f"批量同意 of {batched['tasks']} tasks (附议), each its own step, no stage PDF: {batched['seconds']} s "
          f"({batched['ms_per_task']} ms a task; target <= 2 s); {batched['done']} done")
    b, c = elections["ballots"], elections["count"]
    print(f"Elections: ballots cast over HTTP (web ballot page, gunicorn 4 workers, {b['clients']} clients, "
          f"{elections['voters']:,} voters): {b['per_s']}/s (target >= 300/s), median {b['median_ms']} ms, "
          f"p95 {b['p95_ms']} ms (target <= 100 ms), {b['errors']} errors, {b['stored']:,} stored of {b['cast']:,} "
          f"cast; server CPU {b['server_cpu_ms_each']} ms/ballot")
    a = elections["api"]
    print(f"  the same voters through the API (Bearer token, JSON), {a['clients']} clients: {a['per_s']}/s, "
          f"median {a['median_ms']} ms, p95 {a['p95_ms']} ms, {a['errors']} errors, {a['stored']:,} stored of "
          f"{a['cast']:,} cast; server CPU {a['server_cpu_ms_each']} ms/ballot")
    print(f"  count {c['ballots']:,} ballots x {c['candidates']} candidates: tally {c['tally_ms']} ms, "
          f"from the database {c['database_ms']} ms (target <= 1 s)")
    for key, how in (("web", "event page form"), ("api", "API, Bearer token")):
        r = events[key]
        target = " (target >= 300/s)" if key == "web" else ""
        print(f"Events: a rush of sign-ups over HTTP ({how}, gunicorn 4 workers, {r['clients']} clients, "
              f"{events['members']:,} members for {r['places']} places): {r['per_s']}/s{target}, median "
              f"{r['median_ms']} ms, p95 {r['p95_ms']} ms{' (target <= 100 ms)' if target else ''}, {r['errors']} "
              f"errors; {r['confirmed']} places, {r['waitlisted']} waitlisted, {r['distinct_turns']} turns; "
              f"server CPU {r['server_cpu_ms_each']} ms/sign-up")


if __name__ == "__main__":
    main()
