"""End to end, issue 15's scope slice on real containers and the host:
- a host process that enters a running container's namespaces with the
  host's nsenter (util-linux) is recorded from its setns on, with the
  container's id, as a root of its own; the file its child writes inside
  the container is recorded with that id;
- a kernel usermode helper (core_pattern "|prog", a crash) is a root of its
  own in the raw documents and in filter's JSON, text and HTML;
- a child cloned with CLONE_FILES shares its parent's table: its write
  through a descriptor the parent opened after the clone is counted on
  that session, the child one of its writers;
- spoofing: a container process named dockerd, a host binary merely named
  dockerd, and a host process that names itself containerd-shim and hangs
  under init are not roots, nothing they do is recorded.
core_pattern is saved and put back exactly, even on failure."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (raw_execs, raw_files, lenient_under_valgrind, finish_dropping, IMAGE, Godo, audit_state, check, client, docker,  # noqa: E402
                      hold_audit_lock, run_filter, wait_for, wrap, FILTER, URI)
from test_fidelity import fields, filter_text, one  # noqa: E402

CORE_PATTERN = "/proc/sys/kernel/core_pattern"
NSENTER = "/usr/bin/nsenter"
SETNS_SH = "sleep 1; echo entered > /tmp/setns-file; sleep 0.5"
SHIM_NAME = b"containerd-shim"


def cid_of(name):
    return docker("inspect", "-f", "{{.Id}}", name).stdout.decode().strip()


def host_pid(name):
    return int(docker("inspect", "-f", "{{.State.Pid}}", name).stdout.decode().strip())


def start_fake_shim(work):
    """A host process that renames itself containerd-shim and hangs under
    init (its parent exits), with a child that writes a file. Returns its
    pid."""
    pidfile = os.path.join(work, "shim.pid")
    code = ("import ctypes, os, time\n"
            "ctypes.CDLL(None).prctl(15, %r, 0, 0, 0)\n"
            "open(%r, 'w').write(str(os.getpid()))\n"
            "time.sleep(4)\n"
            "os.system('echo shim > %s/shim-out')\n"
            "time.sleep(30)\n") % (SHIM_NAME, pidfile, work)
    subprocess.run(["sh", "-c", "python3 -c \"$0\" </dev/null >/dev/null 2>&1 &", code], check=True)
    wait_for(lambda: os.path.exists(pidfile) and open(pidfile).read().strip() != "", 5)
    pid = int(open(pidfile).read().strip())
    wait_for(lambda: ppid(pid) == 1, 5)
    return pid


def ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def run_setns(ct_pid):
    p = subprocess.run([NSENTER, "-t", str(ct_pid), "-m", "-p", "sh", "-c", SETNS_SH],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    return p.returncode, p.stderr.decode(errors="replace")


def run_fake_dockerd(work):
    """/bin/bash copied as <work>/dockerd, run on the host as root: its exe,
    argv[0] and comm say dockerd; it serves no Docker socket."""
    fake = os.path.join(work, "dockerd")
    shutil.copy("/bin/bash", fake)
    p = subprocess.run([fake, "-c", "echo fake > %s/fake-out; sleep 1.5; echo again >> %s/fake-out" % (work, work)],
                       timeout=30)
    return p.returncode


def run_container_dockerd(name):
    """In the container, a static helper copied as /tmp/dockerd (exe,
    argv[0] and comm say dockerd) that execs a shell writing a file."""
    p = docker("exec", name, "sh", "-c",
               "cp /bin/threxec /tmp/dockerd && /tmp/dockerd /tmp/cd-keep /tmp/cd-gone /bin/sh -c "
               "'echo x > /tmp/cd-out; sleep 1.5'", check_rc=False)
    return p.returncode, p.stderr.decode(errors="replace")


def crash_with_helper(work):
    """core_pattern "|<helper>", a crash; the helper writes a file. Returns
    (ran, why): the kernel or the VM may forbid it. core_pattern put back
    exactly, even on failure."""
    helper = os.path.join(work, "umh.sh")
    out = os.path.join(work, "umh-out")
    with open(helper, "w") as f:
        f.write("#!/bin/sh\necho helper $1 > %s\ncat >/dev/null\nsleep 1\n" % out)
    os.chmod(helper, 0o755)
    with open(CORE_PATTERN) as f:
        saved = f.read()
    try:
        try:
            with open(CORE_PATTERN, "w") as f:
                f.write("|%s %%p" % helper)
        except OSError as e:
            return False, "core_pattern not writable: %s" % e
        subprocess.run(["sh", "-c", "kill -SEGV $$"], timeout=30)
        ran = wait_for(lambda: os.path.exists(out), 10)
    finally:
        with open(CORE_PATTERN, "w") as f:
            f.write(saved.rstrip("\n") if saved.strip() else "core")
    with open(CORE_PATTERN) as f:
        restored = f.read()
    check("core_pattern_restored", restored == saved, "before %r after %r" % (saved, restored))
    return ran, "" if ran else "the helper did not run (core dumps to pipes forbidden here?)"


def run_clonefiles(name):
    p = docker("exec", name, "sh", "-c", "clonefiles /tmp/cf.out && cat /tmp/cf.out", check_rc=False)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check_clonefiles(db, cid):
    pids = client()[db]["pids"]
    par = [p for p in pids.find({"docker_id": cid}) if (p.get("args") or [])[:1] == ["clonefiles"]
           and not p.get("thread")]
    check("raw_cf_parent", len(par) >= 1, "docs %r" % [(p["_id"], p.get("args")) for p in par])
    parent = [p for p in par if any((e.get("args") or [])[:1] == ["clonefiles"] for e in raw_execs(p))]
    check("raw_cf_parent_exec", len(parent) == 1, "docs %r" % [(p["_id"], p.get("parent_id")) for p in par])
    if len(parent) != 1:
        return None
    parent = parent[0]
    kids = list(pids.find({"parent_id": parent["_id"]}))
    check("raw_cf_child", len(kids) == 1, "children %r" % [(k["_id"], k.get("args")) for k in kids])
    f = one(raw_files(client()[db]["files"], {"docker_id": cid, "filename": "/tmp/cf.out"}), "raw_cf_session",
            op="open")
    if len(kids) == 1:
        fields("raw_cf_counts", f, write_count=2, write_bytes=len("child\nparent\n"), proc_id=parent["_id"],
               writers=[kids[0]["_id"], parent["_id"]], closed_by=None)  # absent: "close"
    return f


def check_setns(db, cid, ct_pid):
    pids = client()[db]["pids"]
    ns = [p for p in pids.find({"docker_id": cid}) if (p.get("args") or [])[:1] == [NSENTER]]
    check("raw_setns_root", len(ns) == 1, "nsenter docs %r" % [(p["_id"], p.get("args")) for p in ns])
    if len(ns) != 1:
        return None
    ns = ns[0]
    fields("raw_setns_fields", ns, star=True, source="setns", setns=True, docker_id=cid)
    kids = list(pids.find({"parent_id": ns["_id"]}))
    # sh execs its last command in place: the first exec is the script
    check("raw_setns_child", len(kids) == 1 and kids[0].get("docker_id") == cid
          and [(e.get("args") or [])[:3] for e in raw_execs(kids[0])][:1] == [["sh", "-c", SETNS_SH]],
          "children %r" % [(k["_id"], k.get("args"), k.get("execve"), k.get("docker_id")) for k in kids])
    files = raw_files(client()[db]["files"], {"filename": "/tmp/setns-file"})
    f = one(files, "raw_setns_file", op="open")
    if f is not None and len(kids) == 1:
        fields("raw_setns_file_fields", f, docker_id=cid, proc_id=kids[0]["_id"], write_count=1,
               write_bytes=len("entered\n"))
    gaps = list(client()[db]["gaps"].find({"source": "setns_unresolved"}))
    check("raw_setns_no_gap", not gaps, "gaps %r" % gaps)
    return ns


def check_helper(db, work):
    pids = client()[db]["pids"]
    helper = os.path.join(work, "umh.sh")
    hs = [p for p in pids.find({"source": "usermode_helper"})
          if any(helper in a for a in (p.get("args") or []))]
    check("raw_helper_root", len(hs) == 1, "helper docs %r" % [(p["_id"], p.get("args"), p.get("ppid"))
                                                              for p in pids.find({"source": "usermode_helper"})])
    if len(hs) != 1:
        return None
    h = hs[0]
    fields("raw_helper_fields", h, star=True, source="usermode_helper", ppid=2)
    check("raw_helper_host", "docker_id" not in h, "doc %r" % h)
    files = raw_files(client()[db]["files"], {"filename": os.path.join(work, "umh-out")})
    f = one(files, "raw_helper_file", op="open")
    fields("raw_helper_file_fields", f, proc_id=h["_id"])
    return h


def check_spoofs(db, work, shim_pid, ct_cid):
    pids = client()[db]["pids"]
    fake = [p for p in pids.find({"exe": os.path.join(work, "dockerd")})]
    check("raw_fake_dockerd_not_root", not fake, "docs %r" % [(p["_id"], p.get("star")) for p in fake])
    files = raw_files(client()[db]["files"], {"filename": {"$in": [os.path.join(work, "fake-out"),
                                                                  os.path.join(work, "shim-out")]}})
    check("raw_fake_files_not_recorded", not files, "files %r" % [(f["filename"], f.get("proc_id")) for f in files])
    shim = list(pids.find({"pid": shim_pid}))
    check("raw_fake_shim_not_recorded", not shim, "docs %r" % [(p["_id"], p.get("source")) for p in shim])
    stars = [p for p in pids.find({"docker_id": ct_cid, "star": True}) if p.get("source") != "setns"]
    check("raw_container_dockerd_not_star", not stars,
          "stars %r" % [(p["_id"], p.get("args"), p.get("exe")) for p in stars])
    cd = [p for p in pids.find({"docker_id": ct_cid}) if (p.get("args") or [])[:1] == ["/tmp/dockerd"]
          or any((e.get("args") or [])[:1] == ["/tmp/dockerd"] for e in raw_execs(p))]
    check("raw_container_dockerd_recorded", len(cd) == 1, "docs %r" % [(p["_id"], p.get("args")) for p in cd])


def check_filter(db, ct_cid, ns, helper, cf):
    out = run_filter(db)
    procs = {p["id"]: p for p in out["processes"]}
    if cf is not None:
        fs = [f for f in out["files"] if f.get("container") == ct_cid and f["path"] == "/tmp/cf.out"]
        check("json_cf_writers", len(fs) == 1 and fs[0].get("writers") == cf.get("writers")
              and fs[0]["writes"] == 2, "files %r" % fs)
    if ns is not None:
        p = procs.get(ns["_id"])
        check("json_setns_root", p is not None and p.get("root") == "setns" and p.get("star") is True
              and p.get("container") == ct_cid, "proc %r" % p)
        fs = [f for f in out["files"] if f["path"] == "/tmp/setns-file"]
        check("json_setns_file", len(fs) == 1 and fs[0].get("container") == ct_cid, "files %r" % fs)
    if helper is not None:
        p = procs.get(helper["_id"])
        check("json_helper_root", p is not None and p.get("root") == "usermode_helper", "proc %r" % p)
    text = filter_text(db)
    if ns is not None:
        check("text_setns_root", "[root: a host process that entered the container]" in text, text[-3000:])
    if helper is not None:
        check("text_helper_root", "[root: a kernel usermode helper]" in text, text[-3000:])
    host = URI.split("://", 1)[1].rstrip("/")
    page = subprocess.run(wrap([FILTER, "-mongo=" + host, "-db=" + db, "-no-save", "-format=html"]),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300).stdout.decode("utf-8", "replace")
    if ns is not None:
        check("html_setns_root", '"root":"setns"' in page, "page of %d bytes" % len(page))
    if helper is not None:
        check("html_helper_root", '"root":"usermode_helper"' in page, "page of %d bytes" % len(page))


def main():
    lenient_under_valgrind()
    hold_audit_lock()
    before = audit_state()
    db = fresh_db_scope()
    work = tempfile.mkdtemp(prefix="godo-scope-")
    os.chmod(work, 0o755)
    name = "godo-e2e-scope"
    docker("rm", "-f", name, check_rc=False)
    docker("run", "-d", "--network=none", "--name", name, IMAGE, "sleep", "120")
    shim_pid = start_fake_shim(work)
    g = Godo(db).start()
    helper_ran, why = False, ""
    try:
        cid, ct_pid = cid_of(name), host_pid(name)
        time.sleep(0.5)
        ns_rc, ns_err = run_setns(ct_pid)
        fake_rc = run_fake_dockerd(work)
        cd_rc, cd_err = run_container_dockerd(name)
        cf_rc, cf_out, cf_err = run_clonefiles(name)
        helper_ran, why = crash_with_helper(work)
        time.sleep(4)  # the fake shim's child writes after 4 s
    finally:
        rc = g.stop()
        docker("rm", "-f", name, check_rc=False)
        try:
            os.kill(shim_pid, 9)
        except OSError:
            pass
    check("godo_stopped_cleanly", rc == 0, "rc %d: %s" % (rc, g.text()[-1500:]))
    check("audit_state_restored", audit_state() == before, "before %r after %r" % (before, audit_state()))
    check("setns_ran", ns_rc == 0, "rc %d: %s" % (ns_rc, ns_err[-500:]))
    check("fake_dockerd_ran", fake_rc == 0, "rc %d" % fake_rc)
    check("container_dockerd_ran", cd_rc == 0, "rc %d: %s" % (cd_rc, cd_err[-500:]))
    check("clonefiles_ran", cf_rc == 0 and cf_out == "child\nparent\n", "rc %d out %r: %s"
          % (cf_rc, cf_out, cf_err[-500:]))
    cf = check_clonefiles(db, cid)
    ns = check_setns(db, cid, ct_pid)
    helper = None
    if helper_ran:
        helper = check_helper(db, work)
    else:
        print("SKIP usermode helper: %s" % why)
    check_spoofs(db, work, shim_pid, cid)
    check_filter(db, cid, ns, helper, cf)
    shutil.rmtree(work, True)
    finish_dropping(db)


def fresh_db_scope():
    from godotest import fresh_db
    return fresh_db("scope")


if __name__ == "__main__":
    main()
