/* wbfix.h - the task and open file the write-back's unit tests write
 * (test_writeback, test_chain, test_fgroup). Include after writeback.h. */
#ifndef GODO_TEST_WBFIX_H
#define GODO_TEST_WBFIX_H

#include <stdio.h>
#include <string.h>

/* A process pid started at start_ns, _id "boot:<pid>:100". */
static inline void
wbfix_task(struct task *k, int32_t pid, int64_t start_ns)
{
	memset(k, 0, sizeof(*k));
	k->pid = k->tgid = pid;
	k->ppid = k->ptgid = 1;
	k->start_ticks = 100;
	k->start_ns = start_ns;
	snprintf(k->id, sizeof(k->id), "boot:%d:100", pid);
	k->in_tree = true;
}

/* An open file id of path (borrowed), fd 3, opened at ns. */
static inline void
wbfix_file(struct openfile *o, const char *id, const char *path, int64_t ns)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->id, sizeof(o->id), "%s", id);
	o->path = (char *)path;
	o->pathlen = strlen(path);
	o->fd = 3;
	o->open_ns = ns;
	o->refs = 1;
}

#endif
