/* render_html.c - one self-contained HTML file for people reading a report
 * in a browser: inline CSS and JavaScript, no external fetches (a
 * Content-Security-Policy of default-src 'none' forbids them). The data is
 * the JSON contract of docs/output.md, streamed by render_json through a
 * guard into a <script type="application/json"> element; the script builds
 * the page from it with textContent only, so no recorded string is ever
 * parsed as markup. esc_json already writes <, > and & as \u003c etc.; the
 * guard re-escapes them should they ever reach it, so nothing in the data
 * can close the script element. */
#include "render.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "esc.h"

static const char *const html_head[] = {
    "<!DOCTYPE html>\n",
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n",
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
    "'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n",
    "<meta name=\"viewport\" content=\"width=device-width\">\n",
    NULL,
};

/* the stylesheet */
static const char *const html_css[] = {
    "body{font:13px/1.4 "
    "system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}\n",
    "header{position:sticky;top:0;z-index:2;background:#24292f;color:#fff;"
    "padding:6px "
    "12px;display:flex;gap:12px;align-items:center;flex-wrap:wrap}\n",
    "header h1{font-size:15px;margin:0}\n",
    "header input{width:22em;padding:3px 6px;font:inherit}\n",
    "header button{font:inherit;padding:2px 8px}\n",
    "#summary{color:#c9d1d9}\n",
    "main{padding:8px 12px}\n",
    ".mono,.tree,table{font-family:ui-monospace,Menlo,Consolas,monospace;font-"
    "size:12px}\n",
    ".gaps div{background:#fff3cd;border:1px solid #e0b000;padding:4px "
    "8px;margin:4px 0}\n",
    ".gaps .none{background:#e6f4ea;border-color:#8cc79a}\n",
    "section.ct{border:1px solid #d0d7de;border-radius:6px;margin:12px "
    "0;padding:6px 10px}\n",
    "section.ct h2{font-size:14px;margin:4px 0}\n",
    "section.ct h3{font-size:13px;margin:10px 0 4px}\n",
    ".meta{color:#57606a;word-break:break-all}\n",
    "ul.tree,ul.kids{list-style:none;margin:0;padding-left:18px}\n",
    "ul.tree{padding-left:0}\n",
    ".row{white-space:pre-wrap;word-break:break-all;padding:1px 0}\n",
    ".row.hit{background:#fff8c5}\n",
    ".tog{display:inline-block;width:1.4em;border:0;background:none;cursor:"
    "pointer;font:inherit;padding:0}\n",
    ".pid{font-weight:bold}\n",
    ".args{color:#0a3069}\n",
    ".tm{color:#57606a}\n",
    ".st-run{color:#1a7f37}.st-ok{color:#57606a}.st-bad{color:#bc4c00;font-"
    "weight:bold}.st-sig{color:#cf222e;font-weight:bold}\n",
    ".tag{background:#ddf4ff;border-radius:3px;padding:0 "
    "4px;margin-left:4px}\n",
    ".marker{color:#8250df}\n",
    "table{border-collapse:collapse;margin:2px 0 8px}\n",
    "th,td{border:1px solid #d0d7de;padding:2px "
    "6px;text-align:left;vertical-align:top;word-break:break-all}\n",
    "th{background:#f6f8fa}\n",
    "svg.tl{width:100%;max-width:1200px;display:block}\n",
    "svg.tl text{font:11px ui-monospace,monospace;fill:#1b1f24}\n",
    ".empty{color:#57606a;font-style:italic}\n",
    "td.n{white-space:nowrap;word-break:normal}\n",
    "td.path{min-width:12em}\n",
    ".info{border:1px solid "
    "#d0d7de;border-radius:8px;background:#f6f8fa;font:10px "
    "sans-serif;padding:0 "
    "5px;margin-left:6px;cursor:pointer;vertical-align:1px}\n",
    "details.daemons>summary{cursor:pointer;margin:4px 0}\n",
    "div.more{margin-left:1.6em;color:#57606a;border-left:2px solid "
    "#d0d7de;padding-left:6px}\n",
    NULL,
};

static const char *const html_body[] = {
    "</style></head><body>\n",
    "<header><h1>godo report</h1><span id=\"summary\"></span>\n",
    "<input id=\"q\" type=\"search\" placeholder=\"search pid, name or "
    "path\" aria-label=\"search\">\n",
    "<button type=\"button\" id=\"expand-all\">expand all</button>\n",
    "<button type=\"button\" id=\"collapse-all\">collapse all</button>\n",
    "</header>\n",
    "<main id=\"app\"><noscript>This report is drawn by JavaScript; its "
    "data is the JSON in the element godo-data (docs/output.md)."
    "</noscript></main>\n",
    "<script type=\"application/json\" id=\"godo-data\">",
    NULL,
};

