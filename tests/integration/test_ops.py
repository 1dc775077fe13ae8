#!/usr/bin/python3
"""test_ops.py - what an operator installs: the man pages document exactly
the flags `-h` prints (both ways, both binaries), `make install` lays out
the tree (binaries, man pages, unit, /etc/default/godo never overwritten)
and `make uninstall` takes it back, the installed unit passes
`systemd-analyze verify` and keeps its hardening, and `--version` prints
the VERSION file for both binaries, built and installed.

Env: GODO_GODO, GODO_FILTER (binaries), GODO_TOP (repo), GODO_WRAP
(tests/run.sh's valgrind mode: put in front of the built binaries' -h and
--version; not of the installed copies).
Prints "PASS name" / "FAIL name: why" per check; exits non-zero on a
failure. Needs no store and no root (make install goes to a temporary
DESTDIR).
"""
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile

TOP = os.environ.get("GODO_TOP", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
GODO = os.environ.get("GODO_GODO", os.path.join(TOP, "listener", "godo"))
FILTER = os.environ.get("GODO_FILTER", os.path.join(TOP, "filter", "filter"))
WRAP = shlex.split(os.environ.get("GODO_WRAP", ""))

failures = 0


def check(name, cond, why=""):
    global failures
    if cond:
        print("PASS " + name, flush=True)
    else:
        failures += 1
        print("FAIL %s: %s" % (name, why), flush=True)
    return cond


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=600, **kw)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


VERSION = read(os.path.join(TOP, "VERSION")).strip() if os.path.exists(os.path.join(TOP, "VERSION")) else "0.1.0"

# flags_usage prints "  -name=VALUE, -alias" or "  -name" (a boolean), and
# "  -h, --help" last.
HELP_FLAG = re.compile(r"^  (-\S.*)$")
FLAG_NAME = re.compile(r"--?([A-Za-z][A-Za-z0-9-]*)")


def help_flags(binary):
    r = run(WRAP + [binary, "-h"])
    names = set()
    for line in r.stdout.splitlines():
        m = HELP_FLAG.match(line)
        if m:
            for part in m.group(1).split(","):
                n = FLAG_NAME.match(part.strip())
                if n:
                    names.add(n.group(1))
    return r.returncode, names


def man_flags(path):
    """Flag names in the tags of the OPTIONS section: the line after .TP."""
    names = set()
    lines = read(path).splitlines()
    in_opts = False
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            in_opts = line.split(None, 1)[1].strip('"') == "OPTIONS" if " " in line else False
            continue
        if in_opts and line.startswith(".TP") and i + 1 < len(lines):
            tag = lines[i + 1].replace("\\-", "-").replace("\\f", " ")
            for m in re.finditer(r"(?:^|[\s\"])--?([A-Za-z][A-Za-z0-9-]*)", tag):
                names.add(m.group(1))
    return names


def check_flags(name, binary, page):
    rc, from_help = help_flags(binary)
    from_man = man_flags(page)
    if not check("ops_help_%s" % name, rc == 0 and len(from_help) > 3,
                 "%s -h: status %d, %d flags" % (binary, rc, len(from_help))):
        return
    check("ops_man_%s_documents_every_flag" % name, from_help <= from_man,
          "in -h, not in %s: %s" % (os.path.basename(page), sorted(from_help - from_man)))
    check("ops_man_%s_documents_no_other_flag" % name, from_man <= from_help,
          "in %s, not in -h: %s" % (os.path.basename(page), sorted(from_man - from_help)))


def check_man_pages():
    pages = {"godo": os.path.join(TOP, "man", "godo.8"),
             "filter": os.path.join(TOP, "man", "filter.1")}
    check_flags("godo", GODO, pages["godo"])
    check_flags("filter", FILTER, pages["filter"])
    for name, page in sorted(pages.items()):
        th = [l for l in read(page).splitlines() if l.startswith(".TH ")]
        check("ops_man_%s_version" % name, th and ('"godo %s"' % VERSION) in th[0],
              "%s: .TH %r does not say godo %s" % (page, th[0] if th else None, VERSION))
        if shutil.which("groff"):
            r = subprocess.run(["groff", "-man", "-ww", "-z", page], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True)
            check("ops_man_%s_groff_clean" % name, r.returncode == 0 and not r.stderr.strip(),
                  r.stderr.strip()[:300])


