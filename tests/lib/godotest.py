"""Shared helpers for godo's integration and e2e tests (Debian's python3 with
pymongo). Tests print one line per check, "PASS name" or "FAIL name: why",
which tests/run.sh counts."""
import atexit
import fcntl
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pymongo

TOP = os.environ.get("GODO_TOP", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
URI = os.environ.get("GODO_TEST_URI", "mongodb://127.0.0.1:27117")
GODO = os.environ.get("GODO_GODO", os.path.join(TOP, "listener", "godo"))
FILTER = os.environ.get("GODO_FILTER", os.path.join(TOP, "filter", "filter"))
DOCKER = "/usr/bin/docker"
IMAGE = os.environ.get("GODO_IMAGE", "godo-bb:latest")
AUDIT_LOCK = "/tmp/godo-audit.lock"
# tests/run.sh's valgrind mode: a command put in front of every godo and
# filter the tests start (valgrind ... --log-file=...), and a factor for the
# waits that depend on how fast godo is (valgrind makes it 20-50x slower).
WRAP = shlex.split(os.environ.get("GODO_WRAP", ""))
SLOW = max(1.0, float(os.environ.get("GODO_TIME_FACTOR", "1") or 1))
VG_KILLED = os.environ.get("GODO_VG_KILLED", "")  # pids a test SIGKILLs on purpose

failures = 0


# valgrind mode, for tests whose checks need godo to keep up with a burst
# of short-lived container processes (valgrind makes it 20-50x slower, and
# the processes are gone before it reads their cgroup): a failed check is a
# NOTE there, not a failure. Memory errors still fail (tests/run.sh reads
# every godo's and filter's valgrind log); the release and ASan suites run
# the same checks for real.
LENIENT = False


def lenient_under_valgrind():
    global LENIENT
    if WRAP:
        LENIENT = True
        print("PASS lenient_under_valgrind (checks of timing-bound events are notes here; "
              "valgrind's memory checks still count)", flush=True)


def check(name, cond, why="", strict=False):
    """strict: a failure even when lenient (not timing-bound: godo's exit,
    the audit state, the output's well-formedness)."""
    global failures
    if cond:
        print("PASS " + name, flush=True)
    elif LENIENT and not strict:
        print("NOTE %s (under valgrind, not a failure): %s" % (name, why), flush=True)
    else:
        failures += 1
        print("FAIL %s: %s" % (name, why), flush=True)
    return cond


def finish():
    sys.exit(1 if failures else 0)


def finish_dropping(db):
    """finish(), the test's databases (db, its _cooked) dropped when every
    check passed; kept to look at otherwise."""
    if failures:
        print("database %s kept" % db)
        finish()
    client().drop_database(db)
    client().drop_database(db + "_cooked")
    finish()


def wrap(cmd):
    """cmd (a list) as the tests start it: behind GODO_WRAP if set."""
    return WRAP + list(cmd)


def sanitized():
    """godo built with ASan (make's ASan suite): its memory is ASan's too."""
    try:
        with open(GODO, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def skip_if_wrapped(name, why):
    """For a check that means nothing under valgrind or ASan (memory sizes,
    speed): a PASS line that says so, and True."""
    if WRAP:
        print("PASS %s_skipped_under_valgrind (%s)" % (name, why), flush=True)
        return True
    if sanitized():
        print("PASS %s_skipped_under_asan (%s)" % (name, why), flush=True)
        return True
    return False


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


_lock = None
_lock_depth = 0


def descendants(pid):
    """The pids below pid (from /proc/PID/task/*/children), nearest first."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        try:
            tasks = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for t in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (p, t)) as f:
                    kids = [int(x) for x in f.read().split()]
            except (OSError, ValueError):
                continue
            found += kids
            todo += kids
    return found


def lock_audit():
    """Takes the audit lock (one audit daemon per host), or counts one more
    holder if this process has it: flock on a second open file would wait
    for the first."""
    global _lock, _lock_depth
    if _lock_depth == 0:
        _lock = open(AUDIT_LOCK, "w")
        fcntl.flock(_lock, fcntl.LOCK_EX)
    _lock_depth += 1


def unlock_audit():
    global _lock, _lock_depth
    if _lock_depth == 0:
        return
    _lock_depth -= 1
    if _lock_depth == 0:
        fcntl.flock(_lock, fcntl.LOCK_UN)
        _lock.close()
        _lock = None


def hold_audit_lock():
    """For a test that compares the audit state before and after: the lock
    from now until the process exits, so that no other suite's godo comes
    and goes in between."""
    lock_audit()


# Raw files documents (docs/schema.md, "Grouped files documents"): godo
# stores the closed files and operations of a process between two flushes
# as one document {proc_id, pid, tgid, docker_id, host, boot_id, docs:
# [...]}. raw_files flattens them, one dict per file as in the older shape
# (a member's fields, then the group's), and applies a query of equality,
# $regex, $in, $exists and $or on them (test databases are small).
def _match(doc, query):
    import re
    for k, want in query.items():
        if k == "$or":
            if not any(_match(doc, q) for q in want):
                return False
            continue
        have = doc.get(k)
        if isinstance(want, dict) and any(x.startswith("$") for x in want):
            for op, v in want.items():
                if op == "$exists" and (k in doc) != bool(v):
                    return False
                if op == "$in" and have not in v:
                    return False
                if op == "$regex" and not (isinstance(have, str) and re.search(v, have)):
                    return False
        elif k not in doc or have != want:
            return False
    return True


def flat_files(doc):
    if not isinstance(doc.get("docs"), list):
        return [doc]
    head = {k: v for k, v in doc.items() if k not in ("_id", "docs", "dg")}
    return [dict(head, **m) for m in doc["docs"] if isinstance(m, dict)]


# what a bare newest execve entry (docs/schema.md "Fields left out") takes
# from its document
EXEC_OWN = ("args", "exe", "cwd", "cwd_unknown", "args_cut", "args_cut_lost", "args_sha256", "args_source")


def raw_execs(p):
    """A pids document's execve entries as a reader sees them: a newest
    entry without args has the document's own args, exe and cwd."""
    ex = [dict(e) for e in (p or {}).get("execve") or []]
    if ex and "args" not in ex[-1]:
        ex[-1].update({k: p[k] for k in EXEC_OWN if k in p})
    return ex


def raw_files(coll, query=None, *_projection):
    out = []
    for doc in coll.find({}):
        out.extend(f for f in flat_files(doc) if _match(f, query or {}))
    return out


def count_raw_files(coll, query=None):
    return len(raw_files(coll, query))


def raw_files_one(coll, query=None, *_projection):
    found = raw_files(coll, query)
    return found[0] if found else None


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
        # GODO_EXTRA_FLAGS (e.g. "-no-privsep"): every godo of a suite run so
        self.extra = list(extra) + shlex.split(os.environ.get("GODO_EXTRA_FLAGS", ""))
        if not any(a.startswith("-state-dir") for a in self.extra):
            # not the shared /var/lib/godo: a spool left there by another
            # run would be replayed into this test's database
            state = tempfile.mkdtemp(prefix="godo-test-state-")
            atexit.register(shutil.rmtree, state, True)
            self.extra.append("-state-dir=" + state)
        self.log_path = "/tmp/godo-test-%s.log" % db
        self.proc = None
        self.locked = False
        self.uri_host = URI.split("://", 1)[1].rstrip("/")

    def start(self, timeout=20):
        lock_audit()
        self.locked = True
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(wrap([GODO, "-mongo=" + self.uri_host, "-db=" + self.db, "-stats=0"] + self.extra),
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        atexit.register(self.kill)  # a failing test must not leave godo registered
        deadline = time.time() + timeout * SLOW
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
        if self.locked:
            unlock_audit()
            self.locked = False

    def kill(self):
        """SIGINT, then SIGKILL: never leave a godo behind a failed test."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30 * SLOW)
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

    def sigkill(self):
        """SIGKILL on purpose: under valgrind the log of this pid has no
        summary, which tests/run.sh must not count as a failure; nor have
        those of its descendants (-privsep's monitor and writer die with
        it: PR_SET_PDEATHSIG)."""
        if VG_KILLED:
            with open(VG_KILLED, "a") as f:
                for pid in [self.proc.pid] + descendants(self.proc.pid):
                    f.write("%d\n" % pid)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._release()

    def settle(self, settle):
        """Let the kernel's audit queue reach godo: settle seconds; a slowed
        godo (GODO_TIME_FACTOR > 1) also until it has been idle (under 4%
        of a CPU) for half a second, at most settle * factor more."""
        time.sleep(settle)
        if SLOW <= 1 or self.proc.poll() is not None:
            return
        self.idle(settle * SLOW)

    def idle(self, most):
        """Wait until godo has been idle (under 4% of a CPU) for half a
        second, at most most seconds: after a burst of events (an image
        import) a slowed godo (ASan) is seconds behind the kernel."""
        hz = os.sysconf("SC_CLK_TCK")
        deadline = time.time() + most
        last = cpu_ticks(self.proc.pid)
        while last is not None and time.time() < deadline:
            time.sleep(0.5)
            now = cpu_ticks(self.proc.pid)
            if now is None or now - last <= 0.02 * hz:
                break
            last = now

    def stop(self, settle=1.0, timeout=60, sig=signal.SIGINT):
        self.settle(settle)
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        self._release()
        return rc


def run_filter(db, *args, out=None):
    host = URI.split("://", 1)[1].rstrip("/")
    cmd = wrap([FILTER, "-mongo=" + host, "-db=" + db, "-out=" + (out or db + "_cooked"), "-format=json"] + list(args))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300 * SLOW)
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


def godo_rules():
    """godo's rules as auditctl -l lists them, sorted."""
    out = subprocess.run(["auditctl", "-l"], stdout=subprocess.PIPE, text=True).stdout
    return sorted(l for l in out.splitlines() if "key=godo" in l)


def wait_for(cond, timeout):
    """cond() polled every 0.1 s for timeout seconds (times SLOW)."""
    deadline = time.time() + timeout * SLOW
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return bool(cond())


def restore_audit(before):
    """Puts back what audit_state() returned in before where a test (or a
    godo that did not repair) left it otherwise: enabled, and no rule keyed
    godo left behind."""
    enabled, _, _ = audit_state()
    if before[0] is not None and enabled != before[0]:
        subprocess.run(["auditctl", "-e", before[0]], stdout=subprocess.DEVNULL)
    if godo_rules() and "key=godo" not in (before[2] or ""):
        subprocess.run(["auditctl", "-D", "-k", "godo"], stdout=subprocess.DEVNULL)
    # godo's exclude rule (listener/rules_excl.h: no key, pid!=godo)
    out = subprocess.run(["auditctl", "-l"], stdout=subprocess.PIPE, text=True).stdout
    for l in out.splitlines():
        if l.startswith("-a never,exclude -F msgtype=PROCTITLE -F pid!=") and l not in (before[2] or ""):
            subprocess.run(["auditctl", "-d"] + l.split()[1:], stdout=subprocess.DEVNULL)
