#!/usr/bin/env python3
"""The measuring half of bench/run: seeds canvass, drives wrk, checks counts, writes RESULTS.md.

bench/run builds and starts the servers and calls this; it can also be called by hand:
    bench/bench.py --canvass 127.0.0.1:PORT --canvass-pid PID --hello 127.0.0.1:PORT \
                   --canvass-log FILE --out bench/RESULTS.md
Python 3 standard library only. Every step is bounded in time.
"""

import argparse
import concurrent.futures
import datetime
import ipaddress
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DURATION = int(os.environ.get("BENCH_DURATION", "10"))  # seconds per wrk run
WRK_THREADS = 2
LOW, HIGH = 16, 256  # connection counts
# Write runs stop sending this long before wrk's -d ends, so nothing is in flight at the end
# (see bench/write.lua); their req/s is over the sending window. Under wrk's 2 s timeout
# check interval, so idle connections are not miscounted as timeouts.
WRITE_TAIL = min(1.5, DURATION / 4)
LOGIN_RATE = 20  # logins per second during the mix
TIMING_LOGINS = 30  # per kind, for the equal-work check
PASSWORD = "bench-password-0123"

# Never go through an HTTP proxy from the environment: everything here is loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- HTTP


def call(base, method, path, body=None, token=None, timeout=30):
    """(status, parsed JSON or text). Never raises for an HTTP status."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://{base}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with OPENER.open(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def must(base, method, path, body=None, token=None, expect=(200, 201)):
    status, data = call(base, method, path, body, token)
    if status not in expect:
        raise SystemExit(f"bench: {method} {path} -> {status} {data!r}")
    return data


def timed_login(base, email, password):
    started = time.perf_counter()
    status, _ = call(base, "POST", "/api/login/", {"email": email, "password": password})
    return status, (time.perf_counter() - started) * 1000.0


# ---------------------------------------------------------------- wrk


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk_cmd(url, conns, script=None, args=(), threads=WRK_THREADS, cpu=None):
    """wrk's command line; on `cpu` alone when it is given (taskset)."""
    cmd = ["taskset", "-c", str(cpu)] if cpu is not None else []
    cmd += ["wrk", f"-t{threads}", f"-c{conns}", f"-d{DURATION}s", "--latency"]
    if script:
        cmd += ["-s", str(BENCH_DIR / script)]
    cmd.append(url)
    if args:
        cmd += ["--", *map(str, args)]
    return cmd


def parse_wrk(out):
    def num(pattern, cast=float, default=None):
        m = re.search(pattern, out, re.M)
        return cast(m.group(1)) if m else default

    def latency(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        return float(m.group(1)) * UNIT_MS[m.group(2)] if m else None

    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    total = int(m.group(1)) if m else 0
    seconds = float(m.group(2)) * UNIT_MS[m.group(3)] / 1000.0 if m else float(DURATION)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = dict(zip(("connect", "read", "write", "timeout"), map(int, sock.groups()))) if sock else {}
    non2xx = num(r"Non-2xx or 3xx responses: (\d+)", int, 0)
    m_max = re.search(r"^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)", out, re.M)
    return {
        "total": total,
        "seconds": seconds,
        "rps": num(r"Requests/sec:\s+([\d.]+)", float, 0.0),
        "p50": latency(50),
        "p99": latency(99),
        "max": float(m_max.group(1)) * UNIT_MS[m_max.group(2)] if m_max else None,
        "non2xx": non2xx,
        "ok": total - non2xx,
        "errors": errors,
    }


def finish_wrk(proc, label, conns, send_seconds=None):
    try:
        out, err = proc.communicate(timeout=DURATION + 60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        log(f"{label}: wrk did not finish in time, killed")
    if proc.returncode != 0:
        log(f"{label}: wrk exited {proc.returncode}: {err.strip()}")
    r = parse_wrk(out)
    r.update(label=label, conns=conns, raw=out)
    if send_seconds:
        # Requests were only sent during the first send_seconds of the run.
        r["seconds"] = send_seconds
        r["rps"] = r["total"] / send_seconds
    errs = sum(r["errors"].values())
    r["other_cores"] = None
    log(
        f"{label} c={conns}: {r['rps']:.0f} req/s, p50 {fmt_ms(r['p50'])}, p99 {fmt_ms(r['p99'])}, "
        f"max {fmt_ms(r['max'])}, non-2xx {r['non2xx']}, socket errors {errs}"
    )
    return r


def run_wrk(url, conns, label, script=None, args=(), sampler=None, send_seconds=None, cpu=None):
    wait_for_quiet(f"{label} at {conns}")
    other = OtherLoad()
    proc = subprocess.Popen(
        wrk_cmd(url, conns, script, args, cpu=cpu), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if sampler:
        sampler.start()
    try:
        r = finish_wrk(proc, label, conns, send_seconds)
    finally:
        if sampler:
            sampler.stop()
    if sampler:
        r["rss_peak_kib"], r["threads_peak"] = sampler.peak_kib, sampler.peak_threads
    r["other_cores"] = other.cores()
    return r


# ---------------------------------------------------------------- memory


def proc_status(pid):
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    except OSError:
        return None, None
    rss = int(fields["VmRSS"].split()[0]) if "VmRSS" in fields else None
    threads = int(fields["Threads"]) if "Threads" in fields else None
    return rss, threads


class Sampler:
    """Samples VmRSS and Threads every 200 ms until stopped, and never past `limit` seconds."""

    def __init__(self, pid, limit=None):
        self.pid, self.peak_kib, self.peak_threads = pid, 0, 0
        self.limit = DURATION + 60 if limit is None else limit
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        deadline = time.monotonic() + self.limit
        while not self._stop.is_set() and time.monotonic() < deadline:
            rss, threads = proc_status(self.pid)
            self.peak_kib = max(self.peak_kib, rss or 0)
            self.peak_threads = max(self.peak_threads, threads or 0)
            self._stop.wait(0.2)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)


# ---------------------------------------------------------------- other load on the machine


CLK_TCK = os.sysconf("SC_CLK_TCK")
WATCHED = []  # pids of the servers under test; set in main()
# Parents whose children are under test too: a PostgreSQL postmaster forks one backend per
# connection (bench/postgres.py), and their CPU is the database's, not "others'".
WATCHED_PARENTS = []


def busy_ticks():
    """Busy CPU time of the whole machine, in clock ticks (user+nice+system+irq+softirq+steal)."""
    try:
        f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    return f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] if len(f) > 7 else 0)