def check_version(name, binary, want, wrapped=False):
    r = run((WRAP if wrapped else []) + [binary, "--version"])
    check(name, r.returncode == 0 and r.stdout.strip() == "%s %s" % (want, VERSION),
          "%s --version: status %d, %r (want %r)" % (binary, r.returncode, r.stdout.strip(),
                                                  "%s %s" % (want, VERSION)))


def make(*args):
    return run(["make", "-s", "-C", TOP] + list(args))


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def check_install(tmp):
    dest = os.path.join(tmp, "dest")
    r = make("install", "DESTDIR=" + dest, "PREFIX=/usr/local")
    if not check("ops_make_install", r.returncode == 0, r.stdout[-800:]):
        return None
    want = {
        "usr/local/sbin/godo": 0o755,
        "usr/local/bin/godo-filter": 0o755,
        # the store module (libmongoc): found at <sbin>/../lib/godo
        "usr/local/lib/godo/godo-store.so": 0o644,
        "usr/local/share/man/man8/godo.8": 0o644,
        "usr/local/share/man/man1/godo-filter.1": 0o644,
        "lib/systemd/system/godo.service": 0o644,
        "etc/default/godo": 0o600,  # may hold the store's credentials
    }
    bad = []
    for rel, m in sorted(want.items()):
        p = os.path.join(dest, rel)
        if not os.path.isfile(p):
            bad.append(rel + " missing")
        elif mode(p) != m:
            bad.append("%s mode %o, want %o" % (rel, mode(p), m))
    check("ops_install_layout", not bad, "; ".join(bad))
    unit = read(os.path.join(dest, "lib/systemd/system/godo.service"))
    check("ops_install_unit_execstart",
          re.search(r"^ExecStart=/usr/local/sbin/godo \$GODO_OPTS$", unit, re.M) is not None
          and "EnvironmentFile=-/etc/default/godo" in unit,
          "ExecStart/EnvironmentFile not as installed")
    check_version("ops_installed_godo_version", os.path.join(dest, "usr/local/sbin/godo"), "godo")
    check_version("ops_installed_filter_version", os.path.join(dest, "usr/local/bin/godo-filter"),
                  "filter")

    # /etc/default/godo holds the host's options: a second install keeps it.
    dflt = os.path.join(dest, "etc/default/godo")
    with open(dflt, "w") as f:
        f.write('GODO_OPTS="-mongo=db1:27017 -db=mine"\n')
    r = make("install", "DESTDIR=" + dest, "PREFIX=/usr/local")
    check("ops_install_keeps_default_file",
          r.returncode == 0 and "-db=mine" in read(dflt), r.stdout[-400:])

    r = make("uninstall", "DESTDIR=" + dest, "PREFIX=/usr/local")
    left = [rel for rel in want if rel != "etc/default/godo"
            and os.path.exists(os.path.join(dest, rel))]
    left += ["usr/local/lib/godo"] if os.path.exists(os.path.join(dest, "usr/local/lib/godo")) else []
    check("ops_uninstall", r.returncode == 0 and not left and os.path.exists(dflt),
          "status %d, left: %s, default kept: %s" % (r.returncode, left, os.path.exists(dflt)))

    # ExecStart and EnvironmentFile follow PREFIX and SYSCONFDIR.
    other = os.path.join(tmp, "other")
    r = make("install", "DESTDIR=" + other, "PREFIX=/opt/godo", "SYSCONFDIR=/etc/godo")
    unit2 = os.path.join(other, "lib/systemd/system/godo.service")
    check("ops_install_prefix",
          r.returncode == 0 and os.path.exists(os.path.join(other, "opt/godo/sbin/godo"))
          and "ExecStart=/opt/godo/sbin/godo " in read(unit2)
          and "EnvironmentFile=-/etc/godo/default/godo" in read(unit2),
          r.stdout[-400:])
    return unit


