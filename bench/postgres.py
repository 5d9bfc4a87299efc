#!/usr/bin/env python3
"""The PostgreSQL rows of the benchmark: one replica, then two replicas on one database.

`bench/run --db postgres` starts a throwaway cluster, the replicas and the hello example, and
calls this. It reuses bench.py's seeding, wrk command, parsing, load accounting and formatting,
checks that every accepted write is counted (on every replica), and writes the `## PostgreSQL`
section at the end of bench/RESULTS.md, leaving the SQLite part above it as it was. By hand:
    bench/postgres.py --hello 127.0.0.1:P --hello-pid PID --postmaster-pid PID \\
        --replica one 127.0.0.1:P PID LOG --replica two 127.0.0.1:P PID LOG \\
        --replica two 127.0.0.1:P PID LOG --out bench/RESULTS.md
Python 3 standard library only. Every step is bounded in time.
"""

import argparse
import ipaddress
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import bench
from bench import DURATION, HIGH, LOW, WRITE_TAIL, WRK_THREADS, fmt_mib, fmt_ms, log, must

# The replicas' promise (src/server/store/postgres/listener.rs): a write on one shows in the
# others' reads within this.
STALENESS = 1.0
# How long a count that is wrong after STALENESS is re-read, to tell "late" from "lost".
RECHECK = 10.0


@dataclass
class Replica:
    name: str  # "A", "B", …
    addr: str
    pid: int
    log: str


# ---------------------------------------------------------------- the database's CPU