/* the page script: builds the report from the JSON element */
static const char *const html_js[] = {
    "\"use strict\";\n",
    "(function () {\n",
    "var D = JSON.parse(document.getElementById(\"godo-data\").textContent);\n",
    "var SIG = [\"\", \"HUP\", \"INT\", \"QUIT\", \"ILL\", \"TRAP\", \"ABRT\", "
    "\"BUS\",\n",
    "  \"FPE\", \"KILL\", \"USR1\", \"SEGV\", \"USR2\", \"PIPE\", \"ALRM\", "
    "\"TERM\",\n",
    "  \"STKFLT\", \"CHLD\", \"CONT\", \"STOP\", \"TSTP\", \"TTIN\", \"TTOU\", "
    "\"URG\",\n",
    "  \"XCPU\", \"XFSZ\", \"VTALRM\", \"PROF\", \"WINCH\", \"IO\", \"PWR\", "
    "\"SYS\"];\n",
    "var ARGS_SHOWN = 2000, TL_ROWS = 1000;\n",
    "var byId = {}, nodes = [];\n",
    "\n",
    "/* Recorded strings are hostile: they only ever reach the page through\n",
    " * textContent or setAttribute, never as markup. Bytes that were not\n",
    " * UTF-8 arrive as lone surrogates U+DC80-U+DCFF (surrogateescape) and\n",
    " * are shown as \\xHH like the text format; controls, backslash and\n",
    " * bidi overrides are made visible too. */\n",
    "function hex2(n) {\n",
    "  return (n < 16 ? \"0\" : \"\") + n.toString(16);\n",
    "}\n",
    "var VIS = "
    "/[\\\\\\x00-\\x1f\\x7f]|[\\udc80-\\udcff]|[\\u200e\\u200f\\u202a-"
    "\\u202e\\u2066-\\u2069]/gu;\n",
    "function vis(s) {\n",
    "  if (s === null || s === undefined)\n",
    "    return \"-\";\n",
    "  return String(s).replace(VIS, function (c) {\n",
    "    var k = c.codePointAt(0);\n",
    "    if (c === \"\\\\\")\n",
    "      return \"\\\\\\\\\";\n",
    "    if (k >= 0xdc80 && k <= 0xdcff)\n",
    "      return \"\\\\x\" + hex2(k - 0xdc00);\n",
    "    if (k < 0x80)\n",
    "      return \"\\\\x\" + hex2(k);\n",
    "    return \"\\\\u{\" + k.toString(16) + \"}\";\n",
    "  });\n",
    "}\n",
    "function el(tag, cls, text) {\n",
    "  var e = document.createElement(tag);\n",
    "  if (cls)\n",
    "    e.className = cls;\n",
    "  if (text !== undefined && text !== null)\n",
    "    e.textContent = text;\n",
    "  return e;\n",
    "}\n",
    "function add(parent, tag, cls, text) {\n",
    "  var e = el(tag, cls, text);\n",
    "  parent.appendChild(e);\n",
    "  return e;\n",
    "}\n",
    "function tshort(t) {\n",
    "  return t ? t.slice(11, 26) : \"?\";\n",
    "}\n",
    "function tfull(t) {\n",
    "  return t ? t : \"?\";\n",
    "}\n",
    "function tms(t) {\n",
    "  var m = t ? "
    "/^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d)(?:\\.(\\d+))?Z$/.exec(t) : "
    "null;\n",
    "  if (!m)\n",
    "    return null;\n",
    "  return Date.parse(m[1] + \"Z\") + (m[2] ? Number(\"0.\" + m[2]) * 1000 "
    ": 0);\n",
    "}\n",
    "function argv(p) {\n",
    "  var a = p.args || [], s;\n",
    "  if (a.length === 0)\n",
    "    return \"[\" + vis(p.comm) + \"]\";\n",
    "  s = a.map(function (x) {\n",
    "    var v = vis(x);\n",
    "    return v === \"\" || v.indexOf(\" \") >= 0 ? \"'\" + v + \"'\" : v;\n",
    "  }).join(\" \");\n",
    "  if (s.length > ARGS_SHOWN)\n",
    "    s = s.slice(0, ARGS_SHOWN) + \" ...\";\n",
    "  if (p.args_truncated)\n",
    "    s += \" [truncated]\";\n",
    "  return s;\n",
    "}\n",
    "function status(p) {\n",
    "  var at = p.exit ? \" at \" + tshort(p.exit) : \"\";\n",
    "  if (!p.exit && p.exit_code === null && p.exit_signal === null)\n",
    "    return [\"running\", \"st-run\"];\n",
    "  if (p.exit_signal !== null)\n",
    "    return [\"killed by SIG\" + (SIG[p.exit_signal] || \"?\") + \" (\" "
    "+\n",
    "      p.exit_signal + \")\" + at, \"st-sig\"];\n",
    "  if (p.exit_code !== null)\n",
    "    return [\"exit \" + p.exit_code + at, p.exit_code ? \"st-bad\" : "
    "\"st-ok\"];\n",
    "  return [\"exited\" + at, \"st-ok\"];\n",
    "}\n",
    "function short(id) {\n",
    "  return id ? String(id).slice(0, 12) : \"-\";\n",
    "}\n",
    "\n",
    "D.processes.forEach(function (p) {\n",
    "  byId[p.id] = p;\n",
    "});\n",
    "var filesBy = {};\n",
    "D.files.concat(D.ops).forEach(function (f) {\n",
    "  (filesBy[f.process] = filesBy[f.process] || []).push(f);\n",
    "});\n",
    "\n",
    "/* one tree node: a row, details, and the children (hidden until\n",
    " * expanded) */\n",
    "function setOpen(li, open) {\n",
    "  var n = li.godo;\n",
    "  if (!n.kids)\n",
    "    return;\n",
    "  n.kids.hidden = !open;\n",
    "  n.tog.textContent = open ? \"\\u25be\" : \"\\u25b8\";\n",
    "  n.tog.setAttribute(\"aria-expanded\", open ? \"true\" : \"false\");\n",
    "  li.setAttribute(\"data-expanded\", open ? \"true\" : \"false\");\n",
    "}\n",
    "function details(p, li, btn) {\n",
    "  var d = add(li, \"div\", \"more\"), t, tb;\n",
    "  d.hidden = true;\n",
    "  btn.onclick = function () {\n",
    "    d.hidden = !d.hidden;\n",
    "  };\n",
    "  add(d, \"div\", \"mono\", \"id \" + p.id);\n",
    "  add(d, \"div\", \"mono\", \"exe \" + vis(p.exe) + \"   cwd \" + "
    "vis(p.cwd));\n",
    "  add(d, \"div\", \"mono\", \"start \" + tfull(p.start) + \"   exit \" "
    "+\n",
    "    tfull(p.exit) + (p.ppid !== null ? \"   ppid \" + p.ppid : \"\"));\n",
    "  if (p.execs.length) {\n",
    "    add(d, \"div\", null, \"execs (\" + p.execve_count + \"):\");\n",
    "    t = add(d, \"table\");\n",
    "    p.execs.forEach(function (e) {\n",
    "      var r = add(t, \"tr\");\n",
    "      add(r, \"td\", null, tfull(e.time));\n",
    "      add(r, \"td\", null, argv({args: e.args, comm: null}));\n",
    "      add(r, \"td\", null, vis(e.exe));\n",
    "      add(r, \"td\", null, vis(e.cwd));\n",
    "    });\n",
    "  }\n",
    "  if (p.tasks.length) {\n",
    "    add(d, \"div\", null, \"threads (\" + p.tasks.length + \"):\");\n",
    "    t = add(d, \"table\");\n",
    "    tb = add(t, \"tr\");\n",
    "    [\"tid\", \"comm\", \"start\", \"exit\"].forEach(function (h) {\n",
    "      add(tb, \"th\", null, h);\n",
    "    });\n",
    "    p.tasks.forEach(function (k) {\n",
    "      var r = add(t, \"tr\");\n",
    "      add(r, \"td\", null, String(k.tid));\n",
    "      add(r, \"td\", null, vis(k.comm));\n",
    "      add(r, \"td\", null, tfull(k.start));\n",
    "      add(r, \"td\", null, tfull(k.exit) + (k.exit_filled ? \" (filled)\" "
    ": \"\"));\n",
    "    });\n",
    "  }\n",
    "}\n",
    "function node(p, ct, ul, depth) {\n",
    "  var li = add(ul, \"li\", \"node\"), row, st, kids, n;\n",
    "  li.setAttribute(\"data-pid\", String(p.tgid));\n",
    "  li.setAttribute(\"data-id\", p.id);\n",
    "  n = li.godo = {p: p, li: li, kids: null, hay: \"\"};\n",
    "  nodes.push(n);\n",
    "  row = add(li, \"div\", \"row\");\n",
    "  n.row = row;\n",
    "  n.tog = add(row, \"button\", \"tog\", \"\");\n",
    "  n.tog.type = \"button\";\n",
    "  add(row, \"span\", \"pid\", String(p.tgid));\n",
    "  row.appendChild(document.createTextNode(\" \"));\n",
    "  add(row, \"span\", \"args\", argv(p));\n",
    "  add(row, \"span\", \"tm\", \"  \" + tshort(p.start)).title = "
    "tfull(p.start);\n",
    "  st = status(p);\n",
    "  add(row, \"span\", st[1], \"  \" + st[0]).title = tfull(p.exit);\n",
    "  if (p.threads.length)\n",
    "    add(row, \"span\", \"thr\", \"  +\" + p.threads.length + \" thread\" "
    "+\n",
    "      (p.threads.length > 1 ? \"s\" : \"\"));\n",
    "  if (p.setns)\n",
    "    add(row, \"span\", \"tag\", \"docker exec\");\n",
    "  if (p.outside_window)\n",
    "    add(row, \"span\", \"tag\", \"outside the window\");\n",
    "  var info = add(row, \"button\", \"info\", \"i\");\n",
    "  info.type = \"button\";\n",
    "  info.title = \"details: id, exe, cwd, execs, threads\";\n",
    "  n.hay = (vis(p.comm) + \" \" + argv(p) + \" \" + "
    "vis(p.exe)).toLowerCase();\n",
    "  (filesBy[p.id] || []).forEach(function (f) {\n",
    "    n.hay += \" \" + vis(f.path).toLowerCase();\n",
    "    if (f.new_path)\n",
    "      n.hay += \" \" + vis(f.new_path).toLowerCase();\n",
    "  });\n",
    "  details(p, li, info);\n",
    "  kids = [];\n",
    "  var seen = {};\n",
    "  p.children.forEach(function (id) {\n",
    "    var k = byId[id];\n",
    "    if (!k)\n",
    "      return;\n",
    "    if ((k.container || null) !== ct) {\n",
    "      if (!seen[k.container]) {\n",
    "        seen[k.container] = 1;\n",
    "        kids.push({marker: k.container});\n",
    "      }\n",
    "      return;\n",
    "    }\n",
    "    kids.push(k);\n",
    "  });\n",
    "  if (kids.length && depth < 512) {\n",
    "    n.kids = add(li, \"ul\", \"kids\");\n",
    "    kids.forEach(function (k) {\n",
    "      if (k.marker) {\n",
    "        var m = add(n.kids, \"li\", \"marker\");\n",
    "        var a = add(m, \"a\", null, \"[container \" + short(k.marker) +\n",
    "          \": below]\");\n",
    "        a.href = \"#ct-\" + k.marker;\n",
    "        return;\n",
    "      }\n",
    "      node(k, ct, n.kids, depth + 1);\n",
    "    });\n",
    "    n.tog.onclick = function () {\n",
    "      setOpen(li, n.kids.hidden);\n",
    "    };\n",
    "    setOpen(li, false);\n",
    "  } else {\n",
    "    n.tog.disabled = true;\n",
    "    n.tog.textContent = \"\\u00b7\";\n",
    "  }\n",
    "  return li;\n",
    "}\n",
    "\n",
    "function timeline(parent, procs) {\n",
    "  var NS = \"http://www.w3.org/2000/svg\", W = 1000, L = 260, H = 16;\n",
    "  var rows = [], t0 = null, t1 = null;\n",
    "  procs.forEach(function (p) {\n",
    "    var s = tms(p.start), e = tms(p.exit);\n",
    "    if (s === null)\n",
    "      return;\n",
    "    rows.push({p: p, s: s, e: e});\n",
    "    if (t0 === null || s < t0)\n",
    "      t0 = s;\n",
    "    [s, e].forEach(function (v) {\n",
    "      if (v !== null && (t1 === null || v > t1))\n",
    "        t1 = v;\n",
    "    });\n",
    "  });\n",
    "  if (!rows.length) {\n",
    "    add(parent, \"div\", \"empty\", \"no start times recorded\");\n",
    "    return;\n",
    "  }\n",
    "  var span = Math.max(t1 - t0, 0.001), shown = rows.slice(0, TL_ROWS);\n",
    "  var svg = document.createElementNS(NS, \"svg\");\n",
    "  var h = (shown.length + 1) * H + 4;\n",
    "  svg.setAttribute(\"class\", \"tl\");\n",
    "  svg.setAttribute(\"viewBox\", \"0 0 \" + W + \" \" + h);\n",
    "  function sv(tag, attrs, text) {\n",
    "    var e = document.createElementNS(NS, tag);\n",
    "    Object.keys(attrs).forEach(function (k) {\n",
    "      e.setAttribute(k, String(attrs[k]));\n",
    "    });\n",
    "    if (text !== undefined)\n",
    "      e.textContent = text;\n",
    "    svg.appendChild(e);\n",
    "    return e;\n",
    "  }\n",
    "  function x(v) {\n",
    "    return L + (W - L - 10) * (v - t0) / span;\n",
    "  }\n",
    "  sv(\"text\", {x: L, y: 12}, \"0 ms\");\n",
    "  sv(\"text\", {x: W - 10, y: 12, \"text-anchor\": \"end\"},\n",
    "    \"+\" + span.toFixed(3) + \" ms\");\n",
    "  shown.forEach(function (r, i) {\n",
    "    var y = (i + 1) * H + 2, st = status(r.p), x0 = x(r.s);\n",
    "    var x1 = x(r.e === null ? t1 : r.e), g, col;\n",
    "    col = {\"st-run\": \"#8c959f\", \"st-ok\": \"#54aeff\", \"st-bad\": "
    "\"#fb8f44\",\n",
    "      \"st-sig\": \"#ff8182\"}[st[1]];\n",
    "    var lab = r.p.tgid + \" \" + argv(r.p);\n",
    "    sv(\"text\", {x: 2, y: y + 11}, lab.length > 36 ? lab.slice(0, 35) + "
    "\"\\u2026\" : lab);\n",
    "    g = sv(\"rect\", {x: x0.toFixed(1), y: y + 2, height: H - 5,\n",
    "      width: Math.max(x1 - x0, 2).toFixed(1), fill: col,\n",
    "      \"data-pid\": r.p.tgid});\n",
    "    var tt = document.createElementNS(NS, \"title\");\n",
    "    tt.textContent = lab + \"\\n\" + tfull(r.p.start) + \" .. \" +\n",
    "      tfull(r.p.exit) + \"\\n\" + st[0];\n",
    "    g.appendChild(tt);\n",
    "  });\n",
    "  parent.appendChild(svg);\n",
    "  if (rows.length > shown.length)\n",
    "    add(parent, \"div\", \"empty\", (rows.length - shown.length) +\n",
    "      \" more processes not drawn\");\n",
    "}\n",
    "\n",
    "function writer(r, p) {\n",
    "  var a = argv(p), td = add(r, \"td\", \"args\",\n",
    "    a.length > 200 ? a.slice(0, 200) + \" ...\" : a);\n",
    "  td.title = a;\n",
    "}\n",
    "function fileTables(parent, ct) {\n",
    "  var files = D.files.filter(function (f) {\n",
    "    return (f.container || null) === ct;\n",
    "  });\n",
    "  var ops = D.ops.filter(function (f) {\n",
    "    return (f.container || null) === ct;\n",
    "  });\n",
    "  var t, r, rows = [];\n",
    "  add(parent, \"h3\", null, \"changed files (\" + files.length + "
    "\")\");\n",
    "  if (files.length) {\n",
    "    t = add(parent, \"table\", \"files\");\n",
    "    r = add(t, \"tr\");\n",
    "    [\"path\", \"host path\", \"pid\", \"writer\", \"open\", \"close\", "
    "\"writes\"]\n",
    "      .forEach(function (h) {\n",
    "        add(r, \"th\", null, h);\n",
    "      });\n",
    "    files.forEach(function (f) {\n",
    "      var p = byId[f.process] || {tgid: f.pid, args: [], comm: null};\n",
    "      var close = f.close ? tshort(f.close) +\n",
    "        (f.close_filled ? \" (process exit)\" : \"\") : \"still open\";\n",
    "      r = add(t, \"tr\");\n",
    "      add(r, \"td\", \"path\", vis(f.path)).title = \"raw \" + "
    "vis(f.raw_path);\n",
    "      add(r, \"td\", \"path\", vis(f.host_path));\n",
    "      add(r, \"td\", \"n\", String(f.pid));\n",
    "      writer(r, p);\n",
    "      add(r, \"td\", \"n\", tshort(f.open)).title = tfull(f.open);\n",
    "      add(r, \"td\", \"n\", close).title = tfull(f.close) +\n",
    "        (f.closed_by ? \" by \" + vis(f.closed_by) : \"\");\n",
    "      add(r, \"td\", \"n\", f.writes + \" (\" + f.write_bytes + \" "
    "B)\");\n",
    "      rows.push({tr: r, hay: (vis(f.path) + \" \" + vis(f.host_path) + \" "
    "\" +\n",
    "        vis(p.comm)).toLowerCase(), pid: String(f.pid)});\n",
    "    });\n",
    "  }\n",
    "  add(parent, \"h3\", null, \"renames and unlinks (\" + ops.length + "
    "\")\");\n",
    "  if (ops.length) {\n",
    "    t = add(parent, \"table\", \"ops\");\n",
    "    r = add(t, \"tr\");\n",
    "    [\"op\", \"path\", \"new path\", \"host path\", \"pid\", \"by\", "
    "\"time\"]\n",
    "      .forEach(function (h) {\n",
    "        add(r, \"th\", null, h);\n",
    "      });\n",
    "    ops.forEach(function (f) {\n",
    "      var p = byId[f.process] || {tgid: f.pid, args: [], comm: null};\n",
    "      r = add(t, \"tr\");\n",
    "      add(r, \"td\", \"n\", f.op);\n",
    "      add(r, \"td\", \"path\", vis(f.path));\n",
    "      add(r, \"td\", \"path\", f.op === \"rename\" ? vis(f.new_path) : "
    "\"\");\n",
    "      add(r, \"td\", \"path\", vis(f.host_path) + (f.new_host_path ? \" "
    "-> \" +\n",
    "        vis(f.new_host_path) : \"\"));\n",
    "      add(r, \"td\", \"n\", String(f.pid));\n",
    "      writer(r, p);\n",
    "      add(r, \"td\", \"n\", tshort(f.time)).title = tfull(f.time);\n",
    "      rows.push({tr: r, hay: (vis(f.path) + \" \" + vis(f.new_path) + \" "
    "\" +\n",
    "        vis(f.host_path) + \" \" + vis(p.comm)).toLowerCase(),\n",
    "        pid: String(f.pid)});\n",
    "    });\n",
    "  }\n",
    "  return rows;\n",
    "}\n",
    "\n",
    "/* the page */\n",
    "var main = document.getElementById(\"app\"), sections = [];\n",
    "main.textContent = \"\";\n",
    "document.getElementById(\"summary\").textContent = D.processes.length +\n",
    "  \" processes, \" + D.containers.length + \" containers\" +\n",
    "  (D.host ? \", host \" + vis(D.host) : \"\") +\n",
    "  (D.since ? \", since \" + D.since : \"\") + (D.until ? \", until \" + "
    "D.until : \"\");\n",
    "var gaps = add(main, \"div\", \"gaps\");\n",
    "gaps.id = \"gaps\";\n",
    "if (!D.gaps.length)\n",
    "  add(gaps, \"div\", \"none\", \"no gaps recorded: no events known to be "
    "missing\");\n",
    "D.gaps.forEach(function (g) {\n",
    "  add(gaps, \"div\", \"gap\", \"warning: events may be missing (\" +\n",
    "    vis(g.source) + \") on \" + vis(g.host) + \" from \" + tfull(g.from) "
    "+\n",
    "    \" to \" + tfull(g.to) + \", count \" + g.count);\n",
    "});\n",
    "\n",
    "function section(ct, title) {\n",
    "  var s = add(main, \"section\", \"ct\");\n",
    "  s.setAttribute(\"data-container\", ct || \"\");\n",
    "  if (ct)\n",
    "    s.id = \"ct-\" + ct;\n",
    "  add(s, \"h2\", null, title);\n",
    "  var info = {s: s, rows: [], nodes: [], body: s};\n",
    "  sections.push(info);\n",
    "  return info;\n",
    "}\n",
    "\n",
    "D.containers.forEach(function (c) {\n",
    "  var info = section(c.id, \"container \" + vis(c.name || "
    "short(c.id)));\n",
    "  var s = info.s, m = add(s, \"div\", \"meta\");\n",
    "  add(m, \"div\", null, \"id \" + c.id);\n",
    "  add(m, \"div\", null, \"image \" + vis(c.image) + \"   host \" + "
    "vis(c.host));\n",
    "  add(m, \"div\", null, \"rootfs \" + vis(c.rootfs));\n",
    "  add(m, \"div\", null, c.processes + \" processes, \" + c.files + \" "
    "files\");\n",
    "  var procs = D.processes.filter(function (p) {\n",
    "    return p.container === c.id && p.host === c.host;\n",
    "  });\n",
    "  add(s, \"h3\", null, \"process tree\");\n",
    "  var ul = add(s, \"ul\", \"tree\"), before = nodes.length;\n",
    "  procs.forEach(function (p) {\n",
    "    var par = p.parent ? byId[p.parent] : null;\n",
    "    if (!par || par.container !== c.id)\n",
    "      node(p, c.id, ul, 0);\n",
    "  });\n",
    "  info.nodes = nodes.slice(before);\n",
    "  add(s, \"h3\", null, \"timeline\");\n",
    "  var order = info.nodes.map(function (n) {\n",
    "    return n.p;\n",
    "  });\n",
    "  timeline(s, order);\n",
    "  info.rows = fileTables(s, c.id);\n",
    "});\n",
    "if (!D.containers.length)\n",
    "  add(main, \"div\", \"empty\", \"no container processes in this "
    "report\");\n",
    "/* Docker daemons and their host-side children */\n",
    "if (D.roots.length) {\n",
    "  var hs = section(null, \"Docker daemons\");\n",
    "  var hprocs = D.processes.filter(function (p) {\n",
    "    return !p.container;\n",
    "  });\n",
    "  hs.s.id = \"daemons\";\n",
    "  hs.body = add(hs.s, \"details\", \"daemons\");\n",
    "  add(hs.body, \"summary\", \"meta\", hprocs.length + \" host processes "
    "\" +\n",
    "    \"(dockerd, containerd, shims, runc) and their files\");\n",
    "  var hu = add(hs.body, \"ul\", \"tree\");\n",
    "  var before = nodes.length;\n",
    "  D.roots.forEach(function (id) {\n",
    "    if (byId[id])\n",
    "      node(byId[id], null, hu, 0);\n",
    "  });\n",
    "  hs.nodes = nodes.slice(before);\n",
    "  hs.rows = fileTables(hs.body, null);\n",
    "}\n",
    "\n",
    "\n",
    "/* expansion and search, also from the URL: #expand=all,\n",
    " * #expand=PID[,PID...] (or a process id), #q=TEXT; ?expand= and ?q=\n",
    " * work the same */\n",
    "function openUp(li) {\n",
    "  for (var e = li; e; e = e.parentElement) {\n",
    "    if (e.godo)\n",
    "      setOpen(e, true);\n",
    "    if (e.tagName === \"DETAILS\")\n",
    "      e.open = true;\n",
    "  }\n",
    "}\n",
    "function expandAll(open) {\n",
    "  nodes.forEach(function (n) {\n",
    "    setOpen(n.li, open);\n",
    "  });\n",
    "  sections.forEach(function (info) {\n",
    "    if (info.body !== info.s)\n",
    "      info.body.open = open;\n",
    "  });\n",
    "}\n",
    "function expand(list) {\n",
    "  list.forEach(function (v) {\n",
    "    if (v === \"all\")\n",
    "      return expandAll(true);\n",
    "    nodes.forEach(function (n) {\n",
    "      if (String(n.p.tgid) === v || n.p.id === v)\n",
    "        openUp(n.li);\n",
    "    });\n",
    "  });\n",
    "}\n",
    "function search(q) {\n",
    "  q = q.trim().toLowerCase();\n",
    "  nodes.forEach(function (n) {\n",
    "    n.li.hidden = false;\n",
    "    n.row.classList.remove(\"hit\");\n",
    "  });\n",
    "  sections.forEach(function (info) {\n",
    "    info.s.hidden = false;\n",
    "    info.rows.forEach(function (r) {\n",
    "      r.tr.hidden = false;\n",
    "    });\n",
    "  });\n",
    "  if (q === \"\")\n",
    "    return;\n",
    "  sections.forEach(function (info) {\n",
    "    var any = false;\n",
    "    info.nodes.forEach(function (n) {\n",
    "      n.li.hidden = true;\n",
    "    });\n",
    "    info.nodes.forEach(function (n) {\n",
    "      if (String(n.p.tgid) !== q && n.hay.indexOf(q) < 0)\n",
    "        return;\n",
    "      any = true;\n",
    "      n.row.classList.add(\"hit\");\n",
    "      if (info.body !== info.s)\n",
    "        info.body.open = true;\n",
    "      for (var e = n.li; e; e = e.parentElement) {\n",
    "        if (e.godo) {\n",
    "          e.hidden = false;\n",
    "          if (e !== n.li)\n",
    "            setOpen(e, true);\n",
    "        }\n",
    "      }\n",
    "    });\n",
    "    info.rows.forEach(function (r) {\n",
    "      var hit = r.pid === q || r.hay.indexOf(q) >= 0;\n",
    "      r.tr.hidden = !hit;\n",
    "      any = any || hit;\n",
    "    });\n",
    "    info.s.hidden = !any;\n",
    "  });\n",
    "}\n",
    "var box = document.getElementById(\"q\");\n",
    "box.oninput = function () {\n",
    "  search(box.value);\n",
    "};\n",
    "document.getElementById(\"expand-all\").onclick = function () {\n",
    "  expandAll(true);\n",
    "};\n",
    "document.getElementById(\"collapse-all\").onclick = function () {\n",
    "  expandAll(false);\n",
    "};\n",
    "function applyParams(s) {\n",
    "  var u = new URLSearchParams(s), e = u.get(\"expand\"), q = "
    "u.get(\"q\");\n",
    "  if (e)\n",
    "    expand(e.split(\",\"));\n",
    "  if (q !== null) {\n",
    "    box.value = q;\n",
    "    search(q);\n",
    "  }\n",
    "}\n",
    "applyParams(location.search.slice(1));\n",
    "applyParams(location.hash.slice(1));\n",
    "window.addEventListener(\"hashchange\", function () {\n",
    "  applyParams(location.hash.slice(1));\n",
    "});\n",
    "document.body.setAttribute(\"data-ready\", \"true\");\n",
    "})();\n",
    NULL,
};

