/* argvdec.h - an exec's argv from its EXECVE records (long arguments come
 * in chunks, joined here) or, when no EXECVE record came, from PROCTITLE
 * (marked: 128 bytes at most, cached per task, may be stale). godo keeps
 * ARGS_MAX_BYTES of argument bytes; an argument cut by that cap keeps its
 * head in argv and its last ARGVDEC_TAIL_BYTES as a tail (struct
 * sysev_argcut), so padding cannot hide what follows it; a SHA-256
 * (common/digest.h) of the whole argv as logged, every argument followed
 * by a NUL (as /proc/PID/cmdline), shows whether what is kept is all. Used
 * by sysevent_decode() only; the strings it puts into struct sysevent live
 * in the decoder's scratch space until the next event. */
#ifndef GODO_ARGVDEC_H
#define GODO_ARGVDEC_H

#include "record.h"
#include "sysevent.h"

struct argvdec;

/* NULL, logged, when out of memory (scratch of about 130 KiB, a digest
 * context). Freed with argvdec_free (NULL ignored). */
struct argvdec *argvdec_new(void);
void argvdec_free(struct argvdec *a);
/* A new event: forgets the last one's arguments. */
void argvdec_begin(struct argvdec *a);
/* One EXECVE record of the event, in the order received. */
void argvdec_execve(struct argvdec *a, const struct record *rec,
                    struct sysevent *e);
/* After the event's records: closes the last argument, checks argc,
 * finishes the digest (none when records were missing: e->partial, a
 * chunk or argument absent, argc not met); with no EXECVE record, argv
 * from proctitle (may be NULL), and with neither, e->args_none. */
void argvdec_end(struct argvdec *a, const struct record *proctitle,
                 struct sysevent *e);

#endif
