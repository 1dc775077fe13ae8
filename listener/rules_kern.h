/* rules_kern.h - the kernel's audit rule list as godo reads it: listed
 * (AUDIT_LIST_RULES on the caller's control socket), counted and purged by
 * key. Listed rules are checked whole (their strings within their buffer)
 * before any field is read: the list is the kernel's, but anyone with
 * CAP_AUDIT_CONTROL wrote it. Failures are logged where they happen and
 * return -1; nothing here calls fatal(). */
#ifndef GODO_RULES_KERN_H
#define GODO_RULES_KERN_H

#include <stdbool.h>

struct audit_rule_data; /* libaudit.h */

/* Lists the kernel's rules (AUDIT_LIST_RULES) and deletes every rule whose
 * key is exactly key (e.g. left by a crashed godo: its pid!= differs).
 * Returns the number deleted, -1 on error (listing failed or a delete
 * failed). */
int rules_purge(int ctl, const char *key);
/* The same over the rules with key (all when NULL) that match accepts (all
 * when NULL), each deleted as listed; what names them in the log. */
int rules_purge_where(int ctl, const char *key,
                      bool (*match)(const struct audit_rule_data *),
                      const char *what);

/* Counts the kernel's rules whose key is exactly key; -1 on error. */
int rules_count_keyed(int ctl, const char *key);

/* Lists the kernel's rules in its order (list by list, each in evaluation
 * order); copies of those with key (all when key is NULL) go to *out, a
 * malloc'd array of malloc'd rules the caller frees with rules_list_free.
 * Returns the count, -1 (logged) on error. */
int rules_list_kernel(int ctl, const char *key, struct audit_rule_data ***out);
void rules_list_free(struct audit_rule_data **v, int n);
/* True when the listed rule r (whole, as rules_list_kernel returns it) has
 * key. */
bool rules_has_key(const struct audit_rule_data *r, const char *key);

#endif
