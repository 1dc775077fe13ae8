"""godo on a host that keeps auditd (issue 20): auditd 3 is the registered
audit daemon, godo's rules loaded through augenrules (godo -rules >
/etc/audit/rules.d/godo.rules). While a container scenario runs, two godos
record it at once: one reading the kernel's multicast group
(-source=multicast) and one started by auditd as its plugin
(-source=stdin, plugins.d format string). Both must record the scenario
completely (filter's JSON: processes with args and exit codes, changed
files), auditd must keep its role, its rules and log every record godo saw,
and the machine is left as found: auditd stopped, audit pid/enabled/rules
and settings restored, /etc/audit as it was. Also: a multicast godo where
godo's rules are missing installs and removes only its own (-rules-mode=none:
none); a multicast reader that stops reading reports its losses (ENOBUFS,
multicast gaps); auditd's log and godo's -diag output replayed agree."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (lenient_under_valgrind, GODO, IMAGE, SLOW, URI, Godo, audit_state, check,  # noqa: E402
                     client, docker, finish, fresh_db, godo_rules,
                     hold_audit_lock, run_filter, wait_for)

AUDITD = "/usr/sbin/auditd"
ETC = "/etc/audit"
SETTINGS = {"backlog_limit": "-b", "backlog_wait_time": "--backlog_wait_time",
            "failure": "-f", "rate_limit": "-r"}


def status():
    out = subprocess.run(["auditctl", "-s"], stdout=subprocess.PIPE, text=True).stdout
    return dict(l.split(" ", 1) for l in out.splitlines() if " " in l)


def snapshot_etc():
    """Every file under /etc/audit: bytes and mode."""
    snap = {}
    for d, _, files in os.walk(ETC):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                snap[p] = (fh.read(), os.stat(p).st_mode)
    return snap


def restore_etc(snap):
    for d, _, files in os.walk(ETC):
        for f in files:
            p = os.path.join(d, f)
            if p not in snap:
                os.unlink(p)
    for p, (data, mode) in snap.items():
        cur = None
        if os.path.exists(p):
            with open(p, "rb") as fh:
                cur = fh.read()
        if cur != data:
            with open(p, "wb") as fh:
                fh.write(data)
        os.chmod(p, mode & 0o7777)


def restore_kernel(before_st, before_rules):
    """Rules, settings and enabled as they were (augenrules deletes every
    rule and sets the backlog, wait time and failure mode)."""
    subprocess.run(["auditctl", "-D"], stdout=subprocess.DEVNULL)
    rules = [l for l in before_rules.splitlines() if l.startswith("-")]
    if rules:
        with tempfile.NamedTemporaryFile("w", suffix=".rules", delete=False) as f:
            f.write("\n".join(rules) + "\n")
        subprocess.run(["auditctl", "-R", f.name], stdout=subprocess.DEVNULL)
        os.unlink(f.name)
    for k, flag in SETTINGS.items():
        if k in before_st and status().get(k) != before_st[k]:
            subprocess.run(["auditctl", flag, before_st[k]], stdout=subprocess.DEVNULL)
    subprocess.run(["auditctl", "-e", before_st.get("enabled", "0")], stdout=subprocess.DEVNULL)


def auditd_conf(d):
    """auditd.conf of this host, logging into d, plugins from d."""
    with open(os.path.join(ETC, "auditd.conf")) as f:
        conf = f.read()
    repl = {"log_file": os.path.join(d, "audit.log"), "max_log_file": "500",
            "max_log_file_action": "IGNORE", "plugin_dir": os.path.join(d, "plugins.d"),
            "log_format": "ENRICHED", "space_left_action": "IGNORE",
            "admin_space_left_action": "IGNORE", "disk_full_action": "IGNORE",
            # auditd's queue to its plugins (2000 events here): a plugin
            # that falls behind for a moment under load loses what does not
            # fit, which godo reports as a stdin gap
            "q_depth": "90000"}
    for k, v in repl.items():
        conf, n = re.subn(r"(?m)^%s\s*=.*$" % k, "%s = %s" % (k, v), conf)
        if n == 0:
            conf += "%s = %s\n" % (k, v)
    os.makedirs(os.path.join(d, "plugins.d"))
    p = os.path.join(d, "auditd.conf")
    with open(p, "w") as f:
        f.write(conf)
    os.chmod(p, 0o640)


def plugin_conf(d, db, state):
    """plugins.d/godo.conf as shipped (scripts/godo-plugin.conf), made
    active, its path a wrapper that adds the test's flags (auditd passes
    two arguments at most)."""
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(top, "scripts", "godo-plugin.conf")) as f:
        conf = f.read()
    wrapper = os.path.join(d, "godo-plugin.sh")
    host = URI.split("://", 1)[1].rstrip("/")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec %s \"$@\" -db=%s -state-dir=%s -stats=0 -diag=%s >>%s 2>&1\n"
                % (GODO, db, state, os.path.join(d, "plugin.diag"), os.path.join(d, "plugin.log")))
    os.chmod(wrapper, 0o755)
    conf = re.sub(r"(?m)^active = .*$", "active = yes", conf)
    conf = re.sub(r"(?m)^path = .*$", "path = " + wrapper, conf)
    conf = re.sub(r"(?m)^args = .*$", "args = -source=stdin -mongo=" + host, conf)
    p = os.path.join(d, "plugins.d", "godo.conf")
    with open(p, "w") as f:
        f.write(conf)
    os.chmod(p, 0o640)


def read(p):
    try:
        with open(p, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def serials(text):
    return set(re.findall(r"msg=audit\(\d+\.\d+:(\d+)\)", text))


def run_rm(*cmd):
    d = tempfile.mkdtemp(prefix="godo-cid-")
    cid_file = os.path.join(d, "cid")
    p = docker("run", "--rm", "--cidfile", cid_file, IMAGE, *cmd, check_rc=False)
    with open(cid_file) as f:
        return f.read().strip(), p.returncode


def scenario():
    """The container scenario: an exec chain, exit codes, a file created,
    written, renamed and deleted. Returns {name: container id}."""
    ids = {}
    ids["chain"], _ = run_rm("sh", "-c", "sh -c 'exec /bin/echo nested-end'; true")
    ids["exit"], rc = run_rm("sh", "-c", "sh -c 'exit 7'; exit 5")
    check("scenario_exit_rc", rc == 5, "rc %d" % rc)
    ids["ops"], _ = run_rm("sh", "-c", "echo one > /tmp/c1.txt; mv /tmp/c1.txt /tmp/c2.txt; rm /tmp/c2.txt")
    return ids


def summary(out, ids):
    """What the scenario must show, per container: (args, exit code) of
    every process with args, and the changed files and ops."""
    s = {}
    for name, cid in ids.items():
        procs = sorted((tuple(p.get("args") or []), p.get("exit_code"))
                       for p in out["processes"] if p.get("container") == cid and p.get("args"))
        files = sorted((f["path"], f["writes"]) for f in out["files"] if f.get("container") == cid)
        ops = sorted((o["op"], o["path"], o.get("new_path") or "") for o in out["ops"] if o.get("container") == cid)
        s[name] = (procs, files, ops)
    return s


def check_complete(tag, s):
    chain, ex, ops = s["chain"][0], s["exit"][0], s["ops"]
    check(tag + "_chain", (("/bin/echo", "nested-end"), 0) in chain, "processes %r" % chain)
    check(tag + "_exit_7_5", (("sh", "-c", "exit 7"), 7) in ex and (("sh", "-c", "sh -c 'exit 7'; exit 5"), 5) in ex,
          "processes %r" % ex)
    check(tag + "_file_written", ("/tmp/c1.txt", 1) in ops[1], "files %r" % (ops[1],))
    check(tag + "_renamed", ("rename", "/tmp/c1.txt", "/tmp/c2.txt") in ops[2], "ops %r" % (ops[2],))
    check(tag + "_deleted", any(o[0] == "unlink" and o[1] == "/tmp/c2.txt" for o in ops[2]), "ops %r" % (ops[2],))


def reader_rules(db):
    """-source=multicast where godo's rules are not loaded (before
    augenrules, no daemon yet): godo installs its own, never registers or
    changes enabled and the backlog, and removes only its own at exit;
    -rules-mode=none installs nothing and says so."""
    st0, rules0 = status(), godo_rules()
    if rules0:
        print("NOTE reader_rules skipped: godo rules already loaded %r" % rules0[:2], flush=True)
        return
    g = Godo(db, "-source=multicast").start()
    log, mine, st1 = g.text(), godo_rules(), status()
    rc = g.stop(settle=0.5)
    check("mc_installs_missing_rules", "godo's rules were not loaded: installed" in log and len(mine) >= 20,
          "%d rules: %s" % (len(mine), log[-1500:]))
    kept = ("pid", "enabled", "backlog_limit", "backlog_wait_time", "failure")
    check("mc_never_registers", all(st1.get(k) == st0.get(k) for k in kept), "before %r during %r" % (st0, st1))
    check("mc_removes_own_rules", rc == 0 and godo_rules() == rules0, "rc %d, left %r" % (rc, godo_rules()))
    g = Godo(db, "-source=multicast", "-rules-mode=none").start()
    log, mine = g.text(), godo_rules()
    rc = g.stop(settle=0.5)
    check("mc_rules_none", rc == 0 and not mine and "not loaded and -rules-mode=none" in log,
          "rc %d, %d rules: %s" % (rc, len(mine), log[-1500:]))


def reader_overrun(db):
    """The multicast group has no backpressure: a reader that does not read
    (SIGSTOPped, a 4 KiB receive buffer) loses records for itself alone,
    which godo reports (ENOBUFS, missing serials as multicast gaps)."""
    g = Godo(db, "-source=multicast", "-backlog=4096").start()
    g.proc.send_signal(signal.SIGSTOP)
    try:
        subprocess.run(["/bin/sh", "-c", "i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done"], check=True)
    finally:
        g.proc.send_signal(signal.SIGCONT)
    time.sleep(0.5)
    subprocess.run(["/bin/sh", "-c", "i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i+1)); done"], check=True)
    rc = g.stop(settle=3.0)  # a skipped serial may be 2 s late
    gaps = [gp.get("count") or 0 for gp in client()[db].gaps.find({"source": "multicast"})]
    check("mc_overrun_counted", rc == 0 and "ENOBUFS" in g.text() and sum(gaps) > 100,
          "rc %d, multicast gaps %r: %s" % (rc, gaps, g.text()[-1500:]))


def stop_auditd(pid):
    if pid and os.path.exists("/proc/%d" % pid):
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not os.path.exists("/proc/%d" % pid), 15)


def main():
    lenient_under_valgrind()
    hold_audit_lock()
    before = audit_state()
    before_st = status()
    etc = snapshot_etc()
    d = tempfile.mkdtemp(prefix="godo-auditd-")
    state = tempfile.mkdtemp(prefix="godo-plugin-state-")
    db_mc, db_pl, db_rp = fresh_db("auditd_mc"), fresh_db("auditd_pl"), fresh_db("auditd_rp")
    db_own, db_ov, db_dg = fresh_db("auditd_own"), fresh_db("auditd_ov"), fresh_db("auditd_dg")
    apid = 0
    mc = None
    try:
        reader_rules(db_own)
        # the documented steps: godo's rules through augenrules
        with open(os.path.join(ETC, "rules.d", "godo.rules"), "w") as f:
            subprocess.run([GODO, "-rules"], stdout=f, check=True)
        subprocess.run(["augenrules", "--load"], stdout=subprocess.DEVNULL, check=True)
        loaded = godo_rules()
        check("augenrules_loaded_godo_rules", len(loaded) >= 20, "rules %r" % loaded)
        auditd_conf(d)
        plugin_conf(d, db_pl, state)
        subprocess.run([AUDITD, "-c", d], check=True)
        check("auditd_registered", wait_for(lambda: status().get("pid", "0") != "0", 10), "status %r" % status())
        apid = int(status().get("pid", "0"))
        check("plugin_started", wait_for(lambda: "recording to" in read(os.path.join(d, "plugin.log")), 30),
              read(os.path.join(d, "plugin.log"))[-1500:])
        mc = Godo(db_mc, "-source=multicast", "-diag=" + os.path.join(d, "mc.diag")).start()
        log = mc.text()
        check("mc_says_daemon", "audit daemon: pid %d (auditd)" % apid in log, log[-1500:])
        check("mc_says_rules_loaded", "godo's rules are loaded" in log, log[-1500:])
        ids = scenario()
        time.sleep(1.0)
        rc = mc.stop(settle=1.5)
        check("mc_stopped_cleanly", rc == 0, "rc %d: %s" % (rc, mc.text()[-1500:]), strict=True)
        st = status()
        check("auditd_kept_role", st.get("pid") == str(apid) and st.get("enabled") == "1", "status %r" % st)
        check("auditd_rules_untouched", godo_rules() == loaded, "rules %r" % godo_rules())
        reader_overrun(db_ov)
        check("auditd_kept_role_overrun", status().get("pid") == str(apid), "status %r" % status())
        time.sleep(1.0 * SLOW)  # the plugin's queue
        stop_auditd(apid)
        check("plugin_stopped", wait_for(lambda: "stopping" in read(os.path.join(d, "plugin.log")), 30),
              read(os.path.join(d, "plugin.log"))[-1500:])
        alog = read(os.path.join(d, "audit.log"))
        for tag, diag in (("mc", "mc.diag"), ("plugin", "plugin.diag")):
            seen = serials(read(os.path.join(d, diag)))
            missing = seen - serials(alog)
            check(tag + "_auditd_logged_every_record", len(seen) > 100 and not missing,
                  "%d serials, %d not in auditd's log" % (len(seen), len(missing)))
        check("auditd_logged_scenario", 'name="/tmp/c2.txt"' in alog, "no /tmp/c2.txt in auditd's log")
        plog = read(os.path.join(d, "plugin.log"))
        check("plugin_says_rules_loaded", "godo's rules are loaded" in plog, plog[-1500:])
        # auditd's log of the same run, offline, gzipped, into a third db
        subprocess.run(["gzip", "-k", os.path.join(d, "audit.log")], check=True)
        host = URI.split("://", 1)[1].rstrip("/")
        rp = subprocess.run([GODO, "-replay=" + os.path.join(d, "audit.log.gz"), "-mongo=" + host, "-db=" + db_rp],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300 * SLOW)
        check("replay_exit_0", rp.returncode == 0 and "0 refused" in rp.stdout, rp.stdout[-1500:])
        # godo's own -diag output of the multicast run replays the same way
        dg = subprocess.run([GODO, "-replay=" + os.path.join(d, "mc.diag"), "-mongo=" + host, "-db=" + db_dg],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300 * SLOW)
        check("diag_replay_exit_0", dg.returncode == 0 and " 0 refused" in dg.stdout, dg.stdout[-1500:])
        outs = {}
        for tag, db in (("mc", db_mc), ("plugin", db_pl), ("replay", db_rp), ("diag", db_dg)):
            out = run_filter(db)
            outs[tag] = summary(out, ids)
            check_complete(tag, outs[tag])
            # a replay cannot know when what it found running started (the
            # daemons, at least): marked before_log, never given an invented
            # start; a live recording never marks one
            marked = sorted(p.get("comm") or "?" for p in out["processes"] if p.get("before_log"))
            if tag in ("replay", "diag"):
                check(tag + "_before_log_marked", len(marked) > 0, "processes %r" % [
                    (p.get("comm"), p.get("before_log")) for p in out["processes"] if p.get("star")])
            else:
                check(tag + "_nothing_before_log", not marked, "marked %r" % marked)
            gaps = [(g.get("source"), g.get("count")) for g in client()[db].gaps.find()
                    if g.get("source") in ("multicast", "stdin", "audit")]
            # beside auditd under a loaded suite, multicast once missed a
            # single serial (CI; the scenario complete, godo's gap saying
            # so): a reported serial or two is a note, more is a failure
            if tag == "mc" and gaps and all(src == "multicast" for src, _ in gaps) and \
                    sum(n or 0 for _, n in gaps) <= 2:
                print("NOTE mc_loss_gaps_reported: %r" % gaps, flush=True)
                gaps = []
            check(tag + "_no_loss_gaps", not gaps, "gaps %r" % gaps)
        for tag in ("plugin", "replay", "diag"):
            for name in ids:
                a, b = outs["mc"][name], outs[tag][name]
                # the container's own processes (not the runtime's) and
                # the files it changed, as the container sees them
                inside = (lambda pr: [x for x in pr if x[0] and x[0][0] != "runc"])
                mine = (lambda fl: [x for x in fl if x[1].startswith("/tmp/")])
                check("%s_agrees_%s" % (tag, name), inside(a[0]) == inside(b[0]) and
                      [x for x in a[1] if x[0].startswith("/tmp/")] == [x for x in b[1] if x[0].startswith("/tmp/")] and
                      mine(a[2]) == mine(b[2]), "mc %r %s %r" % (a, tag, b))
    finally:
        if mc is not None:
            mc.kill()
        stop_auditd(apid)
        restore_kernel(before_st, before[2])
        restore_etc(etc)
        if os.environ.get("GODO_KEEP"):
            shutil.copytree(d, os.environ["GODO_KEEP"], dirs_exist_ok=True)
        shutil.rmtree(d, True)
        shutil.rmtree(state, True)
    check("audit_state_restored", audit_state() == before, "before %r after %r" % (before, audit_state()), strict=True)
    after = status()
    check("audit_settings_restored", all(after.get(k) == before_st.get(k) for k in SETTINGS),
          "before %r after %r" % (before_st, after))
    check("etc_audit_restored", snapshot_etc() == etc, "changed files under /etc/audit")
    for db in (db_mc, db_pl, db_rp, db_own, db_ov, db_dg) if not os.environ.get("GODO_KEEP") else ():
        client().drop_database(db)
        client().drop_database(db + "_cooked")
    finish()


main()
