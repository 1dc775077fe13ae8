"""End to end on real containers: godo records while scenarios run with
docker run / docker exec on the minimal image, then filter -format=json
must show each process under the right container under the Docker daemons,
with its exec args, exit, and every file it changed (path as the container
sees it and where it lives on the host), and nothing from outside Docker."""
import os
import shlex
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (raw_files, FILTER, IMAGE, SLOW, URI, Godo, audit_state, check, lenient_under_valgrind,  # noqa: E402
                      client, docker, finish, fresh_db, hold_audit_lock,
                      run_filter, wrap)

NAMES = ["godo-e2e-bg", "godo-e2e-exec", "godo-e2e-a", "godo-e2e-b"]


def cleanup():
    for n in NAMES:
        docker("rm", "-f", n, check_rc=False)


def run_rm(*cmd):
    """docker run --rm; returns (full container id, exit code)."""
    d = tempfile.mkdtemp(prefix="godo-cid-")
    cid_file = os.path.join(d, "cid")
    p = docker("run", "--rm", "--cidfile", cid_file, IMAGE, *cmd, check_rc=False)
    with open(cid_file) as f:
        return f.read().strip(), p.returncode


def by_container(out, cid):
    return [p for p in out["processes"] if p.get("container") == cid]


def exec_args(p):
    return [e.get("args") for e in p.get("execs", [])]


def find_exec(procs, args):
    return [p for p in procs if args in exec_args(p) or p.get("args") == args]


def chain_to_root(out, p):
    ids = {q["id"]: q for q in out["processes"]}
    roots = set(out["roots"])
    seen = []
    cur = p
    while cur is not None and len(seen) < 64:
        seen.append(cur)
        if cur["id"] in roots:
            return seen
        cur = ids.get(cur.get("parent"))
    return None


def files_of(out, cid):
    return [f for f in out["files"] if f.get("container") == cid]


# busybox applets: chmod (fchmodat), chown, touch -d (utimensat), ln, ln -s,
# mkdir (the requested mode: the kernel applies the umask), rmdir, mknod p.
META_SCRIPT = ("umask 022; mkdir /tmp/m; echo x > /tmp/m/f; chmod u+s /tmp/m/f; "
               "chown 1000:50 /tmp/m/f; touch -d '2001-02-03 04:05:06' /tmp/m/f; "
               "ln /tmp/m/f /tmp/m/hl; ln -s ../m/f /tmp/m/sl; mkdir /tmp/m/d; "
               "rmdir /tmp/m/d; mknod /tmp/m/p p; chmod 0600 /tmp/m/none 2>/dev/null; true")
# op, filename: the fields each raw document must have (None: absent, a
# tuple: one of; busybox may pass mkdir 0777 or 0777 & ~umask)
META_WANT = [
    ("mkdir", "/tmp/m", {"mode": (0o777, 0o755)}),
    ("chmod", "/tmp/m/f", {"mode": 0o4644, "uid": None, "target": None}),
    ("chown", "/tmp/m/f", {"uid": 1000, "gid": 50, "mode": None}),
    ("utimes", "/tmp/m/f", {"mode": None}),
    ("link", "/tmp/m/hl", {"target": "/tmp/m/f"}),
    ("symlink", "/tmp/m/sl", {"target": "../m/f"}),
    ("mkdir", "/tmp/m/d", {"mode": (0o777, 0o755)}),
    ("rmdir", "/tmp/m/d", {"mode": None}),
    ("mknod", "/tmp/m/p", {"type": "fifo", "mode": 0o666}),
]


