"""Shared helpers for godo's integration and e2e tests (Debian's python3 with
pymongo). Tests print one line per check, "PASS name" or "FAIL name: why",
which tests/run.sh counts."""
import atexit
import fcntl
import json
import os
import signal
import subprocess
import sys
import time

import pymongo

TOP = os.environ.get("GODO_TOP", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
URI = os.environ.get("GODO_TEST_URI", "mongodb://127.0.0.1:27117")
GODO = os.environ.get("GODO_GODO", os.path.join(TOP, "listener", "godo"))
FILTER = os.environ.get("GODO_FILTER", os.path.join(TOP, "filter", "filter"))
DOCKER = "/usr/bin/docker"
IMAGE = os.environ.get("GODO_IMAGE", "godo-bb:latest")
AUDIT_LOCK = "/tmp/godo-audit.lock"

failures = 0


def check(name, cond, why=""):
    global failures
    if cond:
        print("PASS " + name, flush=True)
    else:
        failures += 1
        print("FAIL %s: %s" % (name, why), flush=True)
    return cond


def finish():
    sys.exit(1 if failures else 0)


def client():
    return pymongo.MongoClient(URI, serverSelectionTimeoutMS=3000, socketTimeoutMS=60000)


def fresh_db(prefix):
    name = "%s_%d_%d" % (prefix, os.getpid(), int(time.time() * 1000) % 10**9)
    client().drop_database(name)
    return name


class Godo:
    """godo running against the test store; holds the audit lock (the audit
    daemon role is one per host) while it runs."""

    def __init__(self, db, *extra):
        self.db = db
        self.extra = list(extra)
        self.log_path = "/tmp/godo-test-%s.log" % db
        self.proc = None
        self.lock = None
        self.uri_host = URI.split("://", 1)[1].rstrip("/")

    def start(self, timeout=20):
        self.lock = open(AUDIT_LOCK, "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([GODO, "-mongo=" + self.uri_host, "-db=" + self.db, "-stats=0"] + self.extra,
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        atexit.register(self.kill)  # a failing test must not leave godo registered
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self._release()
                raise RuntimeError("godo exited %d: %s" % (self.proc.returncode, self.text()))
            if "recording to" in self.text():
                return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("godo did not start: " + self.text())

    def _release(self):
        if self.lock is not None:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()
            self.lock = None

    def kill(self):
        """SIGINT, then SIGKILL: never leave a godo behind a failed test."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._release()

    def text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, settle=1.0, timeout=60):
        time.sleep(settle)  # let the kernel's audit queue reach godo
        self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        self._release()
        return rc


def run_filter(db, *args, out=None):
    host = URI.split("://", 1)[1].rstrip("/")
    cmd = [FILTER, "-mongo=" + host, "-db=" + db, "-out=" + (out or db + "_cooked"), "-format=json"] + list(args)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("filter failed (%d): %s" % (p.returncode, p.stderr.decode(errors="replace")))
    return json.loads(p.stdout.decode("utf-8", "surrogateescape"))


def docker(*args, check_rc=True, timeout=120):
    p = subprocess.run([DOCKER] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if check_rc and p.returncode != 0:
        raise RuntimeError("docker %s: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p


def audit_state():
    s = subprocess.run(["auditctl", "-s"], stdout=subprocess.PIPE, text=True).stdout
    rules = subprocess.run(["auditctl", "-l"], stdout=subprocess.PIPE, text=True).stdout
    st = dict(l.split(" ", 1) for l in s.splitlines() if " " in l)
    return st.get("enabled"), st.get("pid"), rules
