"""End to end, issue 15's truthful paths on a real container: a file
written through a symlinked directory and through "link/.." is recorded
under the path the kernel resolved (raw_path: the name as given), with the
PATH record's inode and dev; a chmod through the symlink the same; a name
with a newline and a byte that is not UTF-8 kept byte for byte; an
O_TMPFILE file linked into place gets the linked name; a hard link's
target named through the symlink is resolved with its own marks; an
unlink through the symlink right after the file's close keeps its own
document and marks (not joined to the file's), one by the same name is
joined; a cwd deeper than
the kernel can print (<too_long>) is marked, never stored as a path; a
dirfd opened O_PATH before godo started resolves to its directory; and the
attack: with godo stopped, the container swaps a directory it just wrote
into for a symlink to "/" - the document must say path_unverified and
never name a host path. Checked in the raw documents and in filter's JSON,
text and HTML."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (raw_files, lenient_under_valgrind, finish_dropping, FILTER, IMAGE, SLOW, URI, Godo, audit_state,  # noqa: E402
                      check, client, docker, run_filter, wrap, hold_audit_lock)

BAD = b"/data/real/n\nl\xff"
SCRIPT = ("set -e; mkdir -p /data/real /data/tmp; ln -s /data/real /lnk; "
          "echo x > /lnk/f.txt; echo z > /lnk/../tmp/z.txt; chmod 600 /lnk/f.txt; "
          "n=$(printf 'n\\nl\\377'); echo q > \"/lnk/$n\"; "
          "pathops tmpfile /data/real /data/real/linked.txt; "
          "mkdir -p /tmp/deep; cd /tmp/deep; pathops deep 45 t.txt; cd /; "
          "ln /lnk/f.txt /data/real/hard.txt; echo y > /data/real/tmpf; rm /lnk/tmpf; "
          "echo w > /data/real/t2; rm /data/real/t2; touch /go")
SWAP = "mkdir /sw && echo a > /sw/x && rm -rf /sw && ln -s / /sw && echo b > /x"
OPATH = "mkdir -p /data/opdir && ln -s /data/opdir /lnk2 && pathops opath /lnk2 op.txt /go; sleep 600"


def fields(name, d, **want):
    bad = {k: (d or {}).get(k) for k, v in want.items() if d is None or d.get(k) != v}
    check(name, d is not None and not bad, "fields %r want %r in %r" % (bad, want, d))


def one(docs, name, **want):
    got = [d for d in docs if all(d.get(k) == v for k, v in want.items())]
    check(name, len(got) == 1, "want %r among %r" % (want, [(d.get("op"), d.get("filename")) for d in docs]))
    return got[0] if len(got) == 1 else None


def has_inode(name, d):
    check(name, d is not None and d.get("inode", 0) > 0 and ":" in d.get("dev", ""), "doc %r" % d)


def check_raw(db, cid):
    files = raw_files(client()[db]["files"], {"docker_id": cid})
    f = one(files, "raw_symlink_dir", op="open", filename="/data/real/f.txt")
    fields("raw_symlink_dir_given", f, raw_path="/lnk/f.txt")
    check("raw_symlink_dir_verified", f is not None and "path_unverified" not in f, "doc %r" % f)
    has_inode("raw_symlink_dir_inode", f)
    z = one(files, "raw_dotdot_after_symlink", op="open", filename="/data/tmp/z.txt")
    fields("raw_dotdot_given", z, raw_path="/tmp/z.txt")
    c = one(files, "raw_chmod_through_symlink", op="chmod", filename="/data/real/f.txt")
    fields("raw_chmod_given", c, raw_path="/lnk/f.txt", mode=0o600)
    has_inode("raw_chmod_inode", c)
    bad = [d for d in files if d.get("filename") == BAD]
    check("raw_bad_name_bytes", len(bad) == 1 and bad[0].get("raw_path") == b"/lnk/n\nl\xff"
          and "path_unverified" not in bad[0], "docs %r" % bad)
    t = one(files, "raw_tmpfile_linked", op="open", filename="/data/real/linked.txt")
    fields("raw_tmpfile_flag", t, tmpfile=True, write_bytes=8)
    deep = one(files, "raw_too_long_cwd", op="open", filename="t.txt")
    fields("raw_too_long_marked", deep, cwd_unknown=True, path_unverified=True)
    procs = list(client()[db]["pids"].find({"docker_id": cid, "cwd_unknown": {"$exists": True}}))
    check("raw_too_long_pids", len(procs) >= 1 and all("cwd" not in p and p["cwd_unknown"] == "<too_long>"
                                                       for p in procs), "pids %r" % procs)
    h = one(files, "raw_link_target", op="link", filename="/data/real/hard.txt")
    fields("raw_link_target_given", h, target="/data/real/f.txt", target_raw_path="/lnk/f.txt")
    check("raw_link_target_verified", h is not None and "target_unverified" not in h
          and "path_unverified" not in h, "doc %r" % h)
    # the O_TMPFILE link names its target through a magic link: never
    # taken for a confirmed path
    ml = one(files, "raw_link_magic_target", op="link", filename="/data/real/linked.txt")
    check("raw_link_magic_target_unverified", ml is not None and str(ml.get("target", "")).startswith("/proc/self/fd/")
          and ml.get("target_unverified") is True, "doc %r" % ml)
    u = one(files, "raw_unlink_own_doc", op="unlink", filename="/data/real/tmpf")
    fields("raw_unlink_own_marks", u, raw_path="/lnk/tmpf")
    s = one(files, "raw_unlinked_session", op="open", filename="/data/real/tmpf")
    check("raw_unlinked_session_not_joined", s is not None and "then_op" not in s and "raw_path" not in s,
          "doc %r" % s)
    # the same name, confirmed alike, the same inode and dev: joined
    j = one(files, "raw_joined_session", op="open", filename="/data/real/t2")
    alone = [d for d in raw_files(client()[db]["files"], {}) if d.get("op") == "unlink"
             and d.get("filename") == "/data/real/t2"]
    check("raw_joined_unlink", j is not None and j.get("then_op") == "unlink" and not alone,
          "doc %r, unlink alone %r" % (j, alone))
    op = one(files, "raw_opath_dirfd", op="open", filename="/data/opdir/op.txt")
    check("raw_opath_verified", op is not None and "path_unverified" not in op, "doc %r" % op)
    # the swap's processes were gone before godo read their cgroup: all
    # of the database's documents
    every = raw_files(client()[db]["files"], {})
    sw = one(every, "raw_swap_doc", op="open", filename="/sw/x")
    fields("raw_swap_unverified", sw, path_unverified=True)
    check("raw_swap_no_raw", sw is not None and "raw_path" not in sw, "doc %r" % sw)
    # the swapped name, whatever resolution made of it: never a host path
    host = [d.get("filename") for d in every if isinstance(d.get("filename"), str)
            and d["filename"].endswith("/x") and d["filename"] not in ("/sw/x", "/x")]
    check("raw_no_host_path", not host, "host paths %r" % host)


def filter_out(db, fmt):
    host = URI.split("://", 1)[1].rstrip("/")
    cmd = wrap([FILTER, "-mongo=" + host, "-db=" + db, "-no-save", "-format=" + fmt])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300 * SLOW)
    return p.stdout.decode("utf-8", "replace")


def check_filter(db, cid):
    out = run_filter(db)
    files = [f for f in out["files"] if f.get("container") == cid]
    f = [x for x in files if x["path"] == "/data/real/f.txt"]
    check("json_given_path", len(f) == 1 and f[0].get("given_path") == "/lnk/f.txt"
          and "path_unverified" not in f[0] and f[0].get("inode", 0) > 0, "files %r" % f)
    sw = [x for x in files if x["path"] == "/sw/x"]
    check("json_unverified", len(sw) == 1 and sw[0].get("path_unverified") is True, "files %r" % sw)
    ops = [o for o in out["ops"] if o.get("container") == cid and o["op"] == "chmod"]
    check("json_op_given", len(ops) == 1 and ops[0].get("given_path") == "/lnk/f.txt", "ops %r" % ops)
    ops = [o for o in out["ops"] if o.get("container") == cid and o["op"] == "unlink"
           and o["path"] == "/data/real/tmpf"]
    check("json_unlink_given", len(ops) == 1 and ops[0].get("given_path") == "/lnk/tmpf", "ops %r" % ops)
    ops = [o for o in out["ops"] if o.get("container") == cid and o["op"] == "link"
           and o["path"] == "/data/real/hard.txt"]
    check("json_link_target", len(ops) == 1 and ops[0].get("target") == "/data/real/f.txt", "ops %r" % ops)
    cooked = client()[db + "_cooked"]
    d = cooked["files"].find_one({"docker_id": cid, "filename": "/sw/x"})
    check("saved_unverified", d is not None and d.get("path_unverified") is True, "doc %r" % d)
    d = cooked["files"].find_one({"docker_id": cid, "op": "chmod"})
    check("saved_raw_path", d is not None and d.get("raw_path") == "/lnk/f.txt", "doc %r" % d)
    text = filter_out(db, "text")
    lines = [ln for ln in text.splitlines() if "/data/real/f.txt" in ln]
    check("text_given", any("(given as /lnk/f.txt)" in ln for ln in lines), "lines %r" % lines)
    lines = [ln for ln in text.splitlines() if "/sw/x" in ln]
    check("text_unverified", any("(path unverified)" in ln for ln in lines), "lines %r" % lines)
    html = filter_out(db, "html")
    # the data the page draws from, and its badges (drawn and checked in
    # Chromium by test_filter's path_marks_badges)
    check("html_fields", "given_path" in html and "path_unverified" in html and "pmark" in html,
          "html of %d bytes" % len(html))


def main():
    lenient_under_valgrind()
    hold_audit_lock()
    before = audit_state()
    db = "paths_%d_%d" % (os.getpid(), int(time.time() * 1000) % 10**9)
    client().drop_database(db)
    # the O_PATH dirfd is opened before godo starts
    cid = docker("run", "-d", "--network=none", IMAGE, "sh", "-c", OPATH).stdout.decode().strip()
    rc = swap_rc = 1
    err = ""
    try:
        time.sleep(1.5)
        g = Godo(db).start()
        try:
            p = docker("exec", cid, "sh", "-c", SCRIPT, check_rc=False)
            rc, err = p.returncode, p.stderr.decode(errors="replace")
            # the attack, while godo reads nothing: resolution comes after
            # the swap
            g.proc.send_signal(signal.SIGSTOP)
            try:
                swap_rc = docker("exec", cid, "sh", "-c", SWAP, check_rc=False).returncode
            finally:
                g.proc.send_signal(signal.SIGCONT)
            g.settle(2.0)
        finally:
            grc = g.stop()
    finally:
        docker("rm", "-f", cid, check_rc=False)
    check("godo_stopped_cleanly", grc == 0, "rc %d: %s" % (grc, g.text()[-1500:]))
    check("audit_state_restored", audit_state() == before, "before %r after %r" % (before, audit_state()))
    check("script_ran", rc == 0, "rc %d: %s" % (rc, err[-500:]))
    check("swap_ran", swap_rc == 0, "rc %d" % swap_rc)
    check_raw(db, cid)
    check_filter(db, cid)
    finish_dropping(db)


if __name__ == "__main__":
    main()
