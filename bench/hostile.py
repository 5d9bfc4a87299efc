#!/usr/bin/env python3
"""bench/hostile.py — issue 13's attacks on a release canvass, one at a time, each while a
normal client keeps reading a survey: does everyone else stay served, and memory bounded?

Started by `bench/run hostile` (which builds the binary). By hand:

    python3 bench/hostile.py --binary target/release/canvass --out bench/HOSTILE.md

The server runs on 127.0.0.1 with an SQLite file in a temp directory, `--trusted-proxy
127.0.0.1` (the normal client and the login flood come "through the proxy", naming their
clients in X-Forwarded-For) and `CANVASS_SURVEYS_PER_HOUR=0` (the giant-listing setup creates
200 surveys from one account); every other setting is the default. Attacks that open
connections of their own come from 127.0.0.2, an address of their own.

For each attack: the normal client's `GET /api/surveys/<id>/` (every 20 ms, keep-alive)
p50/p99/max and failures, and canvass's peak VmRSS; for the login flood, a legitimate login
every 0.2 s from another address, its slowest time and failures. Every loop is bounded by
HOSTILE_DURATION seconds (default 10). Exit 2 when a figure misses its target:
normal p99 < 100 ms with no failure, RSS < 256 MiB, legitimate logins all < 2 s.
"""

import argparse
import http.client
import json
import os
import random
import resource
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DURATION = float(os.environ.get("HOSTILE_DURATION", "10"))
PROXY = "127.0.0.1"
ATTACKER = "127.0.0.2"  # connections of the attacker's own
PASSWORD = "correct horse battery staple"

TARGET_P99_MS = 100
TARGET_RSS_MIB = 256
TARGET_LOGIN_S = 2.0