def pid_ticks(pid):
    try:
        after_comm = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(after_comm[11]) + int(after_comm[12])  # utime, stime
    except (OSError, ValueError, IndexError):
        return 0


def children_of(parents):
    """Pids whose parent is in `parents`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid in parents:
            found.append(int(entry.name))
    return found


def tree_ticks():
    """{pid: CPU ticks} of WATCHED_PARENTS and their children (empty without parents)."""
    if not WATCHED_PARENTS:
        return {}
    pids = [*WATCHED_PARENTS, *children_of(set(WATCHED_PARENTS))]
    return {p: pid_ticks(p) for p in pids}


def tree_delta(before, after):
    # A child that started during the run counts whole; one that ended is lost (and lands in
    # "others'"): the database's backends live as long as the servers' pooled connections.
    return sum(t - before.get(p, 0) for p, t in after.items())


def ours_seconds():
    t = os.times()  # this process and its waited-for children (wrk)
    return t.user + t.system + t.children_user + t.children_system


class OtherLoad:
    """CPU used by processes other than the servers, wrk and this script, in cores."""

    def __init__(self):
        self.t0, self.busy0 = time.monotonic(), busy_ticks()
        self.pids0 = sum(pid_ticks(p) for p in WATCHED)
        self.tree0 = tree_ticks()
        self.ours0 = ours_seconds()
        self.db_seconds = None

    def cores(self):
        """Others' cores since creation; also sets `db_seconds`, the WATCHED_PARENTS trees' CPU."""
        busy = busy_ticks()
        elapsed = time.monotonic() - self.t0
        if busy is None or self.busy0 is None or elapsed <= 0:
            return None
        self.db_seconds = tree_delta(self.tree0, tree_ticks()) / CLK_TCK
        ours = (
            (sum(pid_ticks(p) for p in WATCHED) - self.pids0) / CLK_TCK
            + self.db_seconds
            + ours_seconds()
            - self.ours0
        )
        return max(0.0, (busy - self.busy0) / CLK_TCK - ours) / elapsed

    def db_cores(self, elapsed):
        """The watched trees' CPU over `elapsed` seconds, in cores; call after cores()."""
        return None if self.db_seconds is None or elapsed <= 0 else self.db_seconds / elapsed


QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT", "30"))  # seconds, per run; 0 = never wait


def wait_for_quiet(what):
    """Before a run, waits (≤ QUIET_WAIT s) until other processes use under 0.25 cores."""
    deadline = time.monotonic() + QUIET_WAIT
    waited = False
    while time.monotonic() < deadline:
        probe = OtherLoad()
        time.sleep(1)
        cores = probe.cores()
        if cores is None or cores < 0.25:
            if waited:
                log(f"quiet again, starting {what}")
            return
        if not waited:
            log(f"other processes use {cores:.2f} cores; waiting up to {QUIET_WAIT:g} s before {what}")
            waited = True
    log(f"still busy after {QUIET_WAIT:g} s; starting {what} anyway")


# ---------------------------------------------------------------- formatting


def fmt_ms(v):
    if v is None:
        return "–"
    return f"{v * 1000:.0f} µs" if v < 1 else f"{v:.2f} ms"


def fmt_mib(kib):
    return "–" if kib is None else f"{kib / 1024:.1f} MiB"


