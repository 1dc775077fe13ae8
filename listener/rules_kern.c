/* rules_kern.c - the kernel's audit rule list as godo reads it: listed
 * (AUDIT_LIST_RULES, every rule checked whole before use), counted and
 * purged by key. Used at start (a crashed run's rules), by the tamper
 * checks (rules_check.c) and by rules_excl.c. Failures are logged where
 * they happen; replies are read with listener/nlrecv.h. */
#include "rules_kern.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <libaudit.h>

#include "log.h"
#include "nlrecv.h"
#include "util.h"

#define LIST_WAIT_MS 2000

static bool
field_is_string(uint32_t f)
{
	switch (f) {
	case AUDIT_WATCH:
	case AUDIT_DIR:
	case AUDIT_FILTERKEY:
	case AUDIT_EXE:
		return true;
	default:
		return f >= AUDIT_SUBJ_USER && f <= AUDIT_OBJ_LEV_HIGH;
	}
}

/* A listed rule of len bytes is whole: its strings fit its buffer. */
static bool
rule_valid(const struct audit_rule_data *r, size_t len)
{
	return len >= sizeof(*r) && r->buflen <= len - sizeof(*r) &&
	       r->field_count <= AUDIT_MAX_FIELDS;
}

bool
rules_has_key(const struct audit_rule_data *r, const char *key)
{
	size_t off = 0, klen = strlen(key);
	uint32_t i;

	for (i = 0; i < r->field_count; i++) {
		if (!field_is_string(r->fields[i]))
			continue;
		if (r->values[i] > r->buflen - off)
			return false;
		if (r->fields[i] == AUDIT_FILTERKEY && r->values[i] == klen &&
		    memcmp(r->buf + off, key, klen) == 0)
			return true;
		off += r->values[i];
	}
	return false;
}

/* AUDIT_LIST_RULES without NLM_F_ACK: no ACK to race the replies. */
static int
list_request(int ctl)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct nlmsghdr nh = {
	    .nlmsg_len = NLMSG_LENGTH(0),
	    .nlmsg_type = AUDIT_LIST_RULES,
	    .nlmsg_flags = NLM_F_REQUEST,
	    .nlmsg_seq = 1,
	};

	if (sendto(ctl, &nh, nh.nlmsg_len, 0, (struct sockaddr *)&sa,
	           sizeof(sa)) < 0) {
		log_warn("%s: sendto", __func__);
		return -1;
	}
	return 0;
}

/* Lists the rules, in the kernel's order (list by list, each in the order
 * it is evaluated); copies of those with key (every rule when key is
 * NULL) go to *out (malloc'd array of malloc'd rules). Returns the count,
 * -1 on error. */
int
rules_list_kernel(int ctl, const char *key, struct audit_rule_data ***out)
{
	union {
		struct nlmsghdr nh;
		char b[MAX_AUDIT_MESSAGE_LENGTH + NLMSG_HDRLEN];
	} u;
	struct audit_rule_data **v = NULL, **nv, *r;
	struct nlmsghdr *nh;
	ssize_t n;
	size_t len;
	int count = 0, cap = 0;

	(void)nlrecv_drain(ctl);
	if (list_request(ctl) < 0)
		return -1;
	for (;;) {
		n = nlrecv_wait(ctl, &u, sizeof(u), LIST_WAIT_MS, "rules");
		if (n == 0)
			log_warn("rules: no rule list within %d ms",
			         LIST_WAIT_MS);
		if (n <= 0)
			goto bad;
		len = (size_t)n;
		for (nh = &u.nh; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				*out = v;
				return count;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ||
				    e->error == 0)
					continue;
				errno = -e->error;
				log_warn("%s: list rules", __func__);
				goto bad;
			}
			if (nh->nlmsg_type != AUDIT_LIST_RULES)
				continue;
			r = NLMSG_DATA(nh);
			if (!rule_valid(r, NLMSG_PAYLOAD(nh, 0)) ||
			    (key != NULL && !rules_has_key(r, key)))
				continue;
			if (count == cap) {
				cap = cap ? cap * 2 : 16;
				nv = realloc(v, (size_t)cap * sizeof(*v));
				if (nv == NULL) {
					log_warn("%s: realloc", __func__);
					goto bad;
				}
				v = nv;
			}
			v[count] = malloc(sizeof(*r) + r->buflen);
			if (v[count] == NULL) {
				log_warn("%s: malloc", __func__);
				goto bad;
			}
			memcpy(v[count], r, sizeof(*r) + r->buflen);
			count++;
		}
	}
bad:
	while (count > 0)
		free(v[--count]);
	free(v);
	return -1;
}

void
rules_list_free(struct audit_rule_data **v, int n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

int
rules_count_keyed(int ctl, const char *key)
{
	struct audit_rule_data **v = NULL;
	int n;

	n = rules_list_kernel(ctl, key, &v);
	if (n > 0)
		rules_list_free(v, n);
	return n;
}

int
rules_purge_where(int ctl, const char *key,
                  bool (*match)(const struct audit_rule_data *),
                  const char *what)
{
	struct audit_rule_data **v = NULL;
	int n, i, rc, deleted = 0, bad = 0;

	n = rules_list_kernel(ctl, key, &v);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (match != NULL && !match(v[i]))
			continue;
		rc = audit_delete_rule_data(ctl, v[i], v[i]->flags,
		                            v[i]->action);
		if (rc > 0 || rc == -ENOENT) {
			deleted++;
		} else {
			errno = rc < 0 ? -rc : EIO;
			log_warn("rules: delete a stale %s", what);
			bad++;
		}
	}
	rules_list_free(v, n);
	if (deleted > 0)
		log_info("rules: purged %d stale %s", deleted, what);
	return bad ? -1 : deleted;
}

int
rules_purge(int ctl, const char *key)
{
	return rules_purge_where(ctl, key, NULL, "rules with godo's key");
}
