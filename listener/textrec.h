/* textrec.h - audit records as text: auditd's log lines and its plugin
 * format "string" ("[node=HOST ]type=NAME msg=audit(SEC.MS:SERIAL): ...").
 * Bytes in (any chunking: a pipe, a file, gunzipped data), one record out
 * per line through a callback, with the type and payload the kernel socket
 * would have given (record_parse_line), so that the same reassembly takes
 * them. Enriched fields (auditd log_format=ENRICHED: everything after the
 * 0x1d byte) are cut off: they are auditd's interpretation, not the
 * kernel's record. Lines are bounded (TEXTREC_LINE_MAX bytes): a longer one
 * is refused. Every line is counted as parsed, skipped (blank, '#'), or
 * refused; refusals are logged with their line numbers (the first
 * TEXTREC_LOG_MAX, then counted only). A last line without its newline is
 * a cut record (the writer stopped mid-line): counted, not an error, not
 * passed on. The handle owns one line buffer; the callback's bytes are
 * valid only during the call. Input is hostile (records of container
 * tasks): every scan is bounded by the line. */
#ifndef GODO_TEXTREC_H
#define GODO_TEXTREC_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define TEXTREC_LINE_MAX (16 * 1024) /* a record plus node= and enrichment */
#define TEXTREC_LOG_MAX 20           /* refusals logged one by one */

struct textrec_stats {
	uint64_t lines;   /* newline-terminated lines seen */
	uint64_t parsed;  /* handed to the callback */
	uint64_t skipped; /* blank or '#' comment lines */
	uint64_t
	    refused; /* not a record (bad header, unknown type, too long) */
	uint64_t too_long; /* of refused: longer than TEXTREC_LINE_MAX */
	uint64_t enriched; /* parsed lines that carried 0x1d fields (cut) */
	uint64_t cut;      /* a last line without newline (0 or 1) */
	uint64_t first_refused_line, last_refused_line; /* 1-based; 0: none */
};

/* One record: node is empty when the line had no node= prefix. */
typedef void textrec_fn(uint16_t type, const char *payload, size_t len,
                        struct str node, void *arg);

struct textrec;

/* name labels the log lines ("stdin", a file name; borrowed). NULL, logged,
 * when out of memory. */
struct textrec *textrec_new(const char *name, textrec_fn *fn, void *arg);
/* Feeds n bytes; calls fn for each complete record line. */
void textrec_feed(struct textrec *t, const char *buf, size_t n);
/* End of input: a pending partial line is counted as cut. Logs a summary
 * line when anything was refused or cut. */
void textrec_finish(struct textrec *t);
const struct textrec_stats *textrec_stats(const struct textrec *t);
void textrec_free(struct textrec *t);

/* The pure part, one line (without or with its newline): 0 with *type,
 * *payload (the kernel's payload: enrichment and trailing blanks cut, an
 * audit(SEC.MS:SERIAL) header checked) and *node set; 1 for a blank or
 * comment line; -1 when it is not a record. */
int textrec_line(const char *line, size_t len, uint16_t *type,
                 struct str *payload, struct str *node);

#endif
