/* vis.c - see vis.h. */
#include "vis.h"

#include <string.h>

/* The code point of the valid UTF-8 sequence p[0..l) (l from
 * esc_utf8_len). */
static unsigned
vis_cp(const unsigned char *p, size_t l)
{
	static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	unsigned cp = p[0] & lead_mask[l];
	size_t i;

	for (i = 1; i < l; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	return cp;
}

/* Invisible or reordering code points shown as \u{hex} */
static bool
vis_hidden(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0xfeff;
}

void
vis_text(struct buf *b, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, l;

	while (i < n) {
		if (u[i] >= 0x80 && (l = esc_utf8_len(u + i, n - i)) != 0) {
			unsigned cp = vis_cp(u + i, l);

			if (vis_hidden(cp))
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
