/* journal.h - the batch the store client is sending, kept in a file beside
 * the spool until the store has it. A store flush writes one collection
 * after another, the chain's link last (wbchain.h): a godo killed between
 * two of them leaves documents that no stored link covers, and the record
 * no longer verifies. The next run finds the batch here and hands it to the
 * spool, which replays it before anything new: inserts already stored are
 * kept as they are (store.h), the rest, the link included, arrive.
 *
 * The file is written without fsync: it guards against the process dying
 * (SIGKILL, OOM killer), whose writes the page cache keeps, not against
 * the host losing power. Errors are logged; a journal that cannot be
 * written is off (-1 from journal_open, then the calls do nothing). */
#ifndef GODO_JOURNAL_H
#define GODO_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct journal {
	int fd;     /* -1: no journal */
	char *path; /* owned */
	size_t len; /* bytes of the batch in the file now */
	/* bytes of an earlier run's batch given to the spool */
	uint64_t handed;
};

/* Before journal_open: no journal. */
void journal_init(struct journal *j);
/* path: the journal; spool: where a batch an earlier run left in it goes
 * (appended; j->handed counts it). 0, or -1 (logged; j stays off). */
int journal_open(struct journal *j, const char *path, const char *spool);
/* The batch buf[0..len) is about to be sent. */
void journal_begin(struct journal *j, const void *buf, size_t len);
/* The store has it (or the spool does). */
void journal_end(struct journal *j);
/* An empty journal's file is removed (a clean stop leaves none); one
 * holding a batch stays for the next run. */
void journal_close(struct journal *j);

#endif