def mark(ok):
    return "**holds**" if ok else "**MISSED**"


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass

    def git(*args):
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " (plus uncommitted changes in the working tree)"
    # With BENCH_NO_BUILD=1 the binary may predate the commit named above: say when it was built.
    binary = os.environ.get("BENCH_BINARY")
    if binary:
        try:
            built = datetime.datetime.fromtimestamp(os.stat(binary).st_mtime, datetime.timezone.utc)
            commit += f"; `canvass` built {built:%Y-%m-%d %H:%M} UTC"
        except OSError:
            pass
    try:
        wrk_version = subprocess.run(
            ["wrk", "-v"], capture_output=True, text=True, timeout=5
        ).stdout.splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        wrk_version = "wrk"
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "mem": mem,
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "wrk": wrk_version.split(" Copyright")[0].strip(),
    }


# ---------------------------------------------------------------- the benchmark


def seed(base):
    email = "bench@example.com"
    must(base, "POST", "/api/register/", {"email": email, "password": PASSWORD}, expect=(201,))
    token = must(base, "POST", "/api/login/", {"email": email, "password": PASSWORD})["token"]
    survey = must(
        base,
        "POST",
        "/api/surveys/",
        {
            "name": "Bench",
            "questions": [
                {"question": "Q1", "choices": ["a", "b", "c"]},
                {"question": "Q2", "choices": ["x", "y"]},
            ],
        },
        token,
        expect=(201,),
    )
    for i in range(50):
        questions = [
            {"question": f"Question {q + 1} of survey {i + 1}?", "choices": [f"option {c + 1}" for c in range(2 + (i + q) % 4)]}
            for q in range(1 + i % 4)
        ]
        must(base, "POST", "/api/surveys/", {"name": f"Survey {i + 1}", "questions": questions}, token, expect=(201,))
    listing = must(base, "GET", "/api/surveys/")
    size = len(json.dumps(listing, separators=(",", ":")))
    q1, q2 = survey["questions"]
    return {
        "email": email,
        "token": token,
        "id": survey["id"],
        "q1": q1["id"],
        "q2": q2["id"],
        "c1": [c["id"] for c in q1["choices"]],
        "c2": [c["id"] for c in q2["choices"]],
        "listed": len(listing) if isinstance(listing, list) else None,
        "list_bytes": size,
    }


def set_affinity(pid, cpus):
    """Every thread of `pid` (and those it starts later) on `cpus`, e.g. "0" or "0-1"."""
    subprocess.run(["taskset", "-a", "-cp", cpus, str(pid)], check=True, capture_output=True, timeout=10)


def pinned_login_mix(base, email, read_url, pid):
    """The login mix again with wrk on CPU 1 and canvass on CPU 0, so the load generator no
    longer competes with the server for the same core: (reads alone, reads with logins), or
    None on a machine without two CPUs or without taskset."""
    if (os.cpu_count() or 1) < 2 or subprocess.run(["which", "taskset"], capture_output=True).returncode:
        log("pinned login mix skipped: needs two CPUs and taskset")
        return None
    log("the login mix again, canvass pinned to CPU 0 and wrk to CPU 1")
    set_affinity(pid, "0")
    try:
        alone = run_wrk(read_url, LOW, "GET /api/surveys/<id>/, canvass on CPU 0, wrk on CPU 1", cpu=1)
        with_logins, logins = login_mix(
            base, email, read_url, Sampler(pid), cpu=1,
            label="GET /api/surveys/<id>/ with logins running, canvass on CPU 0, wrk on CPU 1",
        )
    finally:
        set_affinity(pid, f"0-{(os.cpu_count() or 1) - 1}")
    return alone, with_logins, logins


# ---------------------------------------------------------------- five questions (issue 18)

FIVE_QUESTIONS, FIVE_CHOICES = 5, 4
WRITE_RATIO_TARGET = 0.25  # writes per second over the same survey's reads per second


def seed_five(base, token, folder):
    """A survey of 5 single-choice questions × 4 choices, closer to a real one than the
    2-question survey above, and the bodies the write runs send: the seed client's vote is
    the whole survey as GET returns it with a `choice` in each question (~3.5 KB), a native
    response is 5 answers. Body k picks choice k of every question."""
    questions = [
        {
            "text": f"Question {q + 1}: which of these do you like best?",
            "kind": "single",
            "required": True,
            "choices": [f"Option {c + 1} of question {q + 1}" for c in range(FIVE_CHOICES)],
        }
        for q in range(FIVE_QUESTIONS)
    ]
    created = must(base, "POST", "/api/surveys/", {"name": "Five questions", "questions": questions}, token, expect=(201,))
    survey = must(base, "GET", f"/api/surveys/{created['id']}/")
    folder.mkdir(parents=True, exist_ok=True)
    votes, responses = [], []
    for k in range(FIVE_CHOICES):
        vote = json.loads(json.dumps(survey))
        for q in vote["questions"]:
            q["choice"] = q["choices"][k]["id"]
        response = {
            "answers": [{"question_id": q["id"], "choice_ids": [q["choices"][k]["id"]]} for q in survey["questions"]]
        }
        for kind, body, names in (("vote", vote, votes), ("response", response, responses)):
            path = folder / f"five-{kind}-{k}.json"
            path.write_text(json.dumps(body))
            names.append(str(path))
    return {"id": survey["id"], "votes": votes, "responses": responses, "vote_bytes": Path(votes[0]).stat().st_size}


