/* textrec.c - see textrec.h. The line grammar itself is record.h's
 * record_parse_line (auditd's own format); this adds the stream: line
 * assembly with a bound, enrichment, the header check and the counts. */
#include "textrec.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "record.h"

struct textrec {
	const char *name;
	textrec_fn *fn;
	void *arg;
	size_t n;      /* bytes of the current line in buf */
	bool too_long; /* the current line outgrew buf: skip to its newline */
	struct textrec_stats st;
	char buf[TEXTREC_LINE_MAX];
};

struct textrec *
textrec_new(const char *name, textrec_fn *fn, void *arg)
{
	struct textrec *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	t->name = name;
	t->fn = fn;
	t->arg = arg;
	return t;
}

/* node=HOST at the start of the line: its value (up to the space). */
static struct str
node_of(const char *p, size_t len)
{
	struct str node = {p, 0};
	const char *sp;

	while (node.n < len && (p[node.n] == ' ' || p[node.n] == '\t'))
		node.n++;
	if (len - node.n < 5 || memcmp(p + node.n, "node=", 5) != 0)
		return (struct str){p, 0};
	node.p = p + node.n + 5;
	sp = memchr(node.p, ' ', len - node.n - 5);
	node.n = sp == NULL ? 0 : (size_t)(sp - node.p);
	return node;
}

int
textrec_line(const char *line, size_t len, uint16_t *type, struct str *payload,
             struct str *node)
{
	const char *gs = memchr(line, 0x1d, len);
	struct record rec;
	int rc;

	if (gs != NULL)
		len = (size_t)(gs - line);
	rc = record_parse_line(line, len, type, payload);
	if (rc != 0)
		return rc;
	while (payload->n > 0 && (payload->p[payload->n - 1] == ' ' ||
	                          payload->p[payload->n - 1] == '\t'))
		payload->n--;
	if (record_parse(&rec, *type, payload->p, payload->n) != 0)
		return -1;
	*node = node_of(line, len);
	return 0;
}

static void
refuse(struct textrec *t, const char *why)
{
	t->st.refused++;
	if (t->st.first_refused_line == 0)
		t->st.first_refused_line = t->st.lines;
	t->st.last_refused_line = t->st.lines;
	if (t->st.refused <= TEXTREC_LOG_MAX)
		log_warnx("%s: line %" PRIu64 ": %s%s", t->name, t->st.lines,
		          why,
		          t->st.refused == TEXTREC_LOG_MAX
		              ? " (further refusals are only counted)"
		              : "");
}

/* A whole line in buf[0..n). */
static void
line_done(struct textrec *t)
{
	struct str payload, node;
	uint16_t type;
	int rc;

	t->st.lines++;
	if (t->too_long) {
		t->st.too_long++;
		refuse(t, "longer than the line limit: refused");
		return;
	}
	rc = textrec_line(t->buf, t->n, &type, &payload, &node);
	if (rc == 1) {
		t->st.skipped++;
		return;
	}
	if (rc != 0) {
		refuse(t, "not an audit record: refused");
		return;
	}
	if (memchr(t->buf, 0x1d, t->n) != NULL)
		t->st.enriched++;
	t->st.parsed++;
	t->fn(type, payload.p, payload.n, node, t->arg);
}

void
textrec_feed(struct textrec *t, const char *buf, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl != NULL ? (size_t)(nl - buf) : n;

		if (!t->too_long) {
			if (take > sizeof(t->buf) - t->n) {
				t->too_long = true;
			} else {
				memcpy(t->buf + t->n, buf, take);
				t->n += take;
			}
		}
		if (nl == NULL)
			return;
		line_done(t);
		t->n = 0;
		t->too_long = false;
		buf += take + 1;
		n -= take + 1;
	}
}

void
textrec_finish(struct textrec *t)
{
	if (t->n > 0 || t->too_long) {
		t->st.cut++;
		log_info("%s: the last line (%" PRIu64 ") has no newline: a "
		         "record cut short, not read",
		         t->name, t->st.lines + 1);
	}
	t->n = 0;
	t->too_long = false;
	if (t->st.refused > 0)
		log_warnx("%s: %" PRIu64 " of %" PRIu64
		          " lines refused (lines %" PRIu64 " to %" PRIu64 ")",
		          t->name, t->st.refused, t->st.lines,
		          t->st.first_refused_line, t->st.last_refused_line);
}

const struct textrec_stats *
textrec_stats(const struct textrec *t)
{
	return &t->st;
}

void
textrec_free(struct textrec *t)
{
	free(t);
}
