/* trail.c: audit verify: the chain of macs, the name mappings, the erasures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "trail.h"
#include "util.h"

/* A pseudonym seen somewhere, with the first entry that showed it. */
struct seen {
	char p[OG_SUBJECT_LEN + 1];
	int64_t id;
};

struct seen_list {
	struct seen *v;
	size_t n, cap;
};

struct walk {
	const struct og_chain_key *k;
	unsigned char prev[OG_CHAIN_LEN];
	struct og_trail_report *rep;
	struct seen_list orphans;	/* subjects named by entries, with no mapping */
	struct seen_list erasures;	/* subjects an erasure entry accounts for */
	int r;
};

static int seen_add(struct seen_list *l, const char *p, int64_t id)
{
	if (l->n > 0 && strcmp(l->v[l->n - 1].p, p) == 0)
		return OG_OK;	/* one person's entries often come in runs */
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct seen *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return OG_ERR_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	snprintf(l->v[l->n].p, sizeof(l->v[0].p), "%s", p);
	l->v[l->n++].id = id;
	return OG_OK;
}

static int seen_cmp(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = strcmp(x->p, y->p);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static void broken(struct walk *w, int64_t id, int64_t ts, const char *why)
{
	w->rep->bad_id = id;
	w->rep->bad_ts = ts;
	snprintf(w->rep->why, sizeof(w->rep->why), "%s", why);
	w->r = OG_ERR_CRYPTO;
}

static int is_erasure(const struct og_audit_row *row)
{
	const struct og_audit_event *ev = &row->ev;

	return ev->reason && strcmp(ev->reason, "erase") == 0 && ev->result &&
	       strcmp(ev->result, "success") == 0 && ev->detail &&
	       strlen(ev->detail) == OG_SUBJECT_LEN;
}

static int check_entry(void *arg, const struct og_audit_row *row)
{
	struct walk *w = arg;
	struct og_audit_event ev = row->ev;
	unsigned char mac[OG_CHAIN_LEN];

	ev.user = row->user_subject;
	ev.actor = row->actor_subject;
	if (row->mac_len != OG_CHAIN_LEN) {
		broken(w, row->id, ev.ts, "the entry carries no mac");
		return 1;
	}
	if ((w->r = og_chain_mac(w->k, w->prev, row->id, &ev, mac)) != OG_OK)
		return 1;
	if (!og_ct_equal(mac, row->mac, OG_CHAIN_LEN)) {
		broken(w, row->id, ev.ts, "the mac does not follow from the entry before: this entry"
		       " or the one before it was edited, deleted or moved");
		return 1;
	}
	memcpy(w->prev, mac, OG_CHAIN_LEN);
	w->rep->entries++;
	if ((row->user_erased && (w->r = seen_add(&w->orphans, row->user_subject, row->id))) ||
	    (row->actor_erased && (w->r = seen_add(&w->orphans, row->actor_subject, row->id))) ||
	    (is_erasure(row) && (w->r = seen_add(&w->erasures, ev.detail, row->id))))
		return 1;
	return 0;
}

static int seen_cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->p, ((const struct seen *)b)->p);
}

/* Every subject without a mapping must have been erased, by an entry in the chain. */
static void check_orphans(struct walk *w)
{
	struct seen *bad = NULL;

	if (w->orphans.n == 0)
		return;	/* (qsort and bsearch must not be given an empty list's NULL) */
	qsort(w->orphans.v, w->orphans.n, sizeof(struct seen), seen_cmp);
	if (w->erasures.n > 0)
		qsort(w->erasures.v, w->erasures.n, sizeof(struct seen), seen_cmp);
	for (size_t i = 0; i < w->orphans.n; i++) {
		struct seen *o = &w->orphans.v[i];
		if (i > 0 && strcmp(o->p, w->orphans.v[i - 1].p) == 0)
			continue;	/* sorted by id within a name: the first entry comes first */
		w->rep->erased++;
		if ((w->erasures.n == 0 ||
		     bsearch(o, w->erasures.v, w->erasures.n, sizeof(struct seen), seen_cmp_name) == NULL) &&
		    (bad == NULL || o->id < bad->id))
			bad = o;
	}
	if (bad != NULL)
		broken(w, bad->id, 0, "the entry names a subject whose name mapping was deleted,"
		       " with no erasure on record");
}

static int check_subject(void *arg, const struct og_subject_row *s)
{
	struct walk *w = arg;
	char p[OG_SUBJECT_LEN + 1];

	if (!s->salt_ok || (w->r = og_chain_subject_pseudonym(w->k, s->salt, s->name, p)) != OG_OK ||
	    strcmp(p, s->pseudonym) != 0) {
		if (w->r == OG_OK)
			broken(w, 0, 0, "a name mapping was altered: it does not derive its"
			       " pseudonym");
		snprintf(w->rep->why + strlen(w->rep->why),
			 sizeof(w->rep->why) - strlen(w->rep->why), " (%s)", s->pseudonym);
		return 1;
	}
	w->rep->subjects++;
	return 0;
}

int og_trail_verify(struct og_store *st, struct og_trail_report *rep)
{
	struct walk w = { .rep = rep, .r = OG_OK };
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((w.k = og_store_chain_key(st)) == NULL) {
		snprintf(rep->why, sizeof(rep->why), "the master key cannot be read");
		return OG_ERR_IO;
	}
	if ((r = og_store_audit_list(st, check_entry, &w)) == OG_OK && w.r == OG_OK)
		check_orphans(&w);
	if (r == OG_OK && w.r == OG_OK)
		r = og_store_subject_list(st, check_subject, &w);
	memcpy(rep->head, w.prev, OG_CHAIN_LEN);
	free(w.orphans.v);
	free(w.erasures.v);
	return r != OG_OK ? r : w.r;
}
