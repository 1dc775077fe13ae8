"""End to end, issue 18: a container's identity is recorded while it runs.
A second dockerd of this test's own runs with a non-default --data-root
(and its own socket, pidfile and exec-root, started after godo so godo
learns its data root from its command line). Containers started there
with --rm are gone when filter runs, and Docker's files with them: the
name, image, labels and binds filter shows (JSON, text, HTML) can only come
from what godo recorded, and -container=<name> / <label>=<value> must
select them. A privileged container and one with the host's / mounted are
marked. The second dockerd is stopped and its data root removed at the
end."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (FILTER, IMAGE, SLOW, URI, Godo, audit_state, check,  # noqa: E402
                      client, docker, finish, fresh_db, hold_audit_lock, wrap)

D2_ROOT = "/var/lib/godo-e2e-docker2"  # same filesystem as /var/lib/docker
D2_EXEC = "/run/godo-e2e-d2"
D2_SOCK = "unix://" + D2_EXEC + "/docker.sock"
D2_PID = D2_EXEC + "/docker.pid"
D2_LOG = "/tmp/godo-e2e-dockerd2.log"
D2_RUNTIME = D2_EXEC + "/runc-bounded"
BIND_SRC = "/tmp/godo-e2e-identity-bind"
NAME = "godo-id-rm"
PRIV = "godo-id-priv"
ROOTBIND = "godo-id-rootbind"
RENAMED = ("godo-id-old", "godo-id-new")  # docker rename while it runs
PRE = "godo-id-pre"  # on the suite's dockerd, running before godo starts


def d2(*args, check_rc=True, timeout=120, stdin=None):
    p = subprocess.run(["/usr/bin/docker", "-H", D2_SOCK] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, stdin=stdin)
    if check_rc and p.returncode != 0:
        raise RuntimeError("docker -H %s %s: %s" % (D2_SOCK, " ".join(args), p.stderr.decode(errors="replace")))
    return p


def d2_up():
    try:
        return d2("version", check_rc=False, timeout=10).returncode == 0
    except subprocess.TimeoutExpired:
        return False


# Docker 20.10 gives a privileged container every capability the kernel
# knows; where this host's bounding set lacks some (a VM sandbox), runc
# refuses it. This runtime drops from the spec the capabilities the bounding
# set does not have, then runs runc: the container is still privileged for
# Docker (hostconfig.json says so), which is what godo records.
CAPS = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE"]
RUNTIME_PY = r"""
import json, sys
bnd = int([l for l in open("/proc/self/status") if l.startswith("CapBnd")][0].split()[1], 16)
caps = %r
missing = {"CAP_" + c for i, c in enumerate(caps) if not bnd >> i & 1}
path = sys.argv[1] + "/config.json"
spec = json.load(open(path))
pc = spec.get("process", {}).get("capabilities", {})
for k in pc:
    pc[k] = [c for c in pc[k] if c not in missing]
json.dump(spec, open(path, "w"))
""" % CAPS


def write_runtime():
    py = D2_EXEC + "/capfix.py"
    with open(py, "w") as f:
        f.write(RUNTIME_PY)
    with open(D2_RUNTIME, "w") as f:
        f.write("#!/bin/sh\nprev=\nfor a in \"$@\"; do\n"
                "  if [ \"$prev\" = --bundle ] || [ \"$prev\" = -b ]; then /usr/bin/python3 %s \"$a\"; fi\n"
                "  prev=$a\ndone\nexec %s \"$@\"\n" % (py, shutil.which("runc") or "/usr/sbin/runc"))
    os.chmod(D2_RUNTIME, 0o755)


D2_BRIDGE = "godo-br2"


def bridge2(up):
    """A bridge of the second dockerd's own: with --bridge=none dockerd
    deletes docker0 at start (libnetwork's removeDefaultBridgeInterface),
    which the suite's dockerd and every later test need."""
    if up:
        subprocess.run(["ip", "link", "add", D2_BRIDGE, "type", "bridge"], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "addr", "add", "172.31.255.1/24", "dev", D2_BRIDGE], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "set", D2_BRIDGE, "up"], check=True)
    else:
        subprocess.run(["ip", "link", "del", D2_BRIDGE], stderr=subprocess.DEVNULL)


