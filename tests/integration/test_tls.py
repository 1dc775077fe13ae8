"""test_tls.py - the store connection with TLS and authentication, both set
through the -mongo URI and passed to libmongoc as they are.

A FerretDB of the test's own (the cached v1.24.2, SQLite handler) listens on
a plain port and on a TLS port, with a throwaway CA and server certificate
that openssl makes in a temporary directory, and requires SCRAM
authentication (FerretDB's --test-enable-new-auth; the user is made by
--setup-username/--setup-password). Checks:

- godo records over TLS with good credentials (the documents arrive: a
  shell named dockerd, its child and the file it wrote), stops on SIGTERM
  with status 0, and never prints the password;
- filter reads them back (the tree, the file) and saves its result
  through the same URI;
- a plain connection to the TLS port, a CA that did not sign the server's
  certificate, TLS to the plain port and a wrong password are refused at
  start: exit status 1 and one clear error line, without the password;
- no credentials at all: FerretDB answers ping but refuses every write;
  godo says so in its log (every batch counted as failed) and exits 0.

Env: as the other tests (tests/lib/godotest.py), plus GODO_FERRETDB.
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import SLOW, Godo, check, finish, run_filter, wrap, FILTER  # noqa: E402

import pymongo  # noqa: E402

FERRET = os.environ.get("GODO_FERRETDB", "/var/cache/godo/ferretdb-v1.24.2")
USER, PASSWORD = "godo", "s3cret-%d" % os.getpid()
AUTH_DB = "godo"


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_certs(d):
    """Two CAs and a server certificate for 127.0.0.1/localhost signed by
    the first; RSA 2048, valid two days."""
    for ca in ("ca", "otherca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=godo test " + ca,
                "-keyout", os.path.join(d, ca + ".key"), "-out", os.path.join(d, ca + ".pem"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", os.path.join(d, "server.key"), "-out", os.path.join(d, "server.csr"))
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", os.path.join(d, "server.csr"), "-CA", os.path.join(d, "ca.pem"),
            "-CAkey", os.path.join(d, "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", ext,
            "-out", os.path.join(d, "server.pem"))


def writer_user():
    """The user godo's writer runs as (privilege separation, the default):
    godo, else nobody when there is no godo user (a fresh clone without
    make install: godo(8), docs/operations.md)."""
    try:
        return pwd.getpwnam("godo")
    except KeyError:
        return pwd.getpwnam("nobody")


def share_with_writer(d, names):
    """The writer, not root, reads the CA files at each connection: give
    it the directory (search only) and these files by group, as a
    deployment must (docs/operations.md "Privilege separation"); the keys
    stay root's."""
    gid = writer_user().pw_gid
    os.chown(d, 0, gid)
    os.chmod(d, 0o710)
    for n in names:
        os.chown(os.path.join(d, n), 0, gid)
        os.chmod(os.path.join(d, n), 0o640)


