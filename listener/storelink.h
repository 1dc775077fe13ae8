/* storelink.h - the recorder's side of privilege separation (issue 19).
 * store.c, in privsep mode, hands each flush's envelopes here; they go to
 * the writer process (writer.h) as FRAME_BATCH frames on a non-blocking
 * SOCK_SEQPACKET socket. The recorder never waits on the writer: when the
 * socket is full, the writer is dead or more than STORELINK_RING_BYTES
 * are unacknowledged, the envelopes go to the spool (spool.h, a bounded
 * local write), and from then on everything does until the spool has been
 * handed over: renamed to <spool>.replay and passed to the writer as an
 * fd (FRAME_REPLAY), which replays it before the frames sent after it, so
 * the store sees the operations in the order they were made. Batches are
 * kept until the writer acknowledges them (FRAME_ACK: written to the store
 * or to the writer's own spool); a dead writer's unacknowledged batches
 * go to the spool ahead of what is there, and the writer is restarted
 * (at most once a second), so killing it loses nothing. */
#ifndef GODO_STORELINK_H
#define GODO_STORELINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "store.h"

#define STORELINK_RING 512
/* The batches kept until acknowledged live in the recorder's memory (16
 * MiB before: the recorder's RSS target is 16 MiB). 1 MiB is four full
 * frames; when the writer lags more (1.7 MB at the worst moment of a 180 s
 * soak at full speed) the spool takes the rest, on disk, in order (10 %
 * of the operations of a 10-minute soak at full speed, none lost:
 * docs/performance.md, "godo's memory", round 4). */
#define STORELINK_RING_BYTES (1u << 20)

struct storelink_opts {
	const char *target; /* -mongo: only the writer connects with it */
	const char *db, *host;
	const char *state_dir; /* the writer's own spool: <dir>/writer/ */
	const char *user;      /* NULL: "godo", else "nobody" (logged) */
};

struct storelink;

/* Forks the writer and waits (at most 15 s, at start only) for its
 * FRAME_HELLO. NULL with err filled when it cannot start or the store did
 * not answer it. */
struct storelink *storelink_start(const struct storelink_opts *o, char *err,
                                  size_t errlen);
/* Hands len bytes of envelopes (nops operations) on; never blocks but for
 * a spool write. Reads the writer's acknowledgements, reaps and restarts
 * a dead writer. 0, or -1 when operations were spooled or lost (counted). */
int storelink_send(struct storelink *l, const uint8_t *env, size_t len,
                   uint64_t nops, uint64_t now_ms);
int storelink_set_spool(struct storelink *l, const char *path,
                        uint64_t max_bytes);
bool storelink_updates_scan(const struct storelink *l);
/* The writer's answer to store_last_run, from its hello. */
int storelink_last_run(const struct storelink *l, int64_t *last_ns);
/* Fills the store-side counters of out from the writer's last report and
 * adds the recorder's spool counters. */
void storelink_stats(const struct storelink *l, struct store_stats *out);
/* The writer's pid (tests, logs); -1 when none runs. */
int storelink_writer_pid(const struct storelink *l);
/* Closes the socket, lets the writer flush and exit (at most 15 s), and
 * spools what it did not acknowledge. */
void storelink_close(struct storelink *l);

#endif