def five_counting(base, five, rows):
    """Every write to the five-question survey accepted by wrk is counted, once, in its
    response count and in each question's choice counts."""
    writes = [r for r in rows if r["label"].startswith(("PUT", "POST"))]
    accepted = sum(r["ok"] for r in writes)
    results = must(base, "GET", f"/api/surveys/{five['id']}/results/")
    counted = results.get("responses")
    per_question = [sum(ch["count"] for ch in q["choices"]) for q in results.get("questions", [])]
    exact = counted == accepted and all(n == counted for n in per_question)
    return accepted, counted, per_question, exact


def five_section(rows, accepted, counted, per_question, exact, vote_bytes):
    """The report's section on the five-question survey, and its targets."""
    by = {(r["label"].split(" ")[0], r["conns"]): r for r in rows}
    out = ["## Five questions (issue 18)\n"]
    out.append(
        f"The same server, later in the same run: a survey of {FIVE_QUESTIONS} single-choice questions × "
        f"{FIVE_CHOICES} choices. The seed vote sends the whole survey back ({vote_bytes:,} bytes), as the "
        "seed's web client does; the native response sends 5 answers. `× GET` is req/s over the same "
        "survey's GET at the same connection count.\n"
    )
    out.append("| scenario | conns | req/s | × GET | p50 | p99 | non-2xx |\n|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        get = by.get(("GET", r["conns"]))
        ratio = r["rps"] / get["rps"] if get and get["rps"] else None
        out.append(
            f"| {r['label']} | {r['conns']} | {r['rps']:,.0f} | {'–' if ratio is None else f'{ratio:.2f}'} | "
            f"{fmt_ms(r['p50'])} | {fmt_ms(r['p99'])} | {r['non2xx']} |"
        )
    out.append(
        f"\nCounted {counted} of {accepted} accepted writes; choice counts per question {per_question}: "
        f"{'exact' if exact else '**MISMATCH**'}.\n"
    )
    targets = []
    get = by.get(("GET", LOW))
    for kind in ("PUT", "POST"):
        r = by.get((kind, LOW))
        ratio = r["rps"] / get["rps"] if r and get and get["rps"] else 0.0
        targets.append(
            (
                f"five questions: `{r['label'] if r else kind}` at {LOW} conns ≥ {WRITE_RATIO_TARGET}× the "
                f"survey's GET: {ratio:.2f}×",
                ratio >= WRITE_RATIO_TARGET,
            )
        )
    targets.append((f"five questions: every accepted write counted: {counted} of {accepted}", exact))
    return out, targets


def login_mix(base, email, read_url, sampler, cpu=None, label="GET /api/surveys/<id>/ with logins running"):
    """Reads at LOW connections while LOGIN_RATE logins/s run for exactly DURATION seconds;
    wrk on `cpu` alone when it is given."""
    wait_for_quiet("the login mix")
    other = OtherLoad()
    proc = subprocess.Popen(
        wrk_cmd(read_url, LOW, cpu=cpu), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler.start()
    n = LOGIN_RATE * DURATION
    statuses, times = {}, []
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        futures = []
        for i in range(n):
            delay = started + i / LOGIN_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(timed_login, base, email, PASSWORD))
        submitted = time.monotonic() - started
        for f in futures:
            try:
                status, ms = f.result(timeout=60)
            except Exception as e:  # noqa: BLE001 - a failed login is a result, not a crash
                status, ms = f"error: {type(e).__name__}", None
            statuses[status] = statuses.get(status, 0) + 1
            if ms is not None:
                times.append(ms)
    answered = time.monotonic() - started
    reads = finish_wrk(proc, label, LOW)
    sampler.stop()
    reads["other_cores"] = other.cores()
    return reads, {
        "sent": n,
        "statuses": statuses,
        "submitted": submitted,
        "answered": answered,
        "mean_ms": statistics.fmean(times) if times else None,
        "p99_ms": sorted(times)[max(0, int(len(times) * 0.99) - 1)] if times else None,
    }


def login_timing(base):
    """Unknown e-mail vs wrong password for a real user, interleaved, sequential.

    Each wrong-password login uses a different real user and each unknown e-mail is different,
    so the per-e-mail login throttle never triggers (2 x 31 failures stay under the per-address
    limit of 10x the per-e-mail one). A 429 is reported, not timed.
    """
    users = [f"timing-{i}@example.com" for i in range(TIMING_LOGINS + 1)]
    for u in users:
        must(base, "POST", "/api/register/", {"email": u, "password": PASSWORD}, expect=(201,))
    unknown, wrong, statuses = [], [], {}
    wait_for_quiet("the login timing")
    other = OtherLoad()
    for i in range(TIMING_LOGINS + 1):  # the first pair warms up and is not counted
        for kind, email, pw, bucket in (
            ("unknown", f"nobody-{i}@example.com", PASSWORD, unknown),
            ("wrong", users[i], PASSWORD + "-wrong", wrong),
        ):
            status, ms = timed_login(base, email, pw)
            statuses[(kind, status)] = statuses.get((kind, status), 0) + 1
            if i > 0 and status == 401:
                bucket.append(ms)
    return {
        "unknown_ms": statistics.fmean(unknown) if unknown else None,
        "wrong_ms": statistics.fmean(wrong) if wrong else None,
        "unknown_median": statistics.median(unknown) if unknown else None,
        "wrong_median": statistics.median(wrong) if wrong else None,
        "n_unknown": len(unknown),
        "n_wrong": len(wrong),
        "statuses": statuses,
        "other_cores": other.cores(),
    }


def server_log_summary(path):
    if not path:
        return []
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return []
    return lines


POSTGRES_HEADING = "## PostgreSQL"
# The SQLite report's pointer to that section, written by whichever run comes last.
POSTGRES_POINTER = (
    "SQLite first; the PostgreSQL figures (`bench/run --db postgres`, their own date and "
    "commit) are [at the end](#postgresql).\n"
)


def kept_postgres_section(path):
    """The `## PostgreSQL` section of `path` to its end, written by `bench/run --db postgres`
    (bench/postgres.py); "" if none. A run on SQLite rewrites the rest and keeps this."""
    try:
        old = path.read_text()
    except OSError:
        return ""
    at = old.find(f"\n{POSTGRES_HEADING}\n")
    return "" if at < 0 else old[at + 1 :]


METRICS_HEADING = "## Metrics on and off (issue 17)"
# Written by hand: what changed on the write path, measured before and after, with profiles.
WRITES_HEADING = "## The write path, before and after (issue 18)"


def kept_section(path, heading=METRICS_HEADING):
    """The section under `heading` up to the next `## `; "" if none. `bench/run metrics`
    (bench/metrics.py) writes the metrics one; a run on SQLite rewrites the rest and keeps
    these, as it keeps PostgreSQL's."""
    try:
        old = path.read_text()
    except OSError:
        return ""
    at = old.find(f"\n{heading}\n")
    if at < 0:
        return ""
    end = old.find("\n## ", at + 1)
    return old[at + 1 : end + 1 if end >= 0 else len(old)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--canvass", required=True, help="canvass address, host:port (loopback)")
    ap.add_argument("--canvass-pid", required=True, type=int)
    ap.add_argument("--hello", required=True, help="hello example address, host:port (loopback)")
    ap.add_argument("--hello-pid", type=int, help="its pid, to leave its CPU out of the others' load")
    ap.add_argument("--canvass-log", help="canvass's stderr, summarised in the report")
    ap.add_argument("--out", default=str(BENCH_DIR / "RESULTS.md"))
    ap.add_argument("--work", required=True, help="a scratch folder for request bodies")
    a = ap.parse_args()
    for addr in (a.canvass, a.hello):
        if not ipaddress.ip_address(addr.rsplit(":", 1)[0].strip("[]")).is_loopback:
            raise SystemExit(f"bench: {addr} is not a loopback address")
    base, pid = a.canvass, a.canvass_pid
    WATCHED.extend(p for p in (a.canvass_pid, a.hello_pid) if p)
    load_start = Path("/proc/loadavg").read_text().split()[:3]
    m = machine()  # now: the commit that was built, not whatever lands during the run

    log(f"seeding canvass at {base}")
    s = seed(base)
    sid = s["id"]
    log(f"seeded: survey {sid}, questions {s['q1']},{s['q2']}; {s['listed']} surveys listed")
    idle_kib, idle_threads = proc_status(pid)

    one = f"http://{base}/api/surveys/{sid}/"
    listing = f"http://{base}/api/surveys/"
    send_seconds = DURATION - WRITE_TAIL
    ids = (sid, s["q1"], s["q2"], ",".join(map(str, s["c1"])), ",".join(map(str, s["c2"])), send_seconds)

    rows = []
    ceiling = {}
    for c in (LOW, HIGH):
        r = run_wrk(f"http://{a.hello}/", c, "hello (ceiling)")
        ceiling[c] = r["rps"]
        rows.append(r)
    for label, url, script, args in (
        ("GET /api/surveys/<id>/", one, None, ()),
        ("GET /api/surveys/ (51 surveys)", listing, None, ()),
        ("PUT /api/surveys/<id>/ (seed vote)", one, "write.lua", ("vote", *ids)),
        ("POST /api/surveys/<id>/responses/", f"{one}responses/", "write.lua", ("response", *ids)),
    ):
        for c in (LOW, HIGH):
            sampler = Sampler(pid) if c == HIGH else None
            sending = send_seconds if script else None
            rows.append(run_wrk(url, c, label, script, args, sampler, sending))
    writes = [r for r in rows if r["label"].startswith(("PUT", "POST"))]

    five = seed_five(base, s["token"], Path(a.work))
    five_url = f"http://{base}/api/surveys/{five['id']}/"
    five_rows = []
    for label, url, args in (
        ("GET /api/surveys/<id>/ (5 questions)", five_url, ()),
        ("PUT /api/surveys/<id>/ (5 questions, seed vote)", five_url, ("files", "PUT", send_seconds, *five["votes"])),
        (
            "POST /api/surveys/<id>/responses/ (5 questions)",
            f"{five_url}responses/",
            ("files", "POST", send_seconds, *five["responses"]),
        ),
    ):
        for c in (LOW, HIGH):
            script = "write.lua" if args else None
            five_rows.append(run_wrk(url, c, label, script, args, None, send_seconds if args else None))
    five_counted = five_counting(base, five, five_rows)
    log(f"five questions: counted {five_counted[1]} of {five_counted[0]} accepted; per question {five_counted[2]}")

    # Counting: every 2xx write must be in the survey's response count.
    results = must(base, "GET", f"/api/surveys/{sid}/results/")
    counted = results.get("responses")
    accepted = sum(r["ok"] for r in writes)
    per_question = [sum(ch["count"] for ch in q["choices"]) for q in results.get("questions", [])]
    extra = (counted - accepted) if isinstance(counted, int) else None
    write_errors = {k: sum(r["errors"].get(k, 0) for r in writes) for k in ("connect", "read", "write", "timeout")}
    if extra == 0:
        count_ok, count_note = True, "exact match"
    elif extra is not None and extra > 0:
        count_ok = False
        count_note = (
            f"MISMATCH: the server counted {extra} writes wrk never saw accepted (answers lost or later "
            f"than the {WRITE_TAIL:g} s quiet tail; wrk socket errors over the write runs: {write_errors})"
        )
    else:
        count_ok = False
        count_note = f"MISMATCH: {-extra if extra is not None else '?'} accepted writes are NOT counted"
    questions_ok = all(n == counted for n in per_question)
    log(f"counted {counted} of {accepted} accepted ({count_note}); choice totals per question {per_question}")

    # Reads again now that the survey holds every response, then the same reads under logins.
    log("read baseline after writes, then the same reads with logins running")
    baseline = run_wrk(one, LOW, "GET /api/surveys/<id>/ after the writes")
    rows.append(baseline)
    mix_sampler = Sampler(pid)
    mixed, logins = login_mix(base, s["email"], one, mix_sampler)
    rows.append(mixed)
    pinned = pinned_login_mix(base, s["email"], one, pid)
    if pinned:
        rows.extend(pinned[:2])

    log("login timing: unknown e-mail vs wrong password")
    timing_sampler = Sampler(pid, limit=300)
    timing_sampler.start()
    timing = login_timing(base)
    timing_sampler.stop()
    after_kib, _ = proc_status(pid)
    server_lines = server_log_summary(a.canvass_log)

    # ------------------------------------------------------------ report
    out = []
    out.append("# canvass benchmark results\n")
    postgres = kept_postgres_section(Path(a.out))
    metrics_section = kept_section(Path(a.out))
    writes_section = kept_section(Path(a.out), WRITES_HEADING)
    if postgres:
        out.append(POSTGRES_POINTER)
    out.append(
        f"- machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem']} RAM, Linux {m['kernel']}\n"
        f"- date: {m['date']}\n- commit: {m['commit']}\n"
        f"- load average (1, 5, 15 min) before the runs: {', '.join(load_start)}; after: "
        f"{', '.join(Path('/proc/loadavg').read_text().split()[:3])}\n"
        f"- load: {m['wrk']}, `-t{WRK_THREADS} -d{DURATION}s --latency`, over loopback on the same machine "
        f"(wrk and the server share the CPUs); `canvass serve` with default settings, `RUST_LOG=warn`, a fresh database\n"
        f"- data: 1 survey under test (2 questions, 3 + 2 choices) and 50 more; `GET /api/surveys/` returns "
        f"{s['listed']} surveys, {s['list_bytes'] / 1024:.1f} KiB of JSON\n"
    )
    table = [
        "| scenario | conns | req/s | × hello | p50 | p99 | non-2xx | socket errors | others' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["rps"] / ceiling[r["conns"]] if ceiling.get(r["conns"]) else None
        errs = r["errors"]
        err_text = ", ".join(f"{k} {v}" for k, v in errs.items() if v) or "0"
        other_text = "–" if r.get("other_cores") is None else f"{r['other_cores']:.2f}"
        table.append(
            f"| {r['label']} | {r['conns']} | {r['rps']:,.0f} | "
            f"{'–' if ratio is None else f'{ratio:.2f}'} | {fmt_ms(r['p50'])} | {fmt_ms(r['p99'])} | "
            f"{r['non2xx']} | {err_text} | {other_text} |"
        )
    out.append("## Throughput and latency\n")
    out.extend(table)
    out.append(
        "\n`others' CPU` is the CPU (in cores) that processes other than canvass, hello, wrk and this "
        "script used during the run: on a shared machine, anything much above 0 makes that row "
        "pessimistic. `× hello` is req/s over the bare tiny_http server (`examples/hello.rs`) at the same connection "
        f"count. Write runs send for {send_seconds:g} s and then wait {WRITE_TAIL:g} s for the answers in "
        "flight, so their req/s is over the sending window. The write rows run in order on the same survey, "
        "so later rows see more stored responses; "
        "the first read rows ran on an empty survey, the `after the writes` row on one holding "
        f"{counted} responses.\n"
    )

    peak_run = max((r for r in rows if "rss_peak_kib" in r), key=lambda r: r["rss_peak_kib"], default=None)
    peak_kib = peak_run["rss_peak_kib"] if peak_run else None
    out.append("## Memory (VmRSS of canvass)\n")
    out.append(f"- idle, after seeding, before load: {fmt_mib(idle_kib)} ({idle_threads} threads)")
    for r in rows:
        if "rss_peak_kib" in r:
            out.append(
                f"- peak during {r['label']} at {r['conns']} conns: {fmt_mib(r['rss_peak_kib'])} "
                f"(up to {r['threads_peak']} threads), sampled every 200 ms"
            )
    out.append(
        f"- peak during the login mix ({logins['sent']} logins in {DURATION} s): {fmt_mib(mix_sampler.peak_kib)}"
    )
    out.append(
        f"- peak during the login timing ({len(timing['statuses']) and sum(timing['statuses'].values())} logins, "
        f"{TIMING_LOGINS + 1} registrations): {fmt_mib(timing_sampler.peak_kib)}"
    )
    out.append(f"- after all runs: {fmt_mib(after_kib)}\n")

    out.append("## Counting\n")
    out.append(
        f"- counted {counted} of {accepted} accepted — {count_note}. Accepted = 2xx reported by wrk over "
        f"the {len(writes)} write runs ({' + '.join(str(r['ok']) for r in writes)}); counted = "
        f"`responses` from `GET /api/surveys/{sid}/results/`."
    )
    out.append(
        f"- choice counts per question sum to {per_question}: "
        f"{'consistent with' if questions_ok else '**INCONSISTENT** with'} the response count.\n"
    )

    out.append("## Logins\n")
    ratio = (
        timing["wrong_ms"] / timing["unknown_ms"]
        if timing["wrong_ms"] and timing["unknown_ms"]
        else None
    )
    out.append("| login | n | mean | median |\n|---|---:|---:|---:|")
    out.append(
        f"| unknown e-mail | {timing['n_unknown']} | {fmt_ms(timing['unknown_ms'])} | {fmt_ms(timing['unknown_median'])} |"
    )
    out.append(
        f"| wrong password, real user | {timing['n_wrong']} | {fmt_ms(timing['wrong_ms'])} | {fmt_ms(timing['wrong_median'])} |"
    )
    timing_other = "–" if timing["other_cores"] is None else f"{timing['other_cores']:.2f}"
    status_text = ", ".join(f"{k} {st}: {n}" for (k, st), n in sorted(timing["statuses"].items(), key=str))
    median_ratio = (
        timing["wrong_median"] / timing["unknown_median"]
        if timing["wrong_median"] and timing["unknown_median"]
        else None
    )
    out.append(
        f"\nwrong ÷ unknown = {'–' if ratio is None else f'{ratio:.2f}'} by mean "
        f"({'–' if median_ratio is None else f'{median_ratio:.2f}'} by median; sequential, interleaved, "
        f"after one warm-up pair; statuses {status_text}; others' CPU meanwhile "
        f"{timing_other} cores).\n"
    )
    out.append(
        f"During the mix, {logins['sent']} logins were sent over {logins['submitted']:.1f} s "
        f"(at most 16 at a time) and all answered {logins['answered']:.1f} s after the first "
        f"(statuses: {', '.join(f'{k}: {v}' for k, v in logins['statuses'].items())}); "
        f"login mean {fmt_ms(logins['mean_ms'])}, p99 {fmt_ms(logins['p99_ms'])}.\n"
    )

    # Targets
    def row(label, conns):
        return next(r for r in rows if r["label"] == label and r["conns"] == conns)

    out.append("## Targets\n")
    targets = []
    for label in ("GET /api/surveys/<id>/", "GET /api/surveys/ (51 surveys)"):
        r = row(label, LOW)
        ratio_r = r["rps"] / ceiling[LOW] if ceiling[LOW] else 0
        targets.append(
            (
                f"`{label}` at {LOW} conns ≥ 0.5× ceiling and p99 < 5 ms: "
                f"{ratio_r:.2f}×, p99 {fmt_ms(r['p99'])}",
                ratio_r >= 0.5 and r["p99"] is not None and r["p99"] < 5,
            )
        )
    for r in writes:
        per_s = r["ok"] / r["seconds"] if r["seconds"] else 0
        targets.append(
            (f"≥ 5,000 accepted/s: `{r['label']}` at {r['conns']} conns: {per_s:,.0f}/s", per_s >= 5000)
        )
    targets.append((f"every accepted write counted: counted {counted} of {accepted}", count_ok and questions_ok))
    if baseline["p99"] and mixed["p99"]:
        change = mixed["p99"] / baseline["p99"]
        targets.append(
            (
                f"read p99 unchanged (±20 %) while ~{LOGIN_RATE} logins/s run: {fmt_ms(baseline['p99'])} → "
                f"{fmt_ms(mixed['p99'])} ({change:.3f}×)",
                change <= 1.2,
            )
        )
    else:
        targets.append(("read p99 unchanged while logins run: no latency data", False))
    if pinned and pinned[0]["p99"] and pinned[1]["p99"]:
        change = pinned[1]["p99"] / pinned[0]["p99"]
        targets.append(
            (
                f"the same, canvass on CPU 0 and wrk on CPU 1 ({pinned[2]['sent']} logins, "
                f"{', '.join(f'{k}: {v}' for k, v in pinned[2]['statuses'].items())}): "
                f"{fmt_ms(pinned[0]['p99'])} → {fmt_ms(pinned[1]['p99'])} ({change:.3f}×)",
                change <= 1.2,
            )
        )
    targets.append((f"RSS ≤ 30 MiB idle: {fmt_mib(idle_kib)}", idle_kib is not None and idle_kib <= 30 * 1024))
    targets.append(
        (
            f"RSS ≤ 100 MiB at {HIGH} connections: peak {fmt_mib(peak_kib)}",
            peak_kib is not None and peak_kib <= 100 * 1024,
        )
    )
    targets.append(
        (
            f"login time, wrong password vs unknown e-mail within ±20 %: "
            f"{'–' if ratio is None else f'{ratio:.3f}'} by mean",
            ratio is not None and 0.8 <= ratio <= 1.2,
        )
    )
    five_text, five_targets = five_section(five_rows, *five_counted, five["vote_bytes"])
    targets.extend(five_targets)
    for text, ok in targets:
        out.append(f"- {mark(ok)} — {text}")
    out.append("")
    out.extend(five_text)

    odd = []
    if not count_ok or not questions_ok:
        odd.append("**COUNTING MISMATCH** — see Counting above.")
    for r in rows:
        if r["non2xx"] or any(r["errors"].values()):
            odd.append(f"`{r['label']}` at {r['conns']} conns: {r['non2xx']} non-2xx, socket errors {r['errors']}")
    for r in rows:
        if r["conns"] != LOW:
            continue
        high = next((h for h in rows if h["label"] == r["label"] and h["conns"] == HIGH), None)
        if high and r["rps"] and high["rps"] >= 2 * r["rps"]:
            odd.append(
                f"`{r['label']}` serves {high['rps'] / r['rps']:.1f}× more req/s at {HIGH} connections "
                f"than at {LOW} (p50 {fmt_ms(r['p50'])} at {LOW}): its requests wait on something other "
                f"than the CPU."
            )
    busy = [r for r in rows if (r.get("other_cores") or 0) > 0.2]
    if busy:
        odd.append(
            "other processes were using the CPU during "
            + ", ".join(f"`{r['label']}` at {r['conns']} ({r['other_cores']:.2f} cores)" for r in busy)
            + ": those rows understate canvass."
        )
    if after_kib and after_kib > 100 * 1024:
        odd.append(
            f"RSS after all runs is {fmt_mib(after_kib)}, against {fmt_mib(peak_kib)} at the peak of the "
            f"{HIGH}-connection runs: it grew during the logins (see Memory)."
        )
    if server_lines:
        shown = "\n".join(f"    {line}" for line in server_lines[:10])
        odd.append(f"canvass wrote {len(server_lines)} lines to stderr at `RUST_LOG=warn`; the first:\n\n{shown}\n")
    if odd:
        out.append("## Anything odd\n")
        out.extend(f"- {o}" for o in odd)
        out.append("")

    text = "\n".join(out).rstrip("\n") + "\n"
    if writes_section:
        text += "\n" + writes_section.rstrip("\n") + "\n"
    if metrics_section:
        text += "\n" + metrics_section.rstrip("\n") + "\n"
    if postgres:
        text += "\n" + postgres
    Path(a.out).write_text(text)
    print("\n".join(table))
    print()
    for t, ok in targets:
        print(f"{'holds ' if ok else 'MISSED'}  {t}")
    print(f"\nfull report: {a.out}")
    if not count_ok or not questions_ok:
        print(
            "\n" + "!" * 72 + f"\n!!! COUNTING MISMATCH: counted {counted} of {accepted} accepted writes\n" + "!" * 72,
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