def check_meta(db, out, cid, rc):
    """The raw files documents of META_SCRIPT, field by field, then what
    filter's JSON shows of them."""
    docs = list(raw_files(client()[db]["files"], {"filename": {"$regex": "^/tmp/m"},
                                             "op": {"$in": sorted({w[0] for w in META_WANT})}}))
    check("meta_script_ran", rc == 0, "rc %d" % rc)
    seen = [(d["op"], d.get("filename")) for d in docs]
    for op, name, fields in META_WANT:
        got = [d for d in docs if d["op"] == op and d.get("filename") == name]
        ok = len(got) == 1
        why = "docs %r" % seen
        if ok:
            d = got[0]
            bad = {k: d.get(k) for k, v in fields.items()
                   if not (d.get(k) in v if isinstance(v, tuple) else d.get(k) == v)}
            common = all(d.get(k) for k in ("proc_id", "pid", "tgid", "ns", "host", "boot_id"))
            ok = not bad and common and d.get("docker_id") == cid
            why = "fields %r (want %r), doc %r" % (bad, fields, d)
        check("meta_raw_%s_%s" % (op, name.replace("/", "_")), ok, why)
    check("meta_raw_failed_chmod_absent", ("chmod", "/tmp/m/none") not in seen, "docs %r" % seen)
    # filter: every path of the scenario is shown for the container
    shown = [(x.get("op", "open"), x.get("path")) for x in out["files"] + out["ops"] if x.get("container") == cid]
    for op, name, _ in META_WANT:
        check("meta_filter_path_%s_%s" % (op, name.replace("/", "_")), any(p == name for _, p in shown),
              "filter %r" % shown)
    # filter shows each op by its name, with its fields as docs/output.md
    # says (mode: octal digits; absent fields null), and none as an open file
    ops = [o for o in out["ops"] if o.get("container") == cid]
    opened = [p for o, p in shown if o == "open" and p in {w[1] for w in META_WANT} - {"/tmp/m/f"}]
    check("meta_filter_no_open_files", not opened, "shown as open files %r" % opened)
    for op, name, fields in META_WANT:
        got = [o for o in ops if o["op"] == op and o["path"] == name]
        ok = len(got) == 1
        why = "filter %r" % shown
        if ok:
            o = got[0]
            bad = {}
            for k, v in fields.items():
                want = v if isinstance(v, tuple) else (v,)
                if k == "mode":
                    want = tuple(None if x is None else "%04o" % x for x in want)
                if o.get(k) not in want:
                    bad[k] = o.get(k)
            ok = not bad and bool(o.get("time")) and bool(o.get("pid"))
            why = "fields %r (want %r), op %r" % (bad, fields, o)
        check("meta_filter_op_%s_%s" % (op, name.replace("/", "_")), ok, why)
    text = filter_text(db)
    for op, name, _ in META_WANT:
        check("meta_filter_text_%s_%s" % (op, name.replace("/", "_")),
              ("    %s %s" % (op, name)) in text, "text %r" % text[-3000:])


def filter_text(db):
    """filter's text report of db (run_filter gives JSON)"""
    host = URI.split("://", 1)[1].rstrip("/")
    cmd = wrap([FILTER, "-mongo=" + host, "-db=" + db, "-out=" + db + "_cooked", "-format=text"])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300 * SLOW)
    return p.stdout.decode("utf-8", "replace")