def start_dockerd2():
    bridge2(True)
    os.makedirs(D2_ROOT, exist_ok=True)
    os.makedirs(D2_EXEC, exist_ok=True)
    write_runtime()
    log = open(D2_LOG, "w")
    p = subprocess.Popen(["dockerd", "--data-root", D2_ROOT, "--exec-root", D2_EXEC, "--pidfile", D2_PID,
                          "-H", D2_SOCK, "--bridge=" + D2_BRIDGE, "--iptables=false", "--ip6tables=false",
                          "--ip-masq=false", "--add-runtime", "bounded=" + D2_RUNTIME,
                          "--default-runtime", "bounded"],
                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if p.poll() is not None:
            break
        if d2_up():
            return p
        time.sleep(0.3)
    stop_dockerd2(p)
    with open(D2_LOG, errors="replace") as f:
        raise RuntimeError("second dockerd did not come up: " + f.read()[-2000:])


def stop_dockerd2(p):
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    bridge2(False)
    mounted = False
    with open("/proc/self/mounts") as f:
        mounted = any(D2_ROOT in line or D2_EXEC in line for line in f)
    if not mounted:  # never remove through a live mount
        shutil.rmtree(D2_ROOT, ignore_errors=True)
        shutil.rmtree(D2_EXEC, ignore_errors=True)
    else:
        print("note: %s still mounted, left in place" % D2_ROOT, flush=True)


def copy_image():
    """The suite's image into the second dockerd (no registry here)."""
    save = subprocess.Popen(["/usr/bin/docker", "save", IMAGE], stdout=subprocess.PIPE)
    d2("load", stdin=save.stdout, timeout=300)
    save.stdout.close()
    if save.wait() != 0:
        raise RuntimeError("docker save %s failed" % IMAGE)


def run_rm(*args):
    """docker run --rm on the second dockerd; the full container id."""
    d = tempfile.mkdtemp(prefix="godo-cid-")
    cid_file = os.path.join(d, "cid")
    d2("run", "--rm", "--network", "none", "--cidfile", cid_file, *args)
    with open(cid_file) as f:
        cid = f.read().strip()
    shutil.rmtree(d, ignore_errors=True)
    return cid


def filt(db, *args, fmt="json"):
    host = URI.split("://", 1)[1].rstrip("/")
    cmd = wrap([FILTER, "-mongo=" + host, "-db=" + db, "-format=" + fmt] + list(args))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300 * SLOW)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode(errors="replace")


