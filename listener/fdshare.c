/* fdshare.c - see fdshare.h. A list of records: containers holding
 * descriptors are few next to the descriptors themselves. */
#include "fdshare.h"

#include <stdlib.h>
#include <string.h>

#include "fdtab.h"
#include "log.h"
#include "util.h"

struct fdcont *
fdshare_find(const struct fdshare *s, const char *docker_id)
{
	struct fdcont *c = s->list;

	while (c != NULL && strcmp(c->id, docker_id) != 0)
		c = c->next;
	return c;
}

struct fdcont *
fdshare_get(struct fdshare *s, const char *docker_id)
{
	struct fdcont *c = fdshare_find(s, docker_id);

	if (c != NULL)
		return c;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_warn("fdshare: calloc");
		return NULL;
	}
	util_strlcpy(c->id, docker_id, sizeof(c->id));
	c->share = s;
	c->next = s->list;
	s->list = c;
	s->count++;
	return c;
}

static int
kind_of(const struct fdent *e)
{
	return e->file != NULL ? 1 : 0;
}

static void
list_in(struct fdcont *c, struct fdent *e)
{
	int k = kind_of(e);

	e->colder = c->newest[k];
	e->cnewer = NULL;
	if (c->newest[k] != NULL)
		c->newest[k]->cnewer = e;
	else
		c->oldest[k] = e;
	c->newest[k] = e;
}

static void
list_out(struct fdcont *c, struct fdent *e)
{
	int k = kind_of(e);

	if (e->cnewer != NULL)
		e->cnewer->colder = e->colder;
	else
		c->newest[k] = e->colder;
	if (e->colder != NULL)
		e->colder->cnewer = e->cnewer;
	else
		c->oldest[k] = e->cnewer;
	e->cnewer = e->colder = NULL;
}

void
fdshare_link(struct fdent *e)
{
	list_in(e->cont, e);
	e->cont->n++;
	e->cont->bytes += e->bytes;
}

void
fdshare_set_file(struct fdent *e, struct openfile *f, size_t more)
{
	list_out(e->cont, e);
	e->file = f;
	e->bytes += more;
	e->cont->bytes += more;
	list_in(e->cont, e);
}

bool
fdshare_unlink(struct fdshare *s, struct fdent *e)
{
	struct fdcont *c = e->cont, **pp;

	list_out(c, e);
	c->n--;
	c->bytes -= e->bytes;
	if (c->n > 0)
		return false;
	for (pp = &s->list; *pp != NULL && *pp != c; pp = &(*pp)->next)
		;
	if (*pp == c)
		*pp = c->next;
	free(c);
	s->count--;
	return true;
}

struct fdent *
fdshare_oldest(const struct fdcont *c, int kind)
{
	struct fdent *e = c->oldest[kind];

	while (e != NULL && e->shadow)
		e = e->cnewer;
	return e;
}

struct fdcont *
fdshare_largest(const struct fdshare *s, const struct fdcont *but)
{
	struct fdcont *c, *best = NULL;

	for (c = s->list; c != NULL; c = c->next)
		if (c != but && (best == NULL || c->bytes > best->bytes))
			best = c;
	return best;
}

void
fdshare_free(struct fdshare *s)
{
	while (s->list != NULL) {
		struct fdcont *c = s->list;

		s->list = c->next;
		free(c);
	}
	s->count = 0;
}
