/* render_page.c - the fixed parts of the HTML page (render_page.h): the
 * head, the stylesheet, the body's frame and the script that draws the
 * report from the JSON element with textContent only. */
#include "render_page.h"

#include <stddef.h>

const char *const render_page_head[] = {
    "<!DOCTYPE html>\n",
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n",
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
    "'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n",
    "<meta name=\"viewport\" content=\"width=device-width\">\n",
    NULL,
};

/* the stylesheet */
const char *const render_page_css[] = {
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
    ".risk{color:#fff;background:#cf222e;font-weight:bold;padding:0 4px}\n",
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
    ".pmark{margin-left:6px;padding:0 4px;border:1px solid "
    "#d4a72c;border-radius:3px;background:#fff8c5;color:#7d4e00;font-"
    "size:85%;white-space:nowrap;word-break:normal}\n",
    "table{border-collapse:collapse;margin:2px 0 8px}\n",
    "th,td{border:1px solid #d0d7de;padding:2px "
    "6px;text-align:left;vertical-align:top;word-break:break-all}\n",
    "th{background:#f6f8fa}\n",
    "svg.tl{width:100%;max-width:1200px;display:block}\n",
    "svg.tl text{font:11px ui-monospace,monospace;fill:#1b1f24}\n",
    ".empty{color:#57606a;font-style:italic}\n",
    ".incomplete{background:#ffebe9;border:1px solid #cf222e;padding:6px;"
    "margin:6px 0;font-weight:600}\n",
    "td.n{white-space:nowrap;word-break:normal}\n",
    "td.path{min-width:12em}\n",
    ".info{border:1px solid "
    "#d0d7de;border-radius:8px;background:#f6f8fa;font:10px "
    "sans-serif;padding:0 "
    "5px;margin-left:6px;cursor:pointer;vertical-align:1px}\n",
    "details.daemons>summary{cursor:pointer;margin:4px 0}\n",
    ".prov{white-space:pre-wrap;color:#1b1f24;background:#f6f8fa;border:1px "
    "solid #d0d7de;"
    "padding:4px 8px;margin:6px 0}\n",
    ".ranking ol{margin:2px 0 6px;padding-left:2.2em}\n",
    ".act{color:#1b1f24;font-weight:600}\n",
    ".tag.ingap{background:#ffebe9;color:#cf222e}\n",
    ".legend{font-size:11px;color:#57606a;margin:2px 0 6px}\n",
    ".legend .sw{display:inline-block;width:12px;height:9px;margin:0 4px 0 "
    "10px;border-radius:2px}\n",
    ".legend .gapsw{background:#fff3cd;border:1px solid #e0b000}\n",
    ".legend .ingapmark{color:#cf222e;margin-left:10px;margin-right:4px}\n",
    "div.more{margin-left:1.6em;color:#57606a;border-left:2px solid "
    "#d0d7de;padding-left:6px}\n",
    NULL,
};

const char *const render_page_body[] = {
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
