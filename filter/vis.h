/* vis.h - text made safe for a terminal, stricter than common/esc.c's
 * esc_tty: a recorded string may come from a hostile container. Printable
 * ASCII and printable UTF-8 pass; '\' is "\\"; C0 controls, DEL and bytes
 * that are not valid UTF-8 are "\xHH"; C1 controls (U+0080-U+009F, e.g.
 * U+009B CSI, U+009D OSC), zero-width characters (U+200B-U+200F, U+FEFF),
 * line/paragraph separators (U+2028, U+2029) and bidi controls
 * (U+202A-U+202E, U+2066-U+2069) are "\u{hex}", as the HTML page's vis()
 * shows them. So nothing can move the cursor, forge a line, or reorder
 * what is shown. */
#ifndef GODO_VIS_H
#define GODO_VIS_H

#include <stdbool.h>
#include <stddef.h>

#include "esc.h"

/* Appends p[0..n) (any bytes, NULs included) to b, escaped. */
void vis_text(struct buf *b, const char *p, size_t n);
/* Appends one argument shell-quoted (POSIX) and escaped as vis_text:
 * bare when non-empty and only [A-Za-z0-9_@%+=:,./-], else inside '...'
 * with each ' written '\''. max: bytes of the argument shown at most;
 * a longer one is quoted and followed by "...[+N bytes]". */
void vis_shell_arg(struct buf *b, const char *p, size_t n, size_t max);

#endif