def db_waiting_ns():
    """{pid: ns spent runnable but waiting for a CPU} of the postmaster and its children
    (/proc/PID/schedstat, second field)."""
    pids = [*bench.WATCHED_PARENTS, *bench.children_of(set(bench.WATCHED_PARENTS))]
    waits = {}
    for pid in pids:
        try:
            waits[pid] = int(Path(f"/proc/{pid}/schedstat").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            pass
    return waits


# ---------------------------------------------------------------- running wrk on replicas


def run_split(targets, conns, label, path, script=None, args=(), send_seconds=None, sample=False):
    """`conns` connections split evenly over `targets` (one wrk process each, all at once).

    Two wrk threads in all, as a single-server run has: one each for two targets. The row's
    req/s is the sum; p50 and p99 are the worse of the processes' (percentiles do not add).
    """
    bench.wait_for_quiet(f"{label} at {conns}")
    other = bench.OtherLoad()
    waits0 = db_waiting_ns()
    started = time.monotonic()
    each, threads = conns // len(targets), max(1, WRK_THREADS // len(targets))
    procs = [
        subprocess.Popen(
            bench.wrk_cmd(f"http://{t.addr}{path}", each, script, args, threads),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for t in targets
    ]
    samplers = [bench.Sampler(t.pid) for t in targets] if sample else []
    for s in samplers:
        s.start()
    try:
        name = (lambda t: f" via {t.name}") if len(targets) > 1 else (lambda t: "")
        parts = [bench.finish_wrk(p, f"{label}{name(t)}", each, send_seconds) for p, t in zip(procs, targets)]
    finally:
        for s in samplers:
            s.stop()
    elapsed = time.monotonic() - started
    errors = {k: sum(p["errors"].get(k, 0) for p in parts) for k in ("connect", "read", "write", "timeout")}
    worst = lambda key: max((p[key] for p in parts if p[key] is not None), default=None)  # noqa: E731
    row = {
        "label": label,
        "conns": conns,
        "replicas": len(targets),
        "rps": sum(p["rps"] for p in parts),
        "split": [p["rps"] for p in parts],
        "ok": sum(p["ok"] for p in parts),
        "ok_split": [p["ok"] for p in parts],
        "total": sum(p["total"] for p in parts),
        "non2xx": sum(p["non2xx"] for p in parts),
        "errors": errors if any(errors.values()) else {},
        "p50": worst("p50"),
        "p99": worst("p99"),
        "seconds": max(p["seconds"] for p in parts),
        "other_cores": other.cores(),
    }
    row["db_cores"] = other.db_cores(elapsed)
    waits1 = db_waiting_ns()
    row["db_waiting"] = sum(w - waits0.get(p, 0) for p, w in waits1.items()) / 1e9 / elapsed
    if samplers:
        row["rss_peak_kib"] = [s.peak_kib for s in samplers]
    if len(parts) > 1:
        log(
            f"{label} c={conns} over {len(parts)} replicas: {row['rps']:.0f} req/s in all, "
            f"database {row['db_cores'] or 0:.2f} cores"
        )
    return row


# ---------------------------------------------------------------- counting


def counts(replicas, sid):
    """{name: (responses from GET /api/surveys/<id>/, responses from …/results/, per question)}."""
    seen = {}
    for r in replicas:
        survey = must(r.addr, "GET", f"/api/surveys/{sid}/")
        results = must(r.addr, "GET", f"/api/surveys/{sid}/results/")
        per_question = [sum(ch["count"] for ch in q["choices"]) for q in results.get("questions", [])]
        seen[r.name] = (survey.get("responses"), results.get("responses"), per_question)
    return seen


def exact(seen, accepted):
    return all(a == accepted and b == accepted and all(n == accepted for n in q) for a, b, q in seen.values())


def check_counts(replicas, sid, accepted):
    """Reads the counts on every replica once the staleness bound has passed since the last
    write run; if any is wrong, keeps re-reading (≤ RECHECK s) to see whether it was late."""
    time.sleep(STALENESS)
    first = counts(replicas, sid)
    if exact(first, accepted):
        return {"ok": True, "first": first, "last": first, "late": None}
    started = time.monotonic()
    last = first
    while time.monotonic() - started < RECHECK:
        time.sleep(0.2)
        last = counts(replicas, sid)
        if exact(last, accepted):
            return {"ok": False, "first": first, "last": last, "late": STALENESS + time.monotonic() - started}
    return {"ok": False, "first": first, "last": last, "late": None}


def describe_counts(check, accepted):
    def one(seen):
        return "; ".join(
            f"{name}: survey {a}, results {b}, per question {q}" for name, (a, b, q) in seen.items()
        )

    if check["ok"]:
        return f"exact on every replica ({one(check['first'])})"
    text = f"**MISMATCH** {STALENESS:g} s after the last write run: {one(check['first'])}, against {accepted} accepted"
    if check["late"] is not None:
        return text + f"; exact {check['late']:.1f} s after it (later than the {STALENESS:g} s bound)"
    return text + f"; still {one(check['last'])} {STALENESS + RECHECK:g} s after it"


# ---------------------------------------------------------------- one topology


def wait_until_visible(replicas, sid, limit=10.0):
    """The survey made on the first replica, readable on every other one (≤ `limit` s)."""
    deadline = time.monotonic() + limit
    for r in replicas[1:]:
        while True:
            status, _ = bench.call(r.addr, "GET", f"/api/surveys/{sid}/")
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: survey {sid} is not on replica {r.name} after {limit:g} s ({status})")
            time.sleep(0.05)


def measure(replicas):
    """Seeds through the first replica, runs the three scenarios at LOW and HIGH over all of
    them, and checks the counts on each."""
    first = replicas[0]
    log(f"{len(replicas)} replica(s): seeding through {first.name} at {first.addr}")
    s = bench.seed(first.addr)
    sid = s["id"]
    wait_until_visible(replicas, sid)
    idle = [bench.proc_status(r.pid)[0] for r in replicas]
    one = f"/api/surveys/{sid}/"
    send_seconds = DURATION - WRITE_TAIL
    ids = (sid, s["q1"], s["q2"], ",".join(map(str, s["c1"])), ",".join(map(str, s["c2"])), send_seconds)
    rows = []
    for label, path, script, args in (
        ("GET /api/surveys/<id>/", one, None, ()),
        ("PUT /api/surveys/<id>/ (seed vote)", one, "write.lua", ("vote", *ids)),
        ("POST /api/surveys/<id>/responses/", f"{one}responses/", "write.lua", ("response", *ids)),
    ):
        for c in (LOW, HIGH):
            rows.append(
                run_split(replicas, c, label, path, script, args, send_seconds if script else None, c == HIGH)
            )
    writes = [r for r in rows if script_row(r)]
    accepted = sum(r["ok"] for r in writes)
    check = check_counts(replicas, sid, accepted)
    by_replica = [sum(r["ok_split"][i] for r in writes) for i in range(len(replicas))]
    log(f"{len(replicas)} replica(s): {accepted} accepted; {describe_counts(check, accepted)}")
    return {"replicas": replicas, "rows": rows, "sid": sid, "accepted": accepted, "by_replica": by_replica,
            "writes": writes, "check": check, "idle_kib": idle}


def script_row(r):
    return r["label"].startswith(("PUT", "POST"))


# ---------------------------------------------------------------- report


def section(m, a, ceiling, ceiling_rows, phases, load_start):
    out = [bench.POSTGRES_HEADING + "\n"]
    out.append(
        f"- machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem']} RAM, Linux {m['kernel']}\n"
        f"- date: {m['date']}\n- commit: {m['commit']}\n"
        f"- load average (1, 5, 15 min) before the runs: {', '.join(load_start)}; after: "
        f"{', '.join(Path('/proc/loadavg').read_text().split()[:3])}\n"
        f"- database: {a.pg_version}, a throwaway cluster started by `bench/run --db postgres` on "
        f"loopback; default settings except {a.pg_set} (effective: {a.pg_settings})\n"
        f"- **the database shares the machine's {m['nproc']} cores with the replicas, wrk and the "
        f"hello server**: `db CPU` is what the postmaster and its backends used during the run, in "
        f"cores; `db waiting` how many of them were, on average, ready to run but waiting for a CPU "
        f"(`/proc/PID/schedstat`): a database of its own would not wait\n"
        f"- servers: `canvass serve` with default settings (workers and pool size), `RUST_LOG=warn`, "
        f"one shared `CANVASS_SECRET`; each replica set on a fresh database of its own "
        f"(`canvass_one`, `canvass_two`)\n"
        f"- load: {m['wrk']}, `-d{DURATION}s --latency`, two wrk threads in all: one replica gets one "
        f"`wrk -t2 -cN`; two replicas get one `wrk -t1 -cN/2` each, at the same time, and the row adds "
        f"their req/s (`per replica` shows each) and shows the worse p50 and p99 of the two\n"
    )
    table = [
        "| replicas | scenario | conns | req/s | × hello | per replica | p50 | p99 | non-2xx | socket errors | db CPU | db waiting | others' CPU |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def cell(v, f="{:.2f}"):
        return "–" if v is None else f.format(v)

    for r in ceiling_rows + [r for p in phases for r in p["rows"]]:
        hello = r["label"].startswith("hello")
        ratio = None if hello else r["rps"] / ceiling[r["conns"]] if ceiling.get(r["conns"]) else None
        split = " + ".join(f"{x:,.0f}" for x in r["split"]) if r["replicas"] > 1 else "–"
        err_text = ", ".join(f"{k} {v}" for k, v in r["errors"].items() if v) or "0"
        table.append(
            f"| {'–' if hello else r['replicas']} | {r['label']} | {r['conns']} | {r['rps']:,.0f} | "
            f"{'1.00' if hello else cell(ratio)} | {split} | {fmt_ms(r['p50'])} | {fmt_ms(r['p99'])} | "
            f"{r['non2xx']} | {err_text} | {cell(r.get('db_cores'))} | {cell(r.get('db_waiting'))} | "
            f"{cell(r.get('other_cores'))} |"
        )
    out.append("### Throughput and latency\n")
    out.extend(table)
    out.append(
        f"\nWrite runs send for {DURATION - WRITE_TAIL:g} s and then wait {WRITE_TAIL:g} s for the "
        "answers in flight, so their req/s is over the sending window; they run in order on one survey. "
        "`× hello` is over the bare tiny_http server at the same connection count, measured in this run. "
        "`others' CPU` leaves out the servers, the database, wrk and this script. wrk corrects its "
        "percentiles for coordinated omission (`stats_correct`): a connection that waited T adds "
        "about T ÷ (its usual request interval) samples between them, so one stall of every "
        "connection for ~1 s shows as a p99 near 1 s even when few requests met it.\n"
    )

    out.append("### Counting\n")
    for p in phases:
        n = len(p["replicas"])
        names = ", ".join(f"{r.name} ({r.addr})" for r in p["replicas"])
        via = (
            " (" + " + ".join(f"{x} via {r.name}" for x, r in zip(p["by_replica"], p["replicas"])) + ")"
            if n > 1
            else ""
        )
        out.append(
            f"- {n} replica{'s' if n > 1 else ''} [{names}], survey {p['sid']}: {p['accepted']} writes "
            f"accepted{via} over the {len(p['writes'])} write runs ({' + '.join(str(r['ok']) for r in p['writes'])}); "
            f"counted: {describe_counts(p['check'], p['accepted'])}. `survey` is `responses` from "
            f"`GET /api/surveys/{p['sid']}/`, `results` from `…/results/`, read on each replica "
            f"{STALENESS:g} s (the staleness bound) after the last write run."
        )
    out.append("")

    out.append("### Memory (VmRSS of each replica)\n")
    for p in phases:
        for i, r in enumerate(p["replicas"]):
            peaks = ", ".join(
                f"{fmt_mib(row['rss_peak_kib'][i])} during {row['label']}"
                for row in p["rows"]
                if "rss_peak_kib" in row
            )
            after = bench.proc_status(r.pid)[0]
            out.append(
                f"- {len(p['replicas'])} replica(s), {r.name}: idle {fmt_mib(p['idle_kib'][i])}; "
                f"at {HIGH} conns in all: {peaks}; after: {fmt_mib(after)}"
            )
    out.append("")

    odd = []
    for p in phases:
        if not p["check"]["ok"]:
            odd.append(f"**COUNTING MISMATCH** with {len(p['replicas'])} replica(s) — see Counting above.")
    for r in ceiling_rows + [r for p in phases for r in p["rows"]]:
        if r["non2xx"] or any(r["errors"].values()):
            odd.append(
                f"`{r['label']}` at {r['conns']} conns ({r['replicas']} replica(s)): {r['non2xx']} non-2xx, "
                f"socket errors {r['errors']}"
            )
    busy = [r for p in phases for r in p["rows"] if (r.get("other_cores") or 0) > 0.2]
    if busy:
        odd.append(
            "other processes were using the CPU during "
            + ", ".join(f"`{r['label']}` at {r['conns']} ({r['other_cores']:.2f} cores)" for r in busy)
            + ": those rows understate canvass."
        )
    for p in phases:
        for r in p["replicas"]:
            lines = bench.server_log_summary(r.log)
            if lines:
                shown = "\n".join(f"    {line}" for line in lines[:10])
                odd.append(f"replica {r.name} wrote {len(lines)} lines to stderr at `RUST_LOG=warn`; the first:\n\n{shown}\n")
    if odd:
        out.append("### Anything odd\n")
        out.extend(f"- {o}" for o in odd)
        out.append("")
    return "\n".join(out) + "\n", table


def merge(path, text):
    """Replaces the `## PostgreSQL` section at the end of `path` (or appends one), keeping the
    SQLite report above it and pointing to the section from its top."""
    try:
        old = path.read_text()
    except OSError:
        old = "# canvass benchmark results\n\nNo SQLite run yet: `bench/run`.\n"
    at = old.find(f"\n{bench.POSTGRES_HEADING}\n")
    head = old if at < 0 else old[: at + 1]
    if bench.POSTGRES_POINTER not in head:
        title, _, rest = head.partition("\n")
        head = f"{title}\n\n{bench.POSTGRES_POINTER}{rest}"
    path.write_text(head.rstrip("\n") + "\n\n" + text)


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hello", required=True, help="hello example address, host:port (loopback)")
    ap.add_argument("--hello-pid", type=int, required=True)
    ap.add_argument("--postmaster-pid", type=int, required=True, help="its backends' CPU is the database's")
    ap.add_argument(
        "--replica", nargs=4, action="append", required=True, metavar=("SET", "ADDR", "PID", "LOG"),
        help="a canvass replica: SET `one` (measured alone) or `two` (measured together), address, pid, stderr file",
    )
    ap.add_argument("--pg-version", default="PostgreSQL")
    ap.add_argument("--pg-set", default="nothing", help="the settings bench/run chose, for the report")
    ap.add_argument("--pg-settings", default="not read", help="effective values of the settings that matter")
    ap.add_argument("--out", default=str(bench.BENCH_DIR / "RESULTS.md"))
    a = ap.parse_args()

    sets = {"one": [], "two": []}
    for kind, addr, pid, log_file in a.replica:
        if kind not in sets:
            raise SystemExit(f"bench: replica set must be one or two, not {kind}")
        sets[kind].append((addr, int(pid), log_file))
    if len(sets["one"]) != 1 or len(sets["two"]) != 2:
        raise SystemExit("bench: give one replica in set `one` and two in set `two`")
    for addr in [a.hello] + [x[0] for s in sets.values() for x in s]:
        if not ipaddress.ip_address(addr.rsplit(":", 1)[0].strip("[]")).is_loopback:
            raise SystemExit(f"bench: {addr} is not a loopback address")
    alone = [Replica("A", *sets["one"][0])]
    pair = [Replica(name, *x) for name, x in zip("BC", sets["two"])]
    hello = Replica("hello", a.hello, a.hello_pid, "")

    bench.WATCHED.extend([a.hello_pid] + [r.pid for r in alone + pair])
    bench.WATCHED_PARENTS.append(a.postmaster_pid)
    load_start = Path("/proc/loadavg").read_text().split()[:3]
    m = bench.machine()

    ceiling, ceiling_rows = {}, []
    for c in (LOW, HIGH):
        r = run_split([hello], c, "hello (ceiling)", "/")
        ceiling[c] = r["rps"]
        ceiling_rows.append(r)
    phases = [measure(alone), measure(pair)]

    text, table = section(m, a, ceiling, ceiling_rows, phases, load_start)
    merge(Path(a.out), text)
    print("\n".join(table))
    for p in phases:
        print(f"{len(p['replicas'])} replica(s): {p['accepted']} accepted, {describe_counts(p['check'], p['accepted'])}")
    print(f"\nfull report: the {bench.POSTGRES_HEADING[3:]} section of {a.out}")
    if not all(p["check"]["ok"] for p in phases):
        print("\n" + "!" * 72 + "\n!!! COUNTING MISMATCH on PostgreSQL: see the report\n" + "!" * 72, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
