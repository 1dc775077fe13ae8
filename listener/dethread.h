/* dethread.h - leader exits that may be a thread's exec. When a thread
 * other than the leader execs (Go programs), the kernel (de_thread) ends
 * the other threads, reports the leader's EXIT, and the exec'ing thread
 * takes the leader's pid: an EXEC of that pid follows, with no FORK
 * between. /proc cannot tell (the new program may be gone by the time
 * godo reads the EXIT), the connector's order can: the EXIT of a leader
 * whose process had threads is parked here until the EXEC cancels it or
 * it is due (then it is an exit). Fixed size: processes with threads
 * direct-mapped by tgid (a collision forgets one: its exit is not parked,
 * as before), a few parked exits (a full set makes the oldest due). */
#ifndef GODO_DETHREAD_H
#define GODO_DETHREAD_H

#include <stdbool.h>
#include <stdint.h>

#define DETHREAD_SLOTS 4096u
#define DETHREAD_PARKED 64u

/* A leader's EXIT as the connector reported it. */
struct dethread_exit {
	int32_t pid;
	uint64_t start_ticks; /* the task's incarnation */
	int64_t exit_ns;
	uint32_t code;
	uint64_t mono_ms; /* when godo read it */
};

struct dethread {
	int32_t threaded[DETHREAD_SLOTS]; /* tgids that made a thread */
	struct dethread_exit parked[DETHREAD_PARKED];
	unsigned int nparked;
};

/* tgid made a thread. */
void dethread_note_thread(struct dethread *d, int32_t tgid);
/* Did tgid make a thread (and is not forgotten)? */
bool dethread_threaded(const struct dethread *d, int32_t tgid);
/* tgid is gone: it made no thread. */
void dethread_forget(struct dethread *d, int32_t tgid);
/* Parks x; true when the set was full: the oldest is in *due. */
bool dethread_park(struct dethread *d, const struct dethread_exit *x,
                   struct dethread_exit *due);
/* The parked exit of pid, taken out into *out. */
bool dethread_take(struct dethread *d, int32_t pid, struct dethread_exit *out);
/* A parked exit read min_ms or more before now_ms, taken out. */
bool dethread_due(struct dethread *d, uint64_t now_ms, uint64_t min_ms,
                  struct dethread_exit *out);

#endif
