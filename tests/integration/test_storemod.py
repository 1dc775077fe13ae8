#!/usr/bin/python3
"""test_storemod.py - libmongoc lives in the store module (godo-store.so,
listener/storemod.h), loaded only by the process that talks to the store:
godo's executable does not link it (readelf -d); with -privsep the
recorder and the monitor never map it and the writer does; without, godo
maps it and records. The loader refuses, before anything touches the
kernel's audit state, a module that is missing, not owned by root,
writable by others, or in a directory others may write to, and finds one
installed as make install lays it out (<prefix>/sbin/godo,
<prefix>/lib/godo/godo-store.so)."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import GODO, WRAP, Godo, check, client, fresh_db, finish_dropping, wait_for  # noqa: E402
from test_privsep import children, monitor_of, writer_of  # noqa: E402

MODULE = os.path.join(os.path.dirname(GODO), "godo-store.so")


def maps(pid):
    """The files mapped by pid (paths, deduplicated)."""
    out = set()
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].startswith("/"):
                out.add(parts[5].strip())
    return out


def has_mongoc(pid):
    return any("libmongoc" in p for p in maps(pid))


def check_needed():
    r = subprocess.run(["readelf", "-d", GODO], stdout=subprocess.PIPE, universal_newlines=True)
    needed = [ln for ln in r.stdout.splitlines() if "(NEEDED)" in ln]
    check("storemod_godo_not_linked", r.returncode == 0 and needed
          and not any("libmongoc" in ln for ln in needed), "\n".join(needed))
    r = subprocess.run(["readelf", "-d", MODULE], stdout=subprocess.PIPE, universal_newlines=True)
    check("storemod_module_links_mongoc", r.returncode == 0 and "libmongoc" in r.stdout, r.stdout[-600:])


def check_privsep(d, db):
    g = Godo(db, "-all", "-privsep", "-privsep-user=nobody").start()
    try:
        # godo's children: the monitor (which forks the writer) and the
        # proc helper's keeper
        mon, wr = monitor_of(g), writer_of(g)
        check("storemod_privsep_processes", mon is not None and wr is not None,
              "children %r" % children(g.proc.pid))
        check("storemod_recorder_no_mongoc", not has_mongoc(g.proc.pid),
              sorted(p for p in maps(g.proc.pid) if "mongoc" in p or "godo-store" in p))
        if mon is not None:
            check("storemod_monitor_no_mongoc", not has_mongoc(mon), "monitor maps libmongoc")
        if wr is not None:
            wm = maps(wr)
            check("storemod_writer_maps_module", has_mongoc(wr)
                  and os.path.realpath(MODULE) in wm, sorted(p for p in wm if "lib" in p)[:20])
        subprocess.run(["/bin/true", "storemod-privsep"], check=True)
        check("storemod_privsep_records", wait_for(lambda: d.pids.count_documents(
            {"args": ["/bin/true", "storemod-privsep"]}) == 1, 20), "the exec was not recorded")
    finally:
        rc = g.stop()
    check("storemod_privsep_exit", rc == 0, g.text()[-1500:])


def check_one_process(d, db):
    g = Godo(db, "-all", "-no-privsep").start()
    try:
        check("storemod_one_process_maps_module", has_mongoc(g.proc.pid)
              and os.path.realpath(MODULE) in maps(g.proc.pid), "godo does not map the module")
        subprocess.run(["/bin/true", "storemod-one"], check=True)
        check("storemod_one_process_records", wait_for(lambda: d.pids.count_documents(
            {"args": ["/bin/true", "storemod-one"]}) == 1, 20), "the exec was not recorded")
    finally:
        rc = g.stop()
    check("storemod_one_process_exit", rc == 0, g.text()[-1500:])


def run_copy(exe, *args):
    """A copy of godo, to a store nothing listens on: it stops at the
    module (refused) or at the store's ping (loaded), before any audit
    request."""
    r = subprocess.run(WRAP + [exe, "-mongo=127.0.0.1:1", "-stats=0"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout


def check_refusals(tmp):
    os.chmod(tmp, 0o755)
    bindir = os.path.join(tmp, "sbin")
    os.mkdir(bindir, 0o755)
    exe = os.path.join(bindir, "godo")
    shutil.copy2(GODO, exe)
    state = os.path.join(tmp, "state")
    for mode in ("-no-privsep", "-privsep"):
        rc, out = run_copy(exe, mode, "-state-dir=" + state)
        check("storemod_missing_refused" + mode.replace("-", "_"), rc != 0 and "no store module" in out,
              "rc %d: %s" % (rc, out[-600:]))
    mod = os.path.join(bindir, "godo-store.so")
    shutil.copy2(MODULE, mod)
    os.chmod(mod, 0o644)
    rc, out = run_copy(exe, "-no-privsep")
    check("storemod_beside_loaded", rc != 0 and "unreachable" in out and "store module" not in out,
          "rc %d: %s" % (rc, out[-600:]))
    os.chmod(mod, 0o666)
    for mode in ("-no-privsep", "-privsep"):
        rc, out = run_copy(exe, mode, "-state-dir=" + state)
        check("storemod_writable_refused" + mode.replace("-", "_"),
              rc != 0 and "refused: it is writable by others" in out, "rc %d: %s" % (rc, out[-600:]))
    os.chmod(mod, 0o644)
    os.chown(mod, 65534, 65534)
    rc, out = run_copy(exe, "-no-privsep")
    check("storemod_owner_refused", rc != 0 and "refused: it is owned by uid 65534" in out,
          "rc %d: %s" % (rc, out[-600:]))
    os.unlink(mod)
    os.chmod(bindir, 0o777)  # a directory others may write to
    os.makedirs(os.path.join(tmp, "lib", "godo"), 0o755)
    shutil.copy2(MODULE, os.path.join(tmp, "lib", "godo", "godo-store.so"))
    rc, out = run_copy(exe, "-no-privsep")
    check("storemod_installed_layout_loaded", rc != 0 and "unreachable" in out and "store module" not in out,
          "rc %d: %s" % (rc, out[-600:]))
    shutil.copy2(MODULE, mod)
    os.chmod(mod, 0o644)
    rc, out = run_copy(exe, "-no-privsep")
    check("storemod_dir_writable_refused", rc != 0 and "its directory is writable by others" in out,
          "rc %d: %s" % (rc, out[-600:]))


def main():
    check_needed()
    tmp = tempfile.mkdtemp(prefix="godo-storemod-")
    try:
        check_refusals(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    db = fresh_db("storemod")
    d = client()[db]
    check_privsep(d, db)
    d.pids.delete_many({})
    check_one_process(d, db)
    return db


if __name__ == "__main__":
    finish_dropping(main())