def rendered_dom(html):
    """The page after its script ran (headless Chromium, as test_html.py
    does); None without Chromium."""
    chromium = os.environ.get("GODO_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        return None
    d = tempfile.mkdtemp(prefix="godo-id-html-")
    page = os.path.join(d, "report.html")
    with open(page, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(html)
    try:
        p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            "--user-data-dir=" + os.path.join(d, "prof"), "--dump-dom", "file://" + page],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return p.stdout.decode("utf-8", "replace")


def ct_of(out, cid):
    return next((c for c in out.get("containers", []) if c.get("id") == cid), None)


def main():
    import json
    hold_audit_lock()
    before = audit_state()
    db = fresh_db("e2e_identity")
    os.makedirs(BIND_SRC, exist_ok=True)
    p2 = None
    had_docker0 = os.path.exists("/sys/class/net/docker0")
    docker("rm", "-f", PRE, check_rc=False)
    pre_cid = docker("run", "-d", "--name", PRE, "--label", "pre=1", IMAGE, "sleep", "60").stdout.decode().strip()
    g = Godo(db).start()
    try:
        p2 = start_dockerd2()
        copy_image()
        # the import is thousands of events: a short --rm container right
        # after it must not find godo seconds behind (its identity is read
        # when godo first sees it, and --rm deletes it at exit)
        g.idle(30)
        rm_cid = run_rm("--name", NAME, "--label", "tier=front", "--label", "com.docker.compose.project=idproj",
                        "-v", BIND_SRC + ":/data", "--cap-add", "SYS_PTRACE", IMAGE, "sh", "-c",
                        "echo hi > /data/x; sleep 1")
        priv_cid = run_rm("--name", PRIV, "--privileged", IMAGE, "sh", "-c", "sleep 1")
        rb_cid = run_rm("--name", ROOTBIND, "-v", "/:/host:ro", IMAGE, "sh", "-c", "sleep 1")
        ren_cid = d2("run", "-d", "--network", "none", "--name", RENAMED[0], IMAGE, "sleep", "30").stdout.decode().strip()
        time.sleep(1)
        d2("rename", RENAMED[0], RENAMED[1])
        time.sleep(3 * SLOW)  # godo checks a container's files every 2 s
        d2("rm", "-f", RENAMED[1])
        gone = d2("ps", "-aq", "--no-trunc").stdout.decode().split()
    finally:
        rc = g.stop(settle=1.5)
        docker("rm", "-f", PRE, check_rc=False)
        stop_dockerd2(p2)
        shutil.rmtree(BIND_SRC, ignore_errors=True)
    check("godo_stopped_cleanly", rc == 0, "rc %d: %s" % (rc, g.text()[-1500:]))
    check("suite_bridge_kept", not had_docker0 or os.path.exists("/sys/class/net/docker0"),
          "the second dockerd removed docker0")
    check("audit_state_restored", audit_state() == before, "before %r after %r" % (before, audit_state()))
    check("containers_removed", rm_cid not in gone and priv_cid not in gone, "still there: %r" % gone)
    check("data_root_from_cmdline", "container identities from " + D2_ROOT in g.text(),
          "godo log: %s" % g.text()[-1500:])

    # raw: one document (per change) per container, from the data root
    raw = list(client()[db]["containers"].find({"docker_id": rm_cid}))
    check("raw_containers_document", len(raw) >= 1 and all(d.get("name") == "/" + NAME for d in raw),
          "documents %r" % raw)
    if raw:
        d = raw[-1]
        check("raw_labels", {"key": "tier", "value": "front"} in d.get("labels", []), "labels %r" % d.get("labels"))
        check("raw_compose_project", d.get("compose_project") == "idproj", "doc %r" % d)
        check("raw_bind", any(m.get("source") == BIND_SRC and m.get("destination") == "/data"
                              for m in d.get("mounts", [])), "mounts %r" % d.get("mounts"))
        check("raw_rootfs_under_data_root", (d.get("rootfs") or "").startswith(D2_ROOT + "/"),
              "rootfs %r" % d.get("rootfs"))
        check("raw_id_deterministic", d["_id"].startswith(d["host"] + ":" + rm_cid + ":"), "_id %r" % d["_id"])

    # JSON: identity recorded, though Docker's files are gone
    rc, text, err = filt(db)
    check("filter_json_rc", rc == 0, err[-1500:])
    out = json.loads(text) if rc == 0 else {}
    c = ct_of(out, rm_cid) or {}
    check("json_identity_recorded", c.get("identity") == "recorded", "container %r" % c)
    check("json_name", c.get("name") == "/" + NAME, "name %r" % c.get("name"))
    check("json_image", c.get("image") == IMAGE, "image %r" % c.get("image"))
    check("json_labels", "tier=front" in (c.get("labels") or []) and
          "com.docker.compose.project=idproj" in (c.get("labels") or []), "labels %r" % c.get("labels"))
    check("json_bind", any(m.get("source") == BIND_SRC and m.get("type") == "bind" for m in c.get("mounts") or []),
          "mounts %r" % c.get("mounts"))
    check("json_not_risky", c.get("escape_risk") is False and c.get("privileged") is False, "container %r" % c)
    check("json_cap_add", any(x.endswith("SYS_PTRACE") for x in c.get("cap_add") or []), "cap_add %r" % c.get("cap_add"))
    # Docker's zero time (written before a start) is no start time
    check("json_no_zero_started", not any((x.get("started") or "").startswith("0001-")
                                           for x in out.get("containers", [])),
          "started %r" % [(x.get("name"), x.get("started")) for x in out.get("containers", [])])
    pre = ct_of(out, pre_cid) or {}
    check("json_running_before_godo", pre.get("identity") == "recorded" and pre.get("name") == "/" + PRE and
          "pre=1" in (pre.get("labels") or []), "container %r" % pre)
    rn = ct_of(out, ren_cid) or {}
    check("json_rename_recorded", rn.get("name") == "/" + RENAMED[1] and
          rn.get("names") == ["/" + RENAMED[0], "/" + RENAMED[1]], "container %r" % rn)
    p = ct_of(out, priv_cid) or {}
    check("json_privileged_marked", p.get("privileged") is True and p.get("escape_risk") is True, "container %r" % p)
    r = ct_of(out, rb_cid) or {}
    check("json_root_bind_marked", r.get("escape_risk") is True and
          any(m.get("host_root") for m in r.get("mounts") or []), "container %r" % r)

    # text
    rc, text, err = filt(db, fmt="text")
    check("filter_text_rc", rc == 0, err[-1500:])
    head = next((l for l in text.splitlines() if l.startswith("== container " + rm_cid)), "")
    check("text_header_name_image", ("name /" + NAME) in head and ("image " + IMAGE) in head, "header %r" % head)
    check("text_labels", "tier=front" in text and "com.docker.compose.project=idproj" in text, text[-2000:])
    check("text_bind", "bind " + BIND_SRC + " -> /data (rw)" in text, text[-2000:])
    block = text[text.find("== container " + rm_cid):]
    block = block[:block.find("\n== ", 1) if "\n== " in block[1:] else len(block)]
    check("text_cap_add", re.search(r"\n  cap_add (CAP_)?SYS_PTRACE\n", block) is not None, block[:2000])
    phead = next((l for l in text.splitlines() if l.startswith("== container " + priv_cid)), "")
    check("text_privileged_marked", "ESCAPE RISK" in phead and "privileged YES" in text, "header %r" % phead)
    check("text_root_bind_marked", "!! the host's /" in text, text[-2000:])
    check("text_renamed", "renamed /%s -> /%s" % RENAMED in text, text[-2000:])

    # HTML: the page's data carries the identity and the page shows it
    rc, html, err = filt(db, fmt="html")
    check("filter_html_rc", rc == 0, err[-1500:])
    dom = rendered_dom(html)
    check("html_chromium_present", dom is not None, "no chromium (scripts/deps.sh installs it)")
    dom = dom or ""
    # what the page's script drew, not the data or the script's source
    sec = re.search(r'<section[^>]*data-container="%s"[^>]*>(.*?)</section>' % rm_cid, dom, re.S)
    sec = sec.group(1) if sec else ""
    check("html_name_image_shown", "<h2>container /%s</h2>" % NAME in sec and
          ">image %s " % IMAGE in sec, sec[:3000] or dom[-3000:])
    check("html_cap_add_shown", re.search(r">cap_add (CAP_)?SYS_PTRACE<", sec) is not None, sec[:3000])
    check("html_labels_shown", re.search(r">labels [^<]*tier=front", dom) is not None, dom[-3000:])
    check("html_bind_shown", ">bind %s -&gt; /data (rw)<" % BIND_SRC in dom, dom[-3000:])
    check("html_escape_risk_shown", re.search(r'class="risk">ESCAPE RISK', dom) is not None and
          re.search(r'class="risk">privileged YES', dom) is not None, dom[-3000:])
    check("html_root_bind_shown", re.search(r'class="risk">bind / -&gt; /host \(ro\)<', dom) is not None,
          dom[-3000:])
    check("html_renamed_shown", ">renamed /%s -&gt; /%s<" % RENAMED in dom, dom[-3000:])

    # -container by name, by label: only that container
    for sel in (NAME, "tier=front", "com.docker.compose.project=idproj"):
        rc, text, err = filt(db, "-container=" + sel)
        ids = [x.get("id") for x in json.loads(text).get("containers", [])] if rc == 0 else err
        check("select_%s" % sel.replace("=", "_").replace(".", "_"), ids == [rm_cid], "selected %r" % (ids,))
    rc, text, err = filt(db, "-container=" + PRIV)
    ids = [x.get("id") for x in json.loads(text).get("containers", [])] if rc == 0 else err
    check("select_privileged_by_name", ids == [priv_cid], "selected %r" % (ids,))
    finish()


if __name__ == "__main__":
    main()
