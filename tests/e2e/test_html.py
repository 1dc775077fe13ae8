"""End to end for filter -format=html: godo records one real container run,
filter writes the self-contained HTML report, and headless Chromium (Debian's
chromium, no playwright) loads it from file://, runs its script and dumps the
DOM: the container's tree, its changed files and the exit code must be there,
a node expands from the URL (#expand=PID, #expand=all), the search box
filters (#q=...), hostile file names stay text; a quieter container runs
first, and the report must open on the busier one (most active first),
expanded down to the process that wrote a file, the other folded; a
screenshot of that first view is kept in build/artifacts/report.png."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (FILTER, IMAGE, SLOW, TOP, URI, Godo, check, client, docker, lenient_under_valgrind,  # noqa: E402
                      finish, fresh_db, run_filter, wrap)

CHROMIUM = os.environ.get("GODO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = os.path.join(TOP, "build", "artifacts")
# The init shell writes two files (one name with a byte that is not UTF-8 and
# markup in it), forks a child that writes a file and one that exits 3; "true"
# keeps the shell from exec'ing its last command, so the child is a child.
DEEP = "echo z > /tmp/deep.txt"
SCRIPT = ("echo hi > /tmp/x.txt; echo y > \"$(printf '/tmp/h\\377<img src=x onerror=alert(1)>.txt (path unverified)')\"; "
          "sh -c '" + DEEP + "'; sh -c \"exit 3\"; true")
# the name ends as godo's mark for an unconfirmed path does: the page shows
# marks as badges (class pmark), never as text a name could hold
HOSTILE_SHOWN = "/tmp/h\\xff<img src=x onerror=alert(1)>.txt (path unverified)"


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.kids = tag, dict(attrs), parent, []

    def text(self):
        return "".join(k if isinstance(k, str) else k.text() for k in self.kids)

    def walk(self):
        for k in self.kids:
            if isinstance(k, Node):
                yield k
                yield from k.walk()

    def hidden(self):
        """hidden itself or below a hidden element"""
        n = self
        while n is not None:
            if "hidden" in n.attrs:
                return True
            n = n.parent
        return False

    def find_td(self):
        return [k for k in self.kids if isinstance(k, Node) and k.tag == "td"]

    def classes(self):
        return (self.attrs.get("class") or "").split()


class Dom(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root
        self.tags = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.kids.append(Node(tag, attrs, self.cur))
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.kids.append(data)

    def find(self, pred):
        return [n for n in self.root.walk() if pred(n)]

    def nodes(self, pid):
        return self.find(lambda n: n.tag == "li" and n.attrs.get("data-pid") == str(pid))


def chromium(url, *extra):
    prof = tempfile.mkdtemp(prefix="godo-chromium-")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--enable-logging=stderr", "--v=0", "--user-data-dir=" + prof] + list(extra) + [url]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
    finally:
        shutil.rmtree(prof, ignore_errors=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def dump(url):
    rc, out, err = chromium(url, "--dump-dom")
    errors = [l for l in err.splitlines() if "Uncaught" in l or "Content Security Policy" in l]
    return rc, Dom(out), out, errors


def shown_path(td):
    """A file row's path cell as the name shows, without the badges beside it
    (class pmark, docs/output.md: "given as ..." when godo resolved another
    name, "path unverified" when it could not confirm the path: a slower
    godo, as under ASan, finds the container's processes gone more often)."""
    return "".join(k if isinstance(k, str) else k.text() for k in td.kids
                   if isinstance(k, str) or "pmark" not in k.classes())


def run_rm(*cmd):
    d = tempfile.mkdtemp(prefix="godo-cid-")
    cid_file = os.path.join(d, "cid")
    p = docker("run", "--rm", "--cidfile", cid_file, IMAGE, *cmd, check_rc=False)
    with open(cid_file) as f:
        cid = f.read().strip()
    shutil.rmtree(d, ignore_errors=True)
    return cid, p.returncode


def main():
    lenient_under_valgrind()
    if not check("chromium_present", os.access(CHROMIUM, os.X_OK), "no %s (scripts/deps.sh installs it)" % CHROMIUM,
                 strict=True):
        finish()
    db = fresh_db("html")
    g = Godo(db).start()
    try:
        quiet, qrc = run_rm("true")
        cid, crc = run_rm("sh", "-c", SCRIPT)
    finally:
        rc = g.stop()
    check("godo_stopped_cleanly", rc == 0, "rc %d: %s" % (rc, g.text()[-1500:]), strict=True)
    check("container_ran", len(cid) == 64 and crc == 0 and len(quiet) == 64 and qrc == 0,
          "cid %r rc %d, quiet %r rc %d" % (cid, crc, quiet, qrc), strict=True)

    os.makedirs(ARTIFACTS, exist_ok=True)
    report = os.path.join(ARTIFACTS, "report.html")
    host = URI.split("://", 1)[1].rstrip("/")
    p = subprocess.run(wrap([FILTER, "-mongo=" + host, "-db=" + db, "-out=" + db + "_cooked", "-format=html",
                             "-o", report]), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300 * SLOW)
    if not check("filter_html_ok", p.returncode == 0 and os.path.getsize(report) > 0,
                 "rc %d: %s" % (p.returncode, p.stderr.decode(errors="replace")), strict=True):
        finish()
    with open(report, "rb") as f:
        raw = f.read()
    page = raw.decode("utf-8")  # the page itself is valid UTF-8: bad bytes are escapes
    out = run_filter(db)

    # self-contained: nothing to fetch, data only as escaped JSON
    check("html_doctype", page.startswith("<!DOCTYPE html>"), page[:80], strict=True)
    check("html_csp_no_network", "default-src 'none'" in page, "no Content-Security-Policy", strict=True)
    m = re.search(r'<script type="application/json" id="godo-data">(.*?)</script>', page, re.S)
    markup = page[:m.start(1)] + page[m.end(1):] if m else page
    check("html_no_external", not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc\s*=|@import|url\(",
                                            markup, re.I), "an external reference in the page", strict=True)
    check("html_data_element", m is not None, "no godo-data element", strict=True)
    if m:
        data = m.group(1)
        check("html_data_escaped", "<" not in data and ">" not in data and "&" not in data,
              "raw <, > or & in the embedded JSON", strict=True)
        # the same document, but for the time each was made
        emb = json.loads(data)
        emb["provenance"]["generated"] = out["provenance"]["generated"]
        check("html_data_is_the_json", emb == out, "embedded JSON differs from -format=json", strict=True)
    check("html_hostile_not_markup", "<img" not in page, "a file name appears as markup", strict=True)

    procs = [q for q in out["processes"] if q.get("container") == cid]
    ids = {q["id"] for q in procs}
    three = [q for q in procs if q.get("exit_code") == 3 and q.get("args") == ["sh", "-c", "exit 3"]]
    init = [q for q in procs if three and q["id"] == three[0]["parent"] and q.get("args") == ["sh", "-c", SCRIPT]]
    check("json_has_run", len(init) == 1 and len(three) == 1 and init[0].get("parent") not in ids,
          "processes %r" % [(q["tgid"], q["args"], q["exit_code"]) for q in procs])
    if not (init and three):
        finish()
    init, three = init[0], three[0]
    url = "file://" + report

    # the page as loaded: script ran, tree and tables present, children collapsed
    rc, dom, text, errors = dump(url)
    body = dom.find(lambda n: n.tag == "body")
    check("dom_dumped", rc == 0 and body and body[0].attrs.get("data-ready") == "true",
          "rc %d, script did not finish" % rc, strict=True)
    check("dom_no_script_errors", not errors, "; ".join(errors[:3]), strict=True)
    # godo chained what it wrote: the report says the record verified
    check("json_record_intact", out["provenance"].get("record") == "intact", "provenance %r" % out["provenance"],
          strict=True)
    rec = dom.find(lambda n: n.attrs.get("id") == "record")
    check("dom_record_intact", len(rec) == 1 and rec[0].text().startswith("record intact: "),
          "record line %r" % [r.text() for r in rec], strict=True)
    sec = dom.find(lambda n: n.tag == "section" and n.attrs.get("data-container") == cid)
    check("dom_container_section", len(sec) == 1 and cid in sec[0].text(), "no section for %s" % cid[:12])
    initn = dom.nodes(init["tgid"])
    threen = dom.nodes(three["tgid"])
    check("dom_tree_nodes", len(initn) == 1 and len(threen) == 1 and threen[0] in list(initn[0].walk()),
          "init %d nodes, child %d nodes" % (len(initn), len(threen)))
    if not (initn and threen):
        finish()
    check("dom_exit_code", "exit 3" in threen[0].text(), threen[0].text()[:200])
    # the report opens on what matters: the busier container first, open
    # down to the process that wrote a file; the rest folded
    secs = dom.find(lambda n: n.tag == "section" and "ct" in n.classes() and n.attrs.get("data-container"))
    order = [(n.attrs.get("data-container"), n.attrs.get("data-rank")) for n in secs]
    check("dom_most_active_first", order == [(cid, "1"), (quiet, "2")] and
          [c["id"] for c in out["containers"]] == [cid, quiet],
          "sections %r; processes, changes per container %r; gaps %r" % (
              order, {c: (sum(1 for q in out["processes"] if q.get("container") == c),
                          sum(1 for x in out["files"] + out["ops"] if x.get("container") == c))
                      for c in (cid, quiet)},
              [(g.get("source"), g.get("count"), g.get("from"), g.get("to")) for g in out.get("gaps", [])]))
    # "true" changes nothing itself: runc init's setup of its root (in the
    # process that then execs true) is not its activity
    qa = next((c.get("activity") for c in out["containers"] if c["id"] == quiet), None)
    check("json_quiet_changed_nothing", qa is not None and qa.get("files_changed") == 0,
          "quiet container's activity %r" % (qa,))
    deep = [q for q in procs if q.get("args") == ["sh", "-c", DEEP]]
    deepn = dom.nodes(deep[0]["tgid"]) if deep else []
    check("dom_first_expanded_to_writers", deepn and initn[0].attrs.get("data-expanded") == "true" and
          not deepn[0].hidden() and deepn[0].attrs.get("data-writer") == "true",
          "deep %r, init expanded %r" % (deep, initn[0].attrs.get("data-expanded")))
    opened = [n for s in secs[1:] for n in s.walk() if isinstance(n, Node) and n.attrs.get("data-expanded") == "true"]
    daemons = dom.find(lambda n: n.tag == "details" and "daemons" in n.classes())
    check("dom_others_collapsed", not opened and daemons and "open" not in daemons[0].attrs,
          "%d nodes open outside the first container" % len(opened))
    files = [r for t in sec[0].walk() if t.tag == "table" and "files" in t.classes()
             for r in t.walk() if r.tag == "tr"] if sec else []
    xrow = [r.find_td() for r in files if r.find_td() and shown_path(r.find_td()[0]) == "/tmp/x.txt"]
    check("dom_file_row", len(xrow) == 1 and xrow[0][2].text() == str(init["tgid"])
          and xrow[0][1].text().endswith("/tmp/x.txt"), "rows %r" % [r.text()[:80] for r in files])
    hrow = [r for r in files if r.find_td() and shown_path(r.find_td()[0]) == HOSTILE_SHOWN]
    check("dom_hostile_name_as_text", len(hrow) == 1 and not any(n.tag == "i" for n in hrow[0].walk()),
          "rows %r" % [r.text()[:80] for r in files])
    check("dom_no_injected_elements", not any(t == "img" or "onerror" in a for t, a in dom.tags),
          "an element was created from data")

    # expanding one node from the URL
    rc, dom, _, errors = dump(url + "#expand=%d" % init["tgid"])
    initn, threen = dom.nodes(init["tgid"]), dom.nodes(three["tgid"])
    check("expand_pid_shows_children", rc == 0 and initn and threen and initn[0].attrs.get("data-expanded") == "true"
          and not threen[0].hidden(), "child still hidden after #expand=%d" % init["tgid"])
    rc, dom, _, errors = dump(url + "?expand=all")
    hidden = [n for n in dom.find(lambda n: n.tag == "li" and "node" in n.classes()) if n.hidden()]
    check("expand_all", rc == 0 and not hidden and dom.nodes(three["tgid"]), "%d nodes hidden" % len(hidden))

    # search from the URL: the file's row and its writer stay, the rest goes
    rc, dom, _, errors = dump(url + "#q=x.txt")
    rows = [r for t in dom.find(lambda n: n.tag == "table" and "files" in n.classes())
            for r in t.walk() if r.tag == "tr" and r.find_td()]
    shown = [shown_path(r.find_td()[0]) for r in rows if not r.hidden()]
    initn, threen = dom.nodes(init["tgid"]), dom.nodes(three["tgid"])
    check("search_path", shown == ["/tmp/x.txt"] and initn and not initn[0].hidden()
          and threen and threen[0].hidden(), "shown rows %r" % [s[:60] for s in shown])
    rc, dom, _, errors = dump(url + "#q=%d" % three["tgid"])
    threen = dom.nodes(three["tgid"])
    check("search_pid", threen and not threen[0].hidden() and any("hit" in n.classes() for n in threen[0].kids
                                                                  if isinstance(n, Node)), "pid not found by search")

    # a screenshot of the report as it opens (most active container first,
    # expanded to its writers), kept as an artifact
    png = os.path.join(ARTIFACTS, "report.png")
    if os.path.exists(png):
        os.unlink(png)
    rc, _, err = chromium(url, "--screenshot=" + png, "--window-size=1280,2000", "--hide-scrollbars")
    ok = os.path.exists(png) and os.path.getsize(png) > 10000
    if ok:
        with open(png, "rb") as f:
            ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
    check("screenshot", ok, "rc %d: %s" % (rc, err[-500:]))

    client().drop_database(db)
    client().drop_database(db + "_cooked")
    finish()


main()
