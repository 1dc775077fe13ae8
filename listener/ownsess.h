/* ownsess.h - godo's processes in an audit session of their own, so that
 * one rule field keeps all of them out of the audit stream.
 *
 * With privilege separation godo is four processes (the recorder, the
 * writer's monitor and the writer, the proc helper's keeper and server);
 * the rules' pid!=<recorder> kept out only the first. The proc helper's
 * own openat of /proc/PID (O_PATH is inside the open rule's flag mask)
 * and the writer's spool writes were audited, read back and recorded:
 * twice the events per workload loop under -all.
 *
 * Writing a valid uid to /proc/self/loginuid gives the writer a new
 * session id from the kernel's counter, which only a fork inherits: the
 * processes godo forks afterwards share it, and no other process can get
 * it (a session id is assigned, never chosen; godo's processes never
 * exec). "-F sessionid!=<id>" on every rule then excludes all of them,
 * whatever their pids and however often a child is restarted, and the
 * rule never changes (it stays valid under -lock). The loginuid written
 * back is the one godo had, or 0 when it was unset (a systemd service),
 * which needs CAP_AUDIT_CONTROL when one was set and fails when the
 * kernel's loginuid is immutable: then no session is claimed and the
 * helpers stay audited, as before (logged). */
#ifndef GODO_OWNSESS_H
#define GODO_OWNSESS_H

#include <stddef.h>
#include <stdint.h>

#define OWNSESS_UNSET 4294967295u /* the kernel's AUDIT_UID_UNSET/SID_UNSET */

/* A /proc/self/loginuid or sessionid text (n bytes, digits and an
 * optional newline) into *out. 0, or -1 (malformed). */
int ownsess_parse(const char *buf, size_t n, uint32_t *out);

/* Claims a new session for the calling process (dir: "/proc/self", or a
 * test's directory holding "loginuid" and "sessionid"). 0 with *sid the
 * new session id, or -1 logged (*sid 0: exclude nothing). */
int ownsess_claim(const char *dir, uint32_t *sid);

#endif