def main():
    lenient_under_valgrind()
    hold_audit_lock()  # before and after are this test's alone
    before = audit_state()
    cleanup()
    db = fresh_db("e2e")
    g = Godo(db).start()
    try:
        # a process outside Docker, which must not appear
        subprocess.run(["/bin/sh", "-c", "echo host-only-marker > /dev/null"], check=True)
        # nested exec chain
        chain_cid, _ = run_rm("sh", "-c", "sh -c 'exec /bin/echo nested-end'; true")
        # non-zero exit, death by signal
        exit_cid, exit_rc = run_rm("sh", "-c", "sh -c 'exit 7'; exit 5")
        kill_cid, _ = run_rm("sh", "-c", "sh -c 'kill -9 $$'; true")
        # multi-threaded writer
        mt_cid, mt_rc = run_rm("mtwriter", "/tmp", "3", "5")
        # hostile names: a space, a newline, a byte that is not UTF-8
        names_cid, _ = run_rm("sh", "-c", "echo a > '/tmp/has space.txt'; "
                              "echo b > \"$(printf '/tmp/nl\\nx.txt')\"; "
                              "echo c > \"$(printf '/tmp/bad\\377.txt')\"")
        # created, written, renamed, deleted
        ops_cid, _ = run_rm("sh", "-c", "echo one > /tmp/c1.txt; mv /tmp/c1.txt /tmp/c2.txt; rm /tmp/c2.txt")
        # metadata changes, links, directories, a node (h-fid)
        meta_cid, meta_rc = run_rm("sh", "-c", META_SCRIPT)
        # background process that double-forks, outlives its parent, writes
        bg_cid = docker("run", "-d", "--name", "godo-e2e-bg", IMAGE, "sh", "-c",
                        "(sh -c 'sleep 0.5; echo late > /tmp/bg.txt' &) ; sleep 3").stdout.decode().strip()
        # docker exec into a running container (enters by setns)
        ex_cid = docker("run", "-d", "--name", "godo-e2e-exec", IMAGE, "sleep", "30").stdout.decode().strip()
        time.sleep(0.5)
        docker("exec", "godo-e2e-exec", "sh", "-c", "echo from-exec > /tmp/exec.txt")
        ex_rootfs_merged = docker("inspect", "-f", "{{.GraphDriver.Data.MergedDir}}", "godo-e2e-exec").stdout.decode().strip()
        # two containers at once writing the same path
        a_cid = docker("run", "-d", "--name", "godo-e2e-a", IMAGE, "sh", "-c",
                       "for i in 1 2 3; do echo A$i >> /tmp/same.txt; sleep 0.2; done").stdout.decode().strip()
        b_cid = docker("run", "-d", "--name", "godo-e2e-b", IMAGE, "sh", "-c",
                       "for i in 1 2 3 4; do echo B$i >> /tmp/same.txt; sleep 0.2; done").stdout.decode().strip()
        docker("wait", "godo-e2e-a", "godo-e2e-b", "godo-e2e-bg")
        time.sleep(0.5)
    finally:
        rc = g.stop()
    check("godo_stopped_cleanly", rc == 0, "rc %d: %s" % (rc, g.text()[-1500:]), strict=True)
    check("audit_state_restored", audit_state() == before, "before %r after %r" % (before, audit_state()), strict=True)
    out = run_filter(db)
    check("roots_are_docker_daemons", len(out["roots"]) >= 1 and all(
        any(p["id"] == r and p.get("star") for p in out["processes"]) for r in out["roots"]), "roots %r" % out["roots"])

    # nothing from outside Docker
    check("no_host_processes", not any("host-only-marker" in " ".join(p.get("args") or []) for p in out["processes"]),
          "a host process leaked into the tree")
    unrooted = [p["id"] for p in out["processes"] if chain_to_root(out, p) is None]
    check("every_process_under_daemons", not unrooted, "not under a root: %r" % unrooted[:5])

    # nested exec chain
    procs = by_container(out, chain_cid)
    end = find_exec(procs, ["/bin/echo", "nested-end"])
    check("chain_in_container", len(end) == 1, "processes of %s: %r" % (chain_cid[:12], [p.get("args") for p in procs]))
    if end:
        check("chain_execs", exec_args(end[0])[-2:] == [["sh", "-c", "exec /bin/echo nested-end"], ["/bin/echo", "nested-end"]],
              "execs %r" % exec_args(end[0]))
        chain = chain_to_root(out, end[0])
        outer = find_exec(procs, ["sh", "-c", "sh -c 'exec /bin/echo nested-end'; true"])
        check("chain_parent", chain is not None and outer and end[0]["parent"] == outer[0]["id"],
              "parent %r outer %r" % (end[0].get("parent"), [o["id"] for o in outer]))
        check("chain_exit", end[0].get("exit_code") == 0, "exit_code %r" % end[0].get("exit_code"))

    # exits
    procs = by_container(out, exit_cid)
    seven = find_exec(procs, ["sh", "-c", "exit 7"])
    outer = find_exec(procs, ["sh", "-c", "sh -c 'exit 7'; exit 5"])
    check("exit_code_7", len(seven) == 1 and seven[0].get("exit_code") == 7, "got %r" % [p.get("exit_code") for p in seven])
    check("exit_code_5", exit_rc == 5 and len(outer) == 1 and outer[0].get("exit_code") == 5,
          "rc %d, got %r" % (exit_rc, [p.get("exit_code") for p in outer]))
    procs = by_container(out, kill_cid)
    killed = find_exec(procs, ["sh", "-c", "kill -9 $$"])
    check("killed_sigkill", len(killed) == 1 and killed[0].get("exit_signal") == 9 and killed[0].get("exit_code") is None,
          "got %r" % [(p.get("exit_code"), p.get("exit_signal")) for p in killed])

    # threads
    procs = by_container(out, mt_cid)
    mt = find_exec(procs, ["mtwriter", "/tmp", "3", "5"])
    check("mt_process", mt_rc == 0 and len(mt) == 1 and len(mt[0].get("threads", [])) >= 3,
          "mtwriter procs %r" % [(p.get("args"), p.get("threads")) for p in mt])
    fl = files_of(out, mt_cid)
    for i in range(3):
        f = [x for x in fl if x["path"] == "/tmp/t%d.txt" % i]
        check("mt_file_%d" % i, len(f) == 1 and f[0]["writes"] == 5 and mt and f[0]["process"] == mt[0]["id"],
              "files %r" % [(x["path"], x["writes"]) for x in f])

    # hostile names come back byte-exact
    paths = {f["path"].encode("utf-8", "surrogateescape"): f for f in files_of(out, names_cid)}
    for raw in (b"/tmp/has space.txt", b"/tmp/nl\nx.txt", b"/tmp/bad\xff.txt"):
        f = paths.get(raw)
        check("hostile_name_%r" % raw, f is not None and f["writes"] >= 1,
              "paths %r" % list(paths))

    # create, rename, delete
    fl = files_of(out, ops_cid)
    ops = [o for o in out["ops"] if o.get("container") == ops_cid]
    c1 = [f for f in fl if f["path"] == "/tmp/c1.txt" and f["writes"] >= 1]
    check("ops_created_written", len(c1) == 1, "files %r" % [(f["path"], f["writes"]) for f in fl])
    renamed = any(o["op"] == "rename" and o["path"] == "/tmp/c1.txt" and o["new_path"] == "/tmp/c2.txt" for o in ops)
    if not renamed:
        # the raw evidence, to tell a lost event from a filter fault
        raw = list(raw_files(client()[db].files, {"$or": [
            {"filename": {"$in": ["/tmp/c1.txt", "/tmp/c2.txt"]}},
            {"new_filename": "/tmp/c2.txt"}]}, {"dg": 0}))
        print("raw files of c1/c2: %r" % raw)
        print("gaps: %r" % list(client()[db].gaps.find()))
    check("ops_renamed", renamed, "ops %r" % [(o["op"], o["path"]) for o in ops][-8:])
    check("ops_deleted", any(o["op"] == "unlink" and o["path"] == "/tmp/c2.txt" for o in ops), "ops %r" % ops)

    check_meta(db, out, meta_cid, meta_rc)

    # double fork in the background
    fl = [f for f in files_of(out, bg_cid) if f["path"] == "/tmp/bg.txt"]
    check("bg_file", len(fl) == 1 and fl[0]["writes"] >= 1, "files %r" % fl)
    if fl:
        procs = {p["id"]: p for p in out["processes"]}
        writer = procs.get(fl[0]["process"])
        check("bg_writer_in_tree", writer is not None and chain_to_root(out, writer) is not None
              and writer.get("container") == bg_cid, "writer %r" % writer)

    # docker exec
    fl = [f for f in files_of(out, ex_cid) if f["path"] == "/tmp/exec.txt"]
    check("exec_file", len(fl) == 1 and fl[0]["writes"] >= 1, "files %r" % files_of(out, ex_cid))
    if fl:
        check("exec_host_path", fl[0].get("host_path") == ex_rootfs_merged + "/tmp/exec.txt",
              "host_path %r, merged %r" % (fl[0].get("host_path"), ex_rootfs_merged))
        writer = [p for p in out["processes"] if p["id"] == fl[0]["process"]]
        check("exec_process_in_container", writer and writer[0].get("container") == ex_cid
              and chain_to_root(out, writer[0]) is not None, "writer %r" % writer)
        check("exec_container_name", any(c["id"] == ex_cid and c.get("name") in ("godo-e2e-exec", "/godo-e2e-exec")
                                         for c in out["containers"]), "containers %r" % out["containers"])

    # two containers at once do not mix
    fa = [f for f in files_of(out, a_cid) if f["path"] == "/tmp/same.txt"]
    fb = [f for f in files_of(out, b_cid) if f["path"] == "/tmp/same.txt"]
    check("two_containers_a", len(fa) == 3 and all(f["writes"] == 1 for f in fa), "a %r" % [(f["writes"]) for f in fa])
    check("two_containers_b", len(fb) == 4 and all(f["writes"] == 1 for f in fb), "b %r" % [(f["writes"]) for f in fb])
    check("two_containers_host_paths", fa and fb and fa[0].get("host_path") != fb[0].get("host_path")
          and all(f.get("host_path") for f in fa + fb), "a %r b %r" % (fa[:1], fb[:1]))
    # progress on stderr when it is a terminal (script(1) gives filter a pty)
    from godotest import FILTER, SLOW, URI, wrap
    host = URI.split("://", 1)[1].rstrip("/")
    argv = wrap([FILTER, "-mongo=" + host, "-db=" + db, "-no-save", "-format=json", "-o", "/dev/null"])
    cmd = " ".join(shlex.quote(a) for a in argv)
    tty = subprocess.run(["script", "-qec", cmd, "/dev/null"], stdout=subprocess.PIPE, timeout=120 * SLOW)
    check("filter_progress_on_tty", b"filter: read " in tty.stdout and b"documents" in tty.stdout,
          "tty output %r" % tty.stdout[-300:])
    plain = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120 * SLOW)
    check("filter_no_progress_off_tty", b"filter: read" not in plain.stderr, "stderr %r" % plain.stderr[-300:])
    cleanup()
    client().drop_database(db)
    client().drop_database(db + "_cooked")
    finish()


main()
