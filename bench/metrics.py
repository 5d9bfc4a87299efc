#!/usr/bin/env python3
"""bench/metrics.py — issue 17: what `--metrics-addr` costs. bench/run's GET-survey and write
rows, with metrics off and on.

Started by `bench/run metrics` (which builds the binary). By hand:

    python3 bench/metrics.py --binary target/release/canvass --out bench/RESULTS.md

Four servers in turn, off, on, off, on (so each side runs twice and a drift in the machine's
load hits both sides alike), each a release canvass on loopback with a fresh SQLite database,
seeded as bench/bench.py seeds, then wrk (`-t2 -d${BENCH_DURATION:-10}s --latency`) on
`GET /api/surveys/<id>/`, the seed `PUT` vote and `POST …/responses/` at 16 and 256
connections. After each server: every accepted write is counted (exit 2 otherwise) and, with
metrics on, the scrape agrees with wrk (the survey GETs counted under their route template, the
responses recorded equal to the survey's count). Writes the "## Metrics on and off (issue 17)"
section of RESULTS.md, replacing a previous one and leaving the rest as it is. Python 3's
standard library only; every wait is bounded.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench

SIDES = ("off", "on", "off", "on")


class Server:
    """A release canvass on 127.0.0.1:0 with its own database; `metrics` adds --metrics-addr."""

    def __init__(self, binary, workdir, metrics):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CANVASS_")}
        env.update(
            CANVASS_SECRET=os.urandom(32).hex(),
            CANVASS_DB=str(Path(workdir) / "canvass.db"),
            # wrk opens up to 256 connections from one loopback address (bench/run does the same).
            CANVASS_MAX_CONNECTIONS_PER_ADDRESS="4096",
            RUST_LOG="warn",
        )
        args = [binary, "serve", "--addr", "127.0.0.1:0"]
        if metrics:
            args += ["--metrics-addr", "127.0.0.1:0"]
        self.out = open(Path(workdir) / "canvass.out", "w+")
        self.err = open(Path(workdir) / "canvass.err", "w+")
        self.proc = subprocess.Popen(args, env=env, stdout=self.out, stderr=self.err)
        lines = self._wait_for("canvass listening on http://")
        self.addr = lines[-1].split("http://", 1)[1].split()[0]
        self.metrics_addr = next(
            (l.split("http://", 1)[1].split("/")[0] for l in lines if l.startswith("canvass metrics on")),
            None,
        )
        if metrics and not self.metrics_addr:
            sys.exit(f"bench: no `canvass metrics on` line before listening: {lines}")

    def _wait_for(self, prefix):
        for _ in range(300):
            self.out.seek(0)
            lines = self.out.read().splitlines()
            if lines and lines[-1].startswith(prefix):
                return lines
            if self.proc.poll() is not None:
                self.err.seek(0)
                sys.exit(f"bench: canvass exited before listening: {self.err.read()}")
            time.sleep(0.1)
        sys.exit("bench: canvass did not listen within 30 s")

    def scrape(self):
        with bench.OPENER.open(f"http://{self.metrics_addr}/metrics", timeout=10) as resp:
            return resp.read().decode()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)


def sample(text, series):
    m = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def one_server(binary, side):
    """Runs every row on a fresh server; (rows, notes)."""
    with tempfile.TemporaryDirectory(prefix="canvass-bench-metrics.") as work:
        server = Server(binary, work, metrics=side == "on")
        bench.WATCHED[:] = [server.proc.pid]
        try:
            base = server.addr
            s = bench.seed(base)
            sid = s["id"]
            one = f"http://{base}/api/surveys/{sid}/"
            send_seconds = bench.DURATION - bench.WRITE_TAIL
            ids = (sid, s["q1"], s["q2"], ",".join(map(str, s["c1"])), ",".join(map(str, s["c2"])), send_seconds)
            rows = []
            for label, url, script, args in (
                ("GET /api/surveys/<id>/", one, None, ()),
                ("PUT /api/surveys/<id>/ (seed vote)", one, "write.lua", ("vote", *ids)),
                ("POST /api/surveys/<id>/responses/", f"{one}responses/", "write.lua", ("response", *ids)),
            ):
                for c in (bench.LOW, bench.HIGH):
                    sending = send_seconds if script else None
                    r = bench.run_wrk(url, c, f"{label} [metrics {side}]", script, args, None, sending)
                    r.update(scenario=label, side=side)
                    rows.append(r)
            notes = check(server, sid, rows, side)
        finally:
            server.stop()
    return rows, notes


def check(server, sid, rows, side):
    """Every accepted write counted; with metrics on, the scrape agrees with wrk and the store."""
    results = bench.must(server.addr, "GET", f"/api/surveys/{sid}/results/")
    counted = results.get("responses")
    accepted = sum(r["ok"] for r in rows if not r["scenario"].startswith("GET"))
    if counted != accepted:
        print(f"!!! COUNTING MISMATCH (metrics {side}): counted {counted} of {accepted} accepted", file=sys.stderr)
        sys.exit(2)
    note = f"metrics {side}: {accepted} writes accepted, {counted} counted"
    if side == "on":
        text = server.scrape()
        gets = sample(text, 'canvass_http_requests_total{route="/api/surveys/{id}/",method="GET",status="200"}')
        recorded = sample(text, "canvass_responses_recorded_total")
        batches = sample(text, "canvass_write_batch_size_count")
        in_batches = sample(text, "canvass_write_batch_size_sum")
        wrk_gets = sum(r["total"] for r in rows if r["scenario"].startswith("GET"))
        # wrk leaves the answers in flight at its end unread: the server counted those too.
        if gets is None or gets < wrk_gets or recorded != counted:
            print(f"!!! metrics disagree: GETs {gets} < wrk's {wrk_gets}, or recorded {recorded} != {counted}", file=sys.stderr)
            sys.exit(2)
        note += (
            f"; the scrape: {gets:.0f} survey GETs (wrk read {wrk_gets}), {recorded:.0f} responses recorded, "
            f"{batches:.0f} commits of {in_batches / batches:.1f} responses on average"
        )
    return [note]


SECTION = bench.METRICS_HEADING


def write_section(path, text):
    """Puts `text` (starting with SECTION) in place of the old section, else before the
    PostgreSQL section (bench/postgres.py rewrites from there on), else at the end."""
    old = path.read_text() if path.exists() else ""
    at = old.find(f"\n{SECTION}\n")
    if at >= 0:
        end = old.find("\n## ", at + 1)
        old = old[: at + 1] + (old[end + 1 :] if end >= 0 else "")
    pg = old.find(f"\n{bench.POSTGRES_HEADING}\n")
    if pg >= 0:
        new = old[: pg + 1].rstrip("\n") + "\n\n" + text + "\n" + old[pg + 1 :]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new)


def report(rows, notes, m):
    def mean(xs):
        xs = [x for x in xs if x is not None]
        return sum(xs) / len(xs) if xs else None

    out = [SECTION + "\n"]
    out.append(
        f"`bench/run metrics` ({m['date']}, commit {m['commit']}, {m['nproc']} cores: {m['cpu']}; {m['wrk']}). "
        f"Four release servers in turn — metrics off, on, off, on — each on a fresh SQLite database, seeded "
        f"as above; wrk `-t2 -d{bench.DURATION}s --latency` from the same machine. `on` is `--metrics-addr "
        f"127.0.0.1:0`, scraped once after the runs. Write runs send for {bench.DURATION - bench.WRITE_TAIL:g} s. "
        "The machine's 2 cores are shared with other engineers' builds: `others' CPU` says how much they took "
        "during the run.\n"
    )
    out.append("| scenario | conns | metrics | req/s, run 1 | req/s, run 2 | p99, run 1 | p99, run 2 | others' CPU | mean req/s |")
    out.append("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    changes = []
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    for scenario in scenarios:
        for c in (bench.LOW, bench.HIGH):
            means = {}
            for side in ("off", "on"):
                runs = [r for r in rows if r["scenario"] == scenario and r["conns"] == c and r["side"] == side]
                rps = [r["rps"] for r in runs]
                means[side] = mean(rps)
                others = ", ".join("–" if r["other_cores"] is None else f"{r['other_cores']:.2f}" for r in runs)
                out.append(
                    f"| {scenario} | {c} | {side} | "
                    + " | ".join(f"{x:,.0f}" for x in rps)
                    + " | "
                    + " | ".join(bench.fmt_ms(r["p99"]) for r in runs)
                    + f" | {others} | {means[side]:,.0f} |"
                )
            if means["off"] and means["on"]:
                changes.append((scenario, c, means["on"] / means["off"] - 1))
    out.append("")
    out.append(
        "Mean req/s with metrics on against off: "
        + "; ".join(f"{s} at {c}: {d:+.1%}" for s, c, d in changes)
        + ".\n"
    )
    out.append("Checks: " + "; ".join(notes) + ".\n")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--out", default=str(bench.BENCH_DIR / "RESULTS.md"))
    a = ap.parse_args()
    m = bench.machine()
    rows, notes = [], []
    for side in SIDES:
        bench.log(f"metrics {side}: a fresh server")
        r, n = one_server(a.binary, side)
        rows += r
        notes += n
    text = report(rows, notes, m)
    write_section(Path(a.out), text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
