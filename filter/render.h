/* render.h - one interface for the output formats. Each renderer writes
 * the kept part of the model (after tree_sort) to out and returns 0, or -1
 * after one error line when writing failed. Strings from the store are escaped
 * here and only here: tty escaping for text, surrogateescape JSON for json, and
 * for html the same JSON inside a script element, drawn with textContent only.
 */
#ifndef GODO_RENDER_H
#define GODO_RENDER_H

#include <stdio.h>

#include "esc.h"
#include "model.h"
#include "opts.h"

int render_json(FILE *out, const struct model *m, const struct opts *o);
int render_text(FILE *out, const struct model *m, const struct opts *o);
/* One self-contained page (inline CSS/JS, no network) over render_json. */
int render_html(FILE *out, const struct model *m, const struct opts *o);

/* Bytes of a path the text report shows at most (cut: said so). */
#define PATH_MAX_SHOWN 4096
/* text (render_text_op.c): " (given as NAME)" and " (path unverified)",
 * each when present, after the name they are about */
void render_text_marks(struct buf *b, const struct bytes *given,
                       bool unverified);
/* text: "    <op> <path>[ -> new path or target][ details]" of one op */
void render_text_op(struct buf *b, const struct file *f);

/* helpers shared by the renderers and save.c (render_common.c) */
/* Why p is a root of its own, when it is one but no daemon: its
 * document's source "usermode_helper" or "setns" (docs/schema.md); NULL
 * otherwise. */
const char *render_root_kind(const struct proc *p);
/* Which second name of f carries marks (given2, unverified2): "new" (a
 * rename's), "source" (a bind mount's), "target" (a link's); NULL when
 * none does. */
const char *render_second_kind(const struct file *f);
/* p ran before the audit log a -replay read began (source
 * "replay_before"): its start time and lineage are not known. */
bool render_before_log(const struct proc *p);
/* The rootfs applied to p: its container's, else its own; NULL. */
const struct bytes *render_rootfs(const struct proc *p);
/* ns (not NS_NONE) as RFC 3339 with nanoseconds: in UTC ("...Z"), or
 * with local the machine's zone and its offset then ("...+01:00"). */
void render_time(struct buf *b, int64_t ns, bool local);
/* s escaped for a terminal (vis_text), at most max bytes of it and then
 * "...[+N bytes]"; "-" when unset. */
void render_bytes(struct buf *b, const struct bytes *s, size_t max);
/* A path for the text format: as render_bytes, but shell-quoted
 * (vis_shell_arg) when it holds more than [A-Za-z0-9_@%+=:,./-], so a
 * name cannot imitate the marks or fields printed after it. */
void render_path(struct buf *b, const struct bytes *s, size_t max);
/* The text format's container header lines (render_text_ct.c). */
void render_text_ct_header(struct buf *b, const struct container *c);
/* files sorted for output (opens by open time, ops by time, then id) */
void render_sort_files(struct model *m);
/* Writes b to out and empties it; *err is set when b ran out of memory
 * or the write failed (and stays set). */
void render_flush(FILE *out, struct buf *b, bool *err);
/* A renderer's last step: flushes out; 0, or -1 after one error line
 * when that or anything before (err) failed. */
int render_end(FILE *out, bool err);

#endif
