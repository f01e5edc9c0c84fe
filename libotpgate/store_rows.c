/*
 * store_rows.c: how a stored row becomes a struct, once for every backend.
 * A backend only says how to read one column (struct og_row_reader). A
 * value that does not fit the field it is read into makes the row
 * malformed: it is never cut short or emptied on the way out.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "store_backend.h"
#include "util.h"

/* The blob of col, exactly len bytes. */
static int blob_of(const struct og_row *r, int col, unsigned char *out, size_t len)
{
	size_t n = 0;

	return r->rd->blob(r, col, out, len, &n) == OG_OK && n == len ? OG_OK : OG_ERR_STORE;
}

/* A keyword column (a state, an algorithm) into buf. */
static const char *word_of(const struct og_row *r, int col, char *buf, size_t cap)
{
	return og_row_str(r, col, buf, cap) == OG_OK ? buf : "";
}

/* Fills t from OG_TOKEN_COLS starting at column c. */
int og_row_token(const struct og_row *r, int c, struct og_token *t)
{
	const struct og_row_reader *rd = r->rd;
	char buf[OG_KEYWORD_MAX + 1];

	if (og_row_str(r, c + 0, t->id, sizeof(t->id)) != OG_OK ||
	    og_row_str(r, c + 1, t->serial, sizeof(t->serial)) != OG_OK ||
	    og_row_str(r, c + 2, t->user, sizeof(t->user)) != OG_OK ||
	    og_row_str(r, c + 3, t->kind, sizeof(t->kind)) != OG_OK ||
	    og_token_state_parse(word_of(r, c + 4, buf, sizeof(buf)), &t->state) != OG_OK ||
	    og_algo_parse(word_of(r, c + 5, buf, sizeof(buf)), &t->params.algo) != OG_OK)
		return OG_ERR_STORE;
	t->params.digits = (int)rd->integer(r, c + 6);
	t->params.period = (int)rd->integer(r, c + 7);
	t->params.t0 = rd->integer(r, c + 8);
	t->drift = rd->integer(r, c + 9);
	t->last_step = rd->integer(r, c + 10);
	t->created = rd->integer(r, c + 11);
	t->last_used = rd->integer(r, c + 12);
	if (rd->blob(r, c + 13, t->sealed, sizeof(t->sealed), &t->sealed_len) != OG_OK ||
	    og_row_str(r, c + 14, t->dek_id, sizeof(t->dek_id)) != OG_OK ||
	    blob_of(r, c + 15, t->wrapped_dek, sizeof(t->wrapped_dek)) != OG_OK ||
	    og_row_str(r, c + 16, t->dek_org, sizeof(t->dek_org)) != OG_OK ||
	    og_otp_kind_parse(word_of(r, c + 17, buf, sizeof(buf)), &t->params.otp_kind) != OG_OK)
		return OG_ERR_STORE;
	return og_otp_params_ok(&t->params) ? OG_OK : OG_ERR_STORE;
}

/* Fills inv from OG_INVITE_COLS starting at column c. */
int og_row_invite(const struct og_row *r, int c, struct og_invite *inv)
{
	char kind[OG_KEYWORD_MAX + 1];

	if (og_row_str(r, c + 0, inv->user, sizeof(inv->user)) != OG_OK ||
	    og_row_str(r, c + 1, inv->org, sizeof(inv->org)) != OG_OK ||
	    blob_of(r, c + 2, inv->hash, sizeof(inv->hash)) != OG_OK ||
	    og_otp_kind_parse(word_of(r, c + 3, kind, sizeof(kind)), &inv->kind) != OG_OK ||
	    og_row_str(r, c + 7, inv->token, sizeof(inv->token)) != OG_OK)
		return OG_ERR_STORE;
	inv->created = r->rd->integer(r, c + 4);
	inv->expires = r->rd->integer(r, c + 5);
	inv->used = r->rd->integer(r, c + 6);
	return OG_OK;
}

void og_row_standing(const struct og_row *r, int c, struct og_standing *s, int *has_failures)
{
	s->removed_at = r->rd->integer(r, c);
	s->org_removed = r->rd->integer(r, c + 1) != 0;
	s->locked_until = r->rd->integer(r, c + 2);
	*has_failures = r->rd->integer(r, c + 3) != 0;
	s->failure_mode_until = r->rd->integer(r, c + 4);
}

/* Fills f from OG_FAIL_COLS starting at column c. */
void og_row_failures(const struct og_row *r, int c, struct og_failures *f)
{
	f->count = r->rd->integer(r, c);
	f->window_start = r->rd->integer(r, c + 1);
	f->locked_until = r->rd->integer(r, c + 2);
	f->failure_mode_until = r->rd->integer(r, c + 3);
	f->replay_step = r->rd->integer(r, c + 4);
}

/* Fills s from OG_SESSION_COLS starting at column c. */
int og_row_session(const struct og_row *r, int c, struct og_session_row *s)
{
	if (og_row_str(r, c + 0, s->id, sizeof(s->id)) != OG_OK ||
	    og_row_str(r, c + 1, s->user, sizeof(s->user)) != OG_OK ||
	    og_row_str(r, c + 2, s->source, sizeof(s->source)) != OG_OK ||
	    og_row_str(r, c + 3, s->host, sizeof(s->host)) != OG_OK ||
	    og_row_str(r, c + 4, s->service, sizeof(s->service)) != OG_OK ||
	    og_row_str(r, c + 5, s->tty, sizeof(s->tty)) != OG_OK ||
	    og_row_str(r, c + 8, s->boot_id, sizeof(s->boot_id)) != OG_OK)
		return OG_ERR_STORE;
	s->pid = r->rd->integer(r, c + 6);
	s->pid_start = r->rd->integer(r, c + 7);
	s->started = r->rd->integer(r, c + 9);
	return OG_OK;
}

/* "erased-" and the pseudonym, when the subject has no name any more. */
static const char *shown_name(const char *name, const char *subject, char *buf, size_t cap,
			      int *erased)
{
	*erased = subject != NULL && name == NULL;
	if (!*erased)
		return subject != NULL ? name : NULL;
	snprintf(buf, cap, "%s%s", OG_ERASED_PREFIX, subject);
	return buf;
}

/* Fills b from OG_AUDIT_COLS starting at column c; its strings point into
 * the row, valid while it is. The audit field order is og_audit_fields'. */
void og_row_audit(const struct og_row *r, int c, struct og_audit_buf *b)
{
	struct og_audit_event *ev = &b->row.ev;
	const char **f[OG_AUDIT_FIELDS];

	memset(&b->row, 0, sizeof(b->row));
	og_audit_fields(ev, f);
	ev->ts = r->rd->integer(r, c);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++)
		*f[i] = r->rd->text(r, c + 1 + i);
	/* the trail stores user and actor as pseudonyms: the names come joined */
	b->row.user_subject = ev->user;
	b->row.actor_subject = ev->actor;
	b->row.id = r->rd->integer(r, c + 12);
	if (!r->rd->is_null(r, c + 13) &&
	    r->rd->blob(r, c + 13, b->mac, sizeof(b->mac), &b->row.mac_len) == OG_OK)
		b->row.mac = b->mac;
	else
		b->row.mac_len = 0;
	ev->user = shown_name(r->rd->text(r, c + 14), b->row.user_subject, b->ubuf,
			      sizeof(b->ubuf), &b->row.user_erased);
	ev->actor = shown_name(r->rd->text(r, c + 15), b->row.actor_subject, b->abuf,
			       sizeof(b->abuf), &b->row.actor_erased);
}
