/* flags.h - table-driven command-line flags, Go style and GNU style alike:
 * -name=value, -name value, --name=value, --name value, bare booleans
 * (-name, -name=true|false), and "--" ending the flags. -h/-help/--help
 * prints the usage built from the table. */
#ifndef GODO_FLAGS_H
#define GODO_FLAGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum flag_type { FLAG_BOOL, FLAG_STR, FLAG_INT, FLAG_U64 };

struct flag {
	const char *name;
	enum flag_type type;
	void *dst; /* bool *, const char **, int *, uint64_t * */
	const char *help;
	const char *alias; /* a second name (e.g. "v" for "verbose"); or NULL */
};

/* Parses argv against tab[0..n). Returns the index of the first positional
 * argument, FLAGS_HELP when help was asked for, or -1 after printing a one
 * line error to stderr. */
#define FLAGS_HELP (-2)
int flags_parse(const struct flag *tab, int n, int argc, char **argv);
void flags_usage(FILE *out, const char *synopsis, const struct flag *tab,
                 int n);

#endif