def log(msg):
    print(f"[hostile {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the server


class Server:
    def __init__(self, binary, workdir):
        self.dir = workdir
        env = {k: v for k, v in os.environ.items() if not k.startswith("CANVASS_")}
        env.update(
            CANVASS_SECRET=os.urandom(32).hex(),
            CANVASS_DB=str(Path(workdir) / "canvass.db"),
            CANVASS_TRUSTED_PROXY=PROXY,
            CANVASS_SURVEYS_PER_HOUR="0",
            RUST_LOG="warn",
        )
        self.out = open(Path(workdir) / "canvass.out", "w+")
        self.err = open(Path(workdir) / "canvass.err", "w+")
        self.proc = subprocess.Popen(
            [binary, "serve", "--addr", f"{PROXY}:0"], env=env, stdout=self.out, stderr=self.err
        )
        self.addr = self._wait_for_address()
        self.host, port = self.addr.rsplit(":", 1)
        self.port = int(port)
        self.peak_rss = 0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _wait_for_address(self):
        prefix = "canvass listening on http://"
        for _ in range(300):
            self.out.seek(0)
            line = self.out.readline()
            if line.startswith(prefix):
                return line[len(prefix) :].split()[0]
            if self.proc.poll() is not None:
                self.err.seek(0)
                sys.exit(f"canvass exited before listening: {self.err.read()}")
            time.sleep(0.1)
        sys.exit("canvass did not listen within 30 s")

    def rss_mib(self):
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _sample(self):
        while self._sampling:
            self.peak_rss = max(self.peak_rss, self.rss_mib())
            time.sleep(0.1)

    def reset_peak(self):
        self.peak_rss = self.rss_mib()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self._sampling = False
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def request(server, method, path, body=None, token=None, client=None, timeout=30):
    """One request on a new connection: (status, body bytes, seconds)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if client:
        headers["X-Forwarded-For"] = client
    started = time.monotonic()
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        reply = conn.getresponse()
        data = reply.read()
        return reply.status, data, time.monotonic() - started
    except (OSError, http.client.HTTPException):
        return 0, b"", time.monotonic() - started
    finally:
        conn.close()


def must(result, status, what):
    if result[0] != status:
        sys.exit(f"{what}: expected {status}, got {result[0]} {result[1][:200]!r}")
    return json.loads(result[1]) if result[1] else None


def user(server, email):
    must(request(server, "POST", "/api/register/", {"email": email, "password": PASSWORD}), 201, "register")
    return must(request(server, "POST", "/api/login/", {"email": email, "password": PASSWORD}), 200, "login")["token"]


def random_text(n):
    return "".join(random.choices(string.ascii_letters + " ", k=n))


# ---------------------------------------------------------------- the normal client


class NormalClient:
    """Reads one survey every 20 ms on a keep-alive connection (a new one after a failure)."""

    def __init__(self, server, path):
        self.server, self.path = server, path
        self.latencies, self.failures = [], 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        conn = None
        while self.running:
            if conn is None:
                conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=10)
            started = time.monotonic()
            try:
                conn.request("GET", self.path)
                reply = conn.getresponse()
                reply.read()
                ok = reply.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            elapsed = time.monotonic() - started
            if ok:
                self.latencies.append(elapsed)
            else:
                self.failures += 1
                conn.close()
                conn = None
            time.sleep(max(0.0, 0.02 - elapsed))
        if conn is not None:
            conn.close()

    def stop(self):
        self.running = False
        self.thread.join()
        lat = sorted(self.latencies)

        def pct(p):
            return lat[min(len(lat) - 1, int(len(lat) * p))] * 1000 if lat else float("nan")

        return {
            "requests": len(lat) + self.failures,
            "failures": self.failures,
            "p50": pct(0.50),
            "p99": pct(0.99),
            "max": lat[-1] * 1000 if lat else float("nan"),
        }


# ---------------------------------------------------------------- the attacks


def until(deadline):
    return time.monotonic() < deadline


def slow_readers(server, ctx):
    """8 sockets with a 4 KiB receive buffer each read a large reply 1 KB every 2 s."""
    deadline = time.monotonic() + DURATION
    paths = [ctx["results_path"], "/api/surveys/"]
    socks = []
    for n in range(8):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.bind((ATTACKER, 0))
        s.settimeout(5)
        s.connect((server.host, server.port))
        s.sendall(f"GET {paths[n % 2]} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        socks.append(s)
    while until(deadline):
        for s in socks:
            try:
                s.recv(1024)
            except OSError:
                pass
        time.sleep(2)
    for s in socks:
        s.close()
    return "8 readers, 4 KiB buffers, 1 KB / 2 s, of results and the listing"


def giant_listing(server, ctx):
    """8 readers of the whole listing, and an anonymous response every 0.5 s invalidating it."""
    deadline = time.monotonic() + DURATION
    done = [0]

    def reader():
        while until(deadline):
            if request(server, "GET", "/api/surveys/", timeout=DURATION + 30)[0] == 200:
                done[0] += 1

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    while until(deadline):
        request(server, "POST", ctx["big_responses_path"], ctx["big_answer"])
        time.sleep(0.5)
    for t in threads:
        t.join()
    return f"{ctx['listing_mib']:.1f} MiB listing, {done[0]} full reads"


def cache_churn(server, ctx):
    """4 readers cycling through every large survey, more than the cache holds."""
    deadline = time.monotonic() + DURATION
    ids = ctx["big_ids"]

    def reader(offset):
        i = offset
        while until(deadline):
            request(server, "GET", f"/api/surveys/{ids[i % len(ids)]}/")
            i += 1

    threads = [threading.Thread(target=reader, args=(n * 50,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return f"{len(ids)} surveys of {ctx['survey_kib']:.0f} KiB each, round and round"


def connection_hog(server, ctx):
    """Up to 1,000 connections from one address, each trickling a header line every 5 s."""
    deadline = time.monotonic() + DURATION
    held, refused = [], 0
    for _ in range(1000):
        if not until(deadline):
            break
        s = socket.socket()
        s.bind((ATTACKER, 0))
        s.settimeout(2)
        try:
            s.connect((server.host, server.port))
            s.sendall(b"GET /api/health/ HTTP/1.1\r\n")
            held.append(s)
        except OSError:
            refused += 1
            s.close()
    # Those refused were answered 503 and closed: find out which, keep trickling on the rest.
    while until(deadline):
        for s in list(held):
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                held.remove(s)
                refused += 1
                s.close()
        time.sleep(min(5, max(0.0, deadline - time.monotonic())))
    n = len(held)
    for s in held:
        s.close()
    return f"1,000 attempted, {n} still held at the end"


def login_flood(server, ctx):
    """80 loops of logins with random e-mails from one forwarded address; Ann logs in from
    another every 0.2 s."""
    deadline = time.monotonic() + DURATION
    statuses = {}
    lock = threading.Lock()

    def flood():
        while until(deadline):
            email = f"{random_text(12).replace(' ', 'x')}@flood.example"
            status = request(server, "POST", "/api/login/", {"email": email, "password": "x"},
                             client="203.0.113.66")[0]
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=flood) for _ in range(80)]
    for t in threads:
        t.start()
    logins = []
    while until(deadline):
        status, _, took = request(server, "POST", "/api/login/",
                                  {"email": ctx["ann"], "password": PASSWORD}, client="198.51.100.4")
        logins.append((status, took))
        time.sleep(0.2)
    for t in threads:
        t.join()
    ctx["logins"] = logins
    flood_summary = ", ".join(f"{n} × {s or 'no reply'}" for s, n in sorted(statuses.items()))
    return f"flood: {flood_summary}"


def registration_flood(server, ctx):
    """20 loops registering accounts from one forwarded address."""
    deadline = time.monotonic() + DURATION
    statuses = {}
    lock = threading.Lock()

    def flood():
        while until(deadline):
            email = f"{random_text(12).replace(' ', 'x')}@reg.example"
            status = request(server, "POST", "/api/register/", {"email": email, "password": "x"},
                             client="203.0.113.67")[0]
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=flood) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ", ".join(f"{n} × {s or 'no reply'}" for s, n in sorted(statuses.items()))


ATTACKS = [
    ("slow readers (item 1)", slow_readers),
    ("giant listing under writes (item 2)", giant_listing),
    ("cache churn (item 3)", cache_churn),
    ("connection hog (item 4)", connection_hog),
    ("login flood (item 5)", login_flood),
    ("registration flood (item 5)", registration_flood),
]


# ---------------------------------------------------------------- setup


def setup(server):
    ctx = {}
    owner = user(server, "owner@example.com")
    ctx["ann"] = "ann@example.com"
    user(server, ctx["ann"])
    small = {"name": "Lunch", "questions": [
        {"text": f"Question {q}", "choices": [f"Choice {c}" for c in range(4)]} for q in range(5)
    ]}
    ctx["normal_path"] = f"/api/surveys/{must(request(server, 'POST', '/api/surveys/', small, owner), 201, 'small survey')['id']}/"

    log("a survey with 400 answers of 10,000 characters")
    texty = {"name": "Essays", "questions": [{"text": "Write", "kind": "text", "required": True}]}
    essays = must(request(server, "POST", "/api/surveys/", texty, owner), 201, "essay survey")
    qid = essays["questions"][0]["id"]
    for _ in range(400):
        must(request(server, "POST", f"/api/surveys/{essays['id']}/responses/",
                     {"answers": [{"question_id": qid, "text": random_text(10_000)}]}), 201, "essay")
    ctx["results_path"] = f"/api/surveys/{essays['id']}/results/"

    log("200 surveys of 100 questions × 50 choices")
    big = {"name": "Big", "questions": [
        {"text": f"Question {q} " + "q" * 20, "choices": [f"Choice {c} " + "c" * 20 for c in range(50)]}
        for q in range(100)
    ]}
    ids = []
    for _ in range(200):
        ids.append(must(request(server, "POST", "/api/surveys/", big, owner, timeout=60), 201, "big survey")["id"])
    ctx["big_ids"] = ids
    first = must(request(server, "GET", f"/api/surveys/{ids[0]}/"), 200, "big survey")
    ctx["survey_kib"] = len(json.dumps(first)) / 1024
    q0 = first["questions"][0]
    ctx["big_responses_path"] = f"/api/surveys/{ids[0]}/responses/"
    ctx["big_answer"] = {"answers": [{"question_id": q0["id"], "choice_ids": [q0["choices"][0]["id"]]}]}
    status, body, _ = request(server, "GET", "/api/surveys/", timeout=120)
    ctx["listing_mib"] = len(body) / 2**20
    return ctx


# ---------------------------------------------------------------- report


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--out", default=str(Path(__file__).parent / "HOSTILE.md"))
    args = ap.parse_args()
    # The connection hog holds up to 1,000 sockets of its own.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))

    with tempfile.TemporaryDirectory(prefix="canvass-hostile.") as workdir:
        server = Server(args.binary, workdir)
        try:
            log(f"canvass on {server.addr}, pid {server.proc.pid}")
            ctx = setup(server)
            rows = []
            for name, attack in ATTACKS:
                log(name)
                server.reset_peak()
                normal = NormalClient(server, ctx["normal_path"])
                detail = attack(server, ctx)
                figures = normal.stop()
                rows.append((name, detail, figures, server.peak_rss))
                if not server.alive():
                    sys.exit(f"canvass died during {name}")
        finally:
            server.stop()

    logins = ctx["logins"]
    slowest_login = max(took for _, took in logins)
    failed_logins = sum(1 for status, _ in logins if status != 200)
    worst_p99 = max(f["p99"] for _, _, f, _ in rows)
    failures = sum(f["failures"] for _, _, f, _ in rows)
    peak = max(rss for *_, rss in rows)
    held = {
        f"normal GET p99 < {TARGET_P99_MS} ms, none failing": worst_p99 < TARGET_P99_MS and failures == 0,
        f"RSS < {TARGET_RSS_MIB} MiB": peak < TARGET_RSS_MIB,
        f"legitimate logins during the flood < {TARGET_LOGIN_S:.0f} s, all 200": slowest_login < TARGET_LOGIN_S
        and failed_logins == 0,
    }

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Hostile load (issue 13)",
        "",
        f"`bench/run hostile`, {time.strftime('%Y-%m-%d')}, commit {commit}, {os.cpu_count()} CPUs; "
        f"each attack {DURATION:.0f} s against a release build, the attacker and the normal client "
        "on the same machine (and CPUs) as the server. See bench/hostile.py for each attack.",
        "",
        "| attack | what it did | normal GET: requests | failed | p50 ms | p99 ms | max ms | peak RSS MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, detail, f, rss in rows:
        lines.append(
            f"| {name} | {detail} | {f['requests']} | {f['failures']} | {f['p50']:.1f} | {f['p99']:.1f} "
            f"| {f['max']:.1f} | {rss:.0f} |"
        )
    lines += [
        "",
        f"Legitimate logins during the login flood: {len(logins)}, {failed_logins} failed, "
        f"slowest {slowest_login * 1000:.0f} ms.",
        "",
        "Targets: " + "; ".join(f"{what}: {'held' if ok else 'MISSED'}" for what, ok in held.items()) + ".",
        "",
    ]
    report = "\n".join(lines)
    Path(args.out).write_text(report)
    print(report)
    sys.exit(0 if all(held.values()) else 2)


if __name__ == "__main__":
    main()