class Store:
    def __init__(self, d, certs):
        self.d = d
        self.plain, self.tls = free_port(), free_port()
        os.makedirs(os.path.join(d, "data"))
        self.log = open(os.path.join(d, "server.log"), "w")
        self.proc = subprocess.Popen(
            [FERRET, "--handler=sqlite", "--sqlite-url=file:%s/data/" % d, "--state-dir=" + d,
             "--listen-addr=127.0.0.1:%d" % self.plain, "--listen-tls=127.0.0.1:%d" % self.tls,
             "--listen-tls-cert-file=" + os.path.join(certs, "server.pem"),
             "--listen-tls-key-file=" + os.path.join(certs, "server.key"),
             "--test-enable-new-auth", "--setup-database=" + AUTH_DB, "--setup-username=" + USER,
             "--setup-password=" + PASSWORD, "--telemetry=disable", "--debug-addr=-", "--log-level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 30
        while True:
            try:
                self.client().admin.command("ping")
                self.client()[AUTH_DB].list_collection_names()  # the user exists
                return
            except pymongo.errors.PyMongoError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("FerretDB did not start: " + open(os.path.join(d, "server.log")).read()[-800:])
                time.sleep(0.2)

    def client(self):
        """pymongo over the plain port, with the credentials."""
        return pymongo.MongoClient("127.0.0.1", self.plain, username=USER, password=PASSWORD, authSource=AUTH_DB,
                                   serverSelectionTimeoutMS=3000)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def uri(port, password=PASSWORD, tls=True, ca="ca.pem", user=True):
    cred = "%s:%s@" % (USER, urllib.parse.quote(password, safe="")) if user else ""
    q = {"authSource": AUTH_DB} if user else {}
    if tls:
        q.update(tls="true", tlsCAFile=os.path.join(CERTS, ca))
    return "mongodb://%s127.0.0.1:%d/?%s" % (cred, port, urllib.parse.urlencode(q))


def godo_refused(name, db, target, want, *extra):
    """godo must not start: status 1, one error line with want in it, and
    no password."""
    g = Godo(db, *extra)
    g.uri_host = target
    try:
        g.start(timeout=30)
    except RuntimeError:
        pass
    else:
        g.stop(settle=0)
        check(name, False, "godo started against %s" % target)
        return
    text = g.text()
    errs = [l for l in text.splitlines() if l.startswith("godo: error:")]
    check(name, g.proc.returncode == 1 and len(errs) == 1 and want in errs[0],
          "status %s, log %r" % (g.proc.returncode, text[-600:]))
    check(name + "_no_password", "s3cret" not in text and "wrong-pass" not in text, "password in %r" % text)


def filter_refused(name, target, want):
    p = subprocess.run(wrap([FILTER, "-mongo=" + target, "-db=tls", "-no-save", "-format=json"]),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120 * SLOW)
    err = p.stderr.decode(errors="replace")
    check(name, p.returncode != 0 and len(err.strip().splitlines()) == 1 and want in err,
          "status %d: %r" % (p.returncode, err))
    check(name + "_no_password", "s3cret" not in err and "wrong-pass" not in err, "password in %r" % err)


def main():
    global CERTS
    if not os.access(FERRET, os.X_OK) or shutil.which("openssl") is None:
        # The suite's store is this FerretDB (scripts/deps.sh); without it
        # there is nothing to run TLS against.
        check("tls_prerequisites", False, "need %s and openssl" % FERRET)
        finish()
    tmp = tempfile.mkdtemp(prefix="godo-tls-")
    CERTS = tmp
    make_certs(tmp)
    share_with_writer(tmp, ("ca.pem", "otherca.pem"))
    try:
        store = Store(os.path.join(tmp, "store"), tmp)
    except (RuntimeError, OSError) as e:
        check("tls_store_started", False, str(e))
        shutil.rmtree(tmp, ignore_errors=True)
        finish()
    try:
        # godo over TLS, with credentials: the documents arrive. The
        # workload is a shell named dockerd (godo records it and its
        # descendants as the Docker tree) that writes a file and runs a
        # child; "true" at the end keeps it from exec'ing its last command.
        # The sleep first: godo learns of the star from the audit record
        # of its exec, after the connector's FORK of a child forked at
        # once (a real dockerd does not fork in its first milliseconds).
        fake = os.path.join(tmp, "bin", "dockerd")
        os.makedirs(os.path.dirname(fake))
        shutil.copy("/bin/sh", fake)
        marker = "tls-marker-%d" % os.getpid()
        written = os.path.join(tmp, "written.txt")
        # a binary merely named dockerd is no daemon: this one is the
        # configured one (-daemon-exe)
        g = Godo("tls", "-state-dir=" + os.path.join(tmp, "state"), "-daemon-exe=" + fake)
        g.uri_host = uri(store.tls)
        g.start()
        sh = subprocess.Popen([fake, "-c", "/bin/sleep 0.5; echo tls > %s; /bin/sh -c 'true %s'; true"
                               % (written, marker)])
        sh.wait()
        rc = g.stop(sig=signal.SIGTERM)
        text = g.text()
        check("tls_godo_sigterm_exit_0", rc == 0, "status %d: %s" % (rc, text[-1000:]))
        # the stats line logged at stop counts "failed 0": not a failure
        said = "\n".join(l for l in text.splitlines() if " stats: " not in l)
        check("tls_godo_no_write_failure", "failed" not in said and "unreachable" not in said, text[-1000:])
        check("tls_godo_log_hides_password", "s3cret" not in text and "recording to" in text,
              "log %r" % text[-600:])
        doc = store.client()["tls"].pids.find_one({"pid": sh.pid, "tgid": sh.pid})
        check("tls_documents_arrived", doc is not None and doc.get("star") is True, "pids document of %d: %r"
              % (sh.pid, doc))

        # filter reads them and saves the cleaned result, through the same URI
        try:
            out = run_filter("tls", "-mongo=" + uri(store.tls), out="tls_cooked")
            procs = out.get("processes", [])
            child = [p for p in procs if p.get("args") == ["/bin/sh", "-c", "true " + marker]]
            files = [f for f in out.get("files", []) if f.get("path") == written]
            check("tls_filter_reads", doc is not None and doc["_id"] in out.get("roots", []) and len(child) == 1
                  and child[0].get("parent") == doc["_id"] and len(files) == 1,
                  "roots %r, processes %r, files %r" % (out.get("roots"), [p.get("args") for p in procs],
                                                        out.get("files")))
            saved = store.client()["tls_cooked"].processes.count_documents({})
            check("tls_filter_saves", saved == len(procs) and saved >= 2,
                  "%d processes saved, %d in the output" % (saved, len(procs)))
        except RuntimeError as e:
            check("tls_filter_reads", False, str(e))

        # refused at start, with a clear error
        godo_refused("tls_plain_to_tls_port_refused", "tls_r1", uri(store.tls, tls=False), "unreachable")
        godo_refused("tls_wrong_ca_refused", "tls_r2", uri(store.tls, ca="otherca.pem"), "certificate verify failed")
        godo_refused("tls_to_plain_port_refused", "tls_r3", uri(store.plain), "unreachable")
        godo_refused("auth_wrong_password_refused", "tls_r4", uri(store.tls, password="wrong-pass"),
                     "Authentication failed")
        filter_refused("filter_wrong_ca_refused", uri(store.tls, ca="otherca.pem"), "certificate verify failed")
        filter_refused("filter_wrong_password_refused", uri(store.tls, password="wrong-pass"),
                       "Authentication failed")

        # privilege separation: the writer, not root, reads the CA file
        # (share_with_writer) and reports why it cannot connect; -all: a
        # task started after godo is recorded without the daemon check
        g = Godo("tls_privsep", "-privsep", "-all", "-state-dir=" + os.path.join(tmp, "state3"))
        g.uri_host = uri(store.tls)
        try:
            g.start()
            p = subprocess.Popen(["/bin/sh", "-c", "true privsep-%s" % marker])
            p.wait()
            rc = g.stop(sig=signal.SIGTERM)
            text = g.text()
            got = store.client()["tls_privsep"].pids.find_one({"pid": p.pid, "tgid": p.pid})
            check("tls_privsep_documents_arrived", rc == 0 and got is not None and "writer: serving" in text
                  and "s3cret" not in text, "status %d, pids document of %d %r: %s" % (rc, p.pid, got, text[-1000:]))
        except RuntimeError as e:
            check("tls_privsep_documents_arrived", False, str(e))
        godo_refused("tls_privsep_wrong_ca_refused", "tls_r5", uri(store.tls, ca="otherca.pem"),
                     "certificate verify failed", "-privsep")
        godo_refused("auth_privsep_wrong_password_refused", "tls_r6", uri(store.tls, password="wrong-pass"),
                     "Authentication failed", "-privsep")

        # no credentials: FerretDB answers ping, then refuses every write
        g = Godo("tls_noauth", "-all", "-state-dir=" + os.path.join(tmp, "state2"))
        g.uri_host = uri(store.plain, tls=False, user=False)
        try:
            g.start()
            subprocess.run(["/bin/true"])
            rc = g.stop(settle=1.5)
            text = g.text()
            check("auth_missing_writes_refused_logged", rc == 0 and "requires authentication" in text
                  and "failed" in text, "status %d: %s" % (rc, text[-1000:]))
        except RuntimeError as e:
            check("auth_missing_writes_refused_logged", False, str(e))
        check("auth_missing_nothing_stored", "tls_noauth" not in store.client().list_database_names(),
              "databases %r" % store.client().list_database_names())
    finally:
        store.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


CERTS = None
main()