/* The guard between render_json and the output: the JSON passes through
 * unchanged except <, > and &, which can only occur inside JSON strings
 * and become \u003c, \u003e, \u0026 (the same string to a JSON parser). */
static ssize_t
guard_write(void *cookie, const char *p, size_t n)
{
	FILE *out = cookie;
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const char *rep;

		switch (p[i]) {
		case '<':
			rep = "\\u003c";
			break;
		case '>':
			rep = "\\u003e";
			break;
		case '&':
			rep = "\\u0026";
			break;
		default:
			continue;
		}
		if (i > run && fwrite(p + run, 1, i - run, out) != i - run)
			return -1;
		if (fputs(rep, out) == EOF)
			return -1;
		run = i + 1;
	}
	if (n > run && fwrite(p + run, 1, n - run, out) != n - run)
		return -1;
	return (ssize_t)n;
}

static int
put_lines(FILE *out, const char *const *v)
{
	for (; *v != NULL; v++)
		if (fputs(*v, out) == EOF)
			return -1;
	return 0;
}

static int
put_title(FILE *out, const struct opts *o)
{
	struct buf b;
	int rc = 0;

	buf_init(&b);
	buf_adds(&b, "<title>godo report");
	if (o->host != NULL) {
		buf_adds(&b, " - ");
		esc_html(&b, o->host, strlen(o->host));
	}
	buf_adds(&b, "</title>\n<style>\n");
	if (b.oom || fwrite(b.data, 1, b.len, out) != b.len)
		rc = -1;
	buf_free(&b);
	return rc;
}

int
render_html(FILE *out, const struct model *m, const struct opts *o)
{
	cookie_io_functions_t io = {NULL, guard_write, NULL, NULL};
	FILE *json;
	int rc = 0;

	if (put_lines(out, html_head) != 0 || put_title(out, o) != 0 ||
	    put_lines(out, html_css) != 0 || put_lines(out, html_body) != 0)
		return -1;
	json = fopencookie(out, "w", io);
	if (json == NULL)
		return -1;
	if (render_json(json, m, o) != 0)
		rc = -1;
	if (fclose(json) != 0)
		rc = -1;
	if (rc != 0)
		return -1;
	if (fputs("</script>\n<script>\n", out) == EOF ||
	    put_lines(out, html_js) != 0 ||
	    fputs("</script>\n</body></html>\n", out) == EOF)
		return -1;
	return fflush(out) == 0 ? 0 : -1;
}
