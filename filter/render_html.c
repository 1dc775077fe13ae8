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
#include "render_page.h"

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
	int rc;

	if (put_lines(out, render_page_head) != 0 || put_title(out, o) != 0 ||
	    put_lines(out, render_page_css) != 0 ||
	    put_lines(out, render_page_body) != 0)
		return render_end(out, true);
	json = fopencookie(out, "w", io);
	if (json == NULL)
		return render_end(out, true);
	rc = render_json(json, m, o); /* logs its own failure */
	if (fclose(json) != 0 && rc == 0)
		return render_end(out, true);
	if (rc != 0)
		return -1;
	return render_end(out,
	                  fputs("</script>\n<script>\n", out) == EOF ||
	                      put_lines(out, render_page_js) != 0 ||
	                      put_lines(out, render_page_tl) != 0 ||
	                      fputs("</script>\n</body></html>\n", out) == EOF);
}