def check_unit_text(unit):
    directives = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            directives.setdefault(k.strip(), []).append(v.strip())

    def has(k, v):
        return any(v == x for x in directives.get(k, []))

    need = [("Before", "docker.service containerd.service"), ("Wants", "network-online.target"),
            ("After", "network-online.target"), ("Restart", "on-failure"),
            ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
            ("PrivateTmp", "yes"), ("ReadWritePaths", "/var/lib/godo"), ("StateDirectory", "godo"),
            ("ProtectKernelModules", "yes"),
            ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK"),
            ("SystemCallArchitectures", "native"), ("LockPersonality", "yes"),
            ("MemoryDenyWriteExecute", "yes")]
    missing = ["%s=%s" % kv for kv in need if not has(*kv)]
    check("ops_unit_hardening", not missing, "missing: %s" % missing)
    caps = set(" ".join(directives.get("CapabilityBoundingSet", [])).split())
    want = {"CAP_AUDIT_CONTROL", "CAP_NET_ADMIN", "CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH",
            "CAP_SETPCAP",
            # -privsep: the writer's directory, its user switch and chroot
            "CAP_CHOWN", "CAP_SETUID", "CAP_SETGID", "CAP_SYS_CHROOT"}
    check("ops_unit_capabilities", caps == want, "CapabilityBoundingSet %s, want %s"
          % (sorted(caps), sorted(want)))
    # Settings that would blind godo or make the kernel refuse it.
    forbidden = [k for k in ("User", "DynamicUser", "PrivateUsers", "PrivatePIDs",
                             "PrivateNetwork", "ProcSubset", "IPAddressDeny")
                 if k in directives]
    forbidden += ["ProtectProc=" + v for v in directives.get("ProtectProc", [])
                  if v != "default"]
    check("ops_unit_no_blinding_option", not forbidden, "set: %s" % forbidden)


def check_verify(tmp):
    """systemd-analyze verify wants ExecStart to exist and the man pages of
    Documentation= to be found: install for real under tmp with a PREFIX
    there, and point MANPATH at it."""
    sa = shutil.which("systemd-analyze")
    if sa is None:
        print("PASS ops_unit_verify_skipped_no_systemd_analyze", flush=True)
        return
    root = os.path.join(tmp, "verify")
    # USERADD=no: no godo system user left on the test machine (the
    # writer of -privsep runs as nobody there, as on a fresh clone)
    r = make("install", "DESTDIR=", "USERADD=no", "PREFIX=" + os.path.join(root, "prefix"),
             "UNITDIR=" + os.path.join(root, "unit"), "SYSCONFDIR=" + os.path.join(root, "etc"))
    if not check("ops_unit_verify_install", r.returncode == 0, r.stdout[-400:]):
        return
    env = dict(os.environ, MANPATH=os.path.join(root, "prefix", "share", "man"))
    unit = os.path.join(root, "unit", "godo.service")
    r = subprocess.run([sa, "verify", unit], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, env=env, timeout=120)
    check("ops_unit_verify", r.returncode == 0 and not r.stdout.strip(),
          "status %d: %s" % (r.returncode, r.stdout.strip()[:600]))
    # The offline exposure score, for the log; docs/operations.md quotes it.
    r = subprocess.run([sa, "security", "--offline=true", unit], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    m = re.search(r"Overall exposure level for godo.service: ([0-9.]+)", r.stdout)
    if m:
        print("  systemd-analyze security: exposure %s" % m.group(1), flush=True)


def main():
    check_man_pages()
    check_version("ops_godo_version", GODO, "godo", wrapped=True)
    check_version("ops_filter_version", FILTER, "filter", wrapped=True)
    tmp = tempfile.mkdtemp(prefix="godo-ops-")
    try:
        unit = check_install(tmp)
        if unit is not None:
            check_unit_text(unit)
        check_verify(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
