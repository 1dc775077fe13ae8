/* vis.c - see vis.h. */
#include "vis.h"

#include <string.h>

void
vis_text(struct buf *b, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, l;

	while (i < n) {
		if (u[i] >= 0x80 && (l = esc_utf8_len(u + i, n - i)) != 0) {
			unsigned cp = esc_utf8_cp(u + i, l);

			if (esc_cp_hidden(cp))
				buf_printf(b, "\\u{%x}", cp);
			else
				buf_add(b, p + i, l);
			i += l;
			continue;
		}
		if (u[i] == '\\')
			buf_adds(b, "\\\\");
		else if (u[i] < 0x20 || u[i] >= 0x7f)
			buf_printf(b, "\\x%02x", u[i]);
		else
			buf_addc(b, (char)u[i]);
		i++;
	}
}

static bool
vis_bare(const char *p, size_t n)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
	                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                           "0123456789_@%+=:,./-";
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (p[i] == '\0' || strchr(safe, p[i]) == NULL)
			return false;
	return true;
}

void
vis_shell_arg(struct buf *b, const char *p, size_t n, size_t max)
{
	size_t shown = n < max ? n : max, i, from = 0;

	if (vis_bare(p, shown) && shown == n) {
		buf_add(b, p, n);
		return;
	}
	buf_addc(b, '\'');
	for (i = 0; i <= shown; i++)
		if (i == shown || p[i] == '\'') {
			vis_text(b, p + from, i - from);
			if (i < shown)
				buf_adds(b, "'\\''");
			from = i + 1;
		}
	buf_addc(b, '\'');
	if (shown < n)
		buf_printf(b, "...[+%zu bytes]", n - shown);
}
