/* test_filter_vis.c - filter/vis.c: what the text report does with
 * hostile bytes (C0, C1, DEL, invalid UTF-8, bidi and zero-width
 * characters) and how it quotes arguments (POSIX, unambiguous). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vis.h"

/* vis_text of p[0..n) is want */
static void
text_is(const char *p, size_t n, const char *want)
{
	struct buf b;

	buf_init(&b);
	vis_text(&b, p, n);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void
test_vis_controls(void **state)
{
	(void)state;
	text_is("plain é 漢", 12, "plain é 漢");
	text_is("a\x1b[2Jb\nc\0d", 10, "a\\x1b[2Jb\\x0ac\\x00d");
	text_is("\x7f\\", 2, "\\x7f\\\\");
	text_is("\xff\xc3", 2, "\\xff\\xc3");
	/* C1 as UTF-8: U+009B CSI, U+009D OSC, U+0085 NEL */
	text_is("\xc2\x9b"
	        "31m\xc2\x9d\xc2\x85",
	        9, "\\u{9b}31m\\u{9d}\\u{85}");
	/* a raw C1 byte is invalid UTF-8 */
	text_is("\x9b", 1, "\\x9b");
}

static void
test_vis_bidi_zero_width(void **state)
{
	(void)state;
	/* U+202E RLO: "evil\u202Etxt.exe" would read "evilexe.txt" */
	text_is("evil\xe2\x80\xaetxt.exe", 14, "evil\\u{202e}txt.exe");
	text_is("\xe2\x80\xaa\xe2\x80\xad\xe2\x81\xa6\xe2\x81\xa9", 12,
	        "\\u{202a}\\u{202d}\\u{2066}\\u{2069}");
	text_is("r\xe2\x80\x8bm\xe2\x80\x8f\xef\xbb\xbf", 11,
	        "r\\u{200b}m\\u{200f}\\u{feff}");
	text_is("\xe2\x80\xa8\xe2\x80\xa9", 6, "\\u{2028}\\u{2029}");
	/* neighbours stay */
	text_is("\xe2\x80\x90\xe2\x80\xaf", 6, "\xe2\x80\x90\xe2\x80\xaf");
}

/* the args of one command line, quoted and joined with spaces */
static void
args_are(const char *const *v, size_t n, const char *want)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		if (i)
			buf_addc(&b, ' ');
		vis_shell_arg(&b, v[i], strlen(v[i]), 400);
	}
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void
test_vis_shell_quoting(void **state)
{
	/* rm -rf "/data' '/backup"  vs  rm -rf "'/data'" "'/backup'" */
	const char *one[] = {"rm", "-rf", "/data' '/backup"};
	const char *two[] = {"rm", "-rf", "'/data'", "'/backup'"};
	const char *misc[] = {"", "a b", "$HOME", "x;y", "ok_1@%+=:,./-"};
	struct buf b;

	(void)state;
	args_are(one, 3, "rm -rf '/data'\\'' '\\''/backup'");
	args_are(two, 4, "rm -rf ''\\''/data'\\''' ''\\''/backup'\\'''");
	args_are(misc, 5, "'' 'a b' '$HOME' 'x;y' ok_1@%+=:,./-");
	buf_init(&b);
	vis_shell_arg(&b,
	              "a\x1b"
	              "b",
	              3, 400);
	vis_shell_arg(&b, "abcdef", 6, 3);
	assert_string_equal(b.data, "'a\\x1bb''abc'...[+3 bytes]");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vis_controls),
	    cmocka_unit_test(test_vis_bidi_zero_width),
	    cmocka_unit_test(test_vis_shell_quoting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
