/* session.c: sessions recorded, cleaned up, warned about and ended. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "auditlog.h"
#include "err.h"
#include "procid.h"
#include "session.h"
#include "timefmt.h"
#include "util.h"

#define CLEAN_MAX 128		/* sessions of gone processes forgotten per open */
#define OTHERS_MAX 16		/* other sessions told about per open */
#define HANGUP_WAIT_MS 3000	/* for a session's process to end after SIGHUP */

int og_session_id_ok(const char *id)
{
	return og_is_random_id(id);
}

static struct og_proc_id proc_of(const struct og_session_row *s)
{
	struct og_proc_id p = { .pid = s->pid, .start = s->pid_start };

	og_copy(p.boot_id, sizeof(p.boot_id), s->boot_id);
	return p;
}

enum og_session_state og_session_state(const char *host, const struct og_session_row *s)
{
	struct og_proc_id p = proc_of(s);

	if (strcmp(s->host, host) != 0)
		return OG_SESSION_ELSEWHERE;
	return og_proc_id_alive(&p) ? OG_SESSION_LIVE : OG_SESSION_GONE;
}

/* The sessions of this bastion to forget, gathered first (no statement
 * runs inside a listing): those whose process is gone or, with pid, those
 * of that process (and of gone ones that had its pid). */
struct pick {
	const char *host;
	int64_t pid;			/* 0: every gone one */
	int live;			/* with pid: how many that process holds */
	char ids[CLEAN_MAX][OG_ID_LEN + 1];
	int n;
};

static int pick(void *arg, const struct og_session_row *s)
{
	struct pick *p = arg;
	enum og_session_state now;

	if (p->pid != 0 && s->pid != p->pid)
		return 0;
	if ((now = og_session_state(p->host, s)) != OG_SESSION_GONE && p->pid == 0)
		return 0;
	p->live += now == OG_SESSION_LIVE;
	og_copy(p->ids[p->n++], sizeof(p->ids[0]), s->id);
	return p->n == CLEAN_MAX;
}

/* Forgets the picked sessions; with pid, none when that process holds
 * several (which one closed cannot be told). */
static int forget_picked(struct og_ctx *ctx, int64_t pid)
{
	struct pick p = { .host = ctx->cfg.host, .pid = pid, .live = 0, .n = 0 };
	int r = og_store_session_list_on(ctx->st, ctx->cfg.host, pick, &p);

	if (r == OG_OK && p.live > 1) {
		og_logf(&ctx->log, LOG_NOTICE, "process %lld holds %d sessions and closed one"
			" without its id: none forgotten", (long long)pid, p.live);
		return OG_OK;
	}
	for (int i = 0; r == OG_OK && i < p.n; i++) {
		if ((r = og_store_session_del(ctx->st, p.ids[i])) == OG_ERR_NOTFOUND)
			r = OG_OK;	/* its own close, or another open, was first */
	}
	return r;
}

/* The user's live sessions from another source than source. */
struct others {
	const char *host, *source;
	struct og_session_row v[OTHERS_MAX];
	int n;
};

static int other(void *arg, const struct og_session_row *s)
{
	struct others *o = arg;

	if (o->n == OTHERS_MAX || strcmp(s->source, o->source) == 0 ||
	    og_session_state(o->host, s) == OG_SESSION_GONE)
		return 0;
	o->v[o->n++] = *s;
	return 0;
}

/* One line for the user about another session: where, from where, since
 * when, and how it is ended. */
static void tell_other(const char *host, const struct og_session_row *s, og_session_tell_fn tell,
		       void *arg)
{
	char line[768], since[OG_TIME_LEN];

	og_time_utc(s->started, since);
	if (strcmp(s->host, host) == 0)
		snprintf(line, sizeof(line), "otpgate: you also have a session on %s from %s (%s)"
			 " since %s; end it with: otpgate-provision close %s (process %lld)", s->host,
			 s->source, s->tty[0] ? s->tty : "no tty", since, s->id, (long long)s->pid);
	else
		snprintf(line, sizeof(line), "otpgate: you also have a session on %s from %s (%s)"
			 " since %s; it runs on host %s: end it there (session %s)", s->host,
			 s->source, s->tty[0] ? s->tty : "no tty", since, s->host, s->id);
	tell(arg, line);
}

/* "SOURCE on HOST, ..." for the audit detail, and "SOURCE,SOURCE" for notify. */
static void describe(const struct others *o, char *detail, size_t dcap, char *sources,
		     size_t scap)
{
	size_t d = 0, n = 0;

	detail[0] = sources[0] = '\0';
	for (int i = 0; i < o->n; i++) {
		const struct og_session_row *s = &o->v[i];
		int k = snprintf(detail + d, dcap - d, "%s%s on %s", i ? ", " : "", s->source, s->host);
		int m = snprintf(sources + n, scap - n, "%s%s", i ? "," : "", s->source);
		if (k < 0 || (size_t)k >= dcap - d || m < 0 || (size_t)m >= scap - n)
			break;
		d += (size_t)k;
		n += (size_t)m;
	}
}

/* Other sessions from other sources: told, audited, notified. */
static void warn_others(struct og_ctx *ctx, const struct og_login *l, const struct others *o,
			og_session_tell_fn tell, void *arg)
{
	const struct og_auditor aud = { &ctx->cfg, ctx->st, &ctx->log, &ctx->log };
	struct og_audit_event ev = {
		.ts = l->now, .event = "session", .result = "warning", .reason = "multiple-sources",
		.user = l->user, .source = o->source, .service = l->service,
		.syslog_only = !ctx->cfg.audit_store,
	};
	char detail[OG_AUDIT_TEXT_MAX], sources[OG_AUDIT_TEXT_MAX];

	for (int i = 0; ctx->cfg.sessions_warn_multiple && i < o->n; i++)
		tell_other(ctx->cfg.host, &o->v[i], tell, arg);
	describe(o, detail, sizeof(detail), sources, sizeof(sources));
	ev.detail = detail;
	og_audit_emit(&aud, &ev, 0);
	if (ctx->cfg.sessions_notify_multiple)
		og_audit_notify(&aud, &ev, "multiple-sources", o->source, sources);
}

/* The new session's row: a random id, the process and where it runs. */
static int session_row(struct og_ctx *ctx, const struct og_login *l, const char *source,
		       const char *tty, int64_t pid, struct og_session_row *s)
{
	struct og_proc_id p;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = og_random_id(s->id)) != OG_OK || (r = og_proc_id_of(pid, &p)) != OG_OK)
		return r;
	og_copy(s->user, sizeof(s->user), l->user);
	og_copy(s->source, sizeof(s->source), source);
	og_copy(s->host, sizeof(s->host), ctx->cfg.host);
	/* bounded, printable: the application's words */
	og_audit_escape(l->service ? l->service : "", OG_AUDIT_TOKEN, s->service,
			sizeof(s->service));
	og_audit_escape(tty ? tty : "", OG_AUDIT_TOKEN, s->tty, sizeof(s->tty));
	s->pid = pid;
	s->pid_start = p.start;
	og_copy(s->boot_id, sizeof(s->boot_id), p.boot_id);
	s->started = l->now;
	return OG_OK;
}

int og_session_open(struct og_ctx *ctx, struct og_login *l, const char *tty, int64_t pid,
		    og_session_tell_fn tell, void *arg, char id[OG_ID_LEN + 1])
{
	struct og_session_row s;
	struct others o = { .host = ctx->cfg.host, .n = 0 };
	int r;

	id[0] = '\0';
	if (l->user == NULL || !og_is_safe_name(l->user, OG_USER_MAX))
		return OG_ERR_INVALID;
	r = og_login_source(l->rhost, l->ssh_connection, &l->addr, l->source, sizeof(l->source));
	if (r != OG_OK)
		og_copy(l->source, sizeof(l->source), r == OG_ERR_NOTFOUND ? "local" : "unknown");
	o.source = l->source;
	if ((r = forget_picked(ctx, 0)) != OG_OK ||
	    (r = og_store_session_list(ctx->st, l->user, other, &o)) != OG_OK ||
	    (r = session_row(ctx, l, l->source, tty, pid, &s)) != OG_OK ||
	    (r = og_store_session_add(ctx->st, &s)) != OG_OK) {
		og_logf(&ctx->log, LOG_ERR, "user %.100s: session not recorded: %s", l->user,
			og_strerror(r));
		return r;
	}
	if (o.n > 0)
		warn_others(ctx, l, &o, tell, arg);
	og_copy(id, OG_ID_LEN + 1, s.id);
	return OG_OK;
}

int og_session_close(struct og_ctx *ctx, const char *id, int64_t pid)
{
	int r;

	if (id == NULL)
		return forget_picked(ctx, pid);
	r = og_store_session_del(ctx->st, id);
	return r == OG_ERR_NOTFOUND ? OG_OK : r;	/* closed by an admin meanwhile */
}

/* Counts the live sessions of this bastion, other than of, that of's
 * process holds. */
struct holders {
	const char *host;
	const struct og_session_row *of;
	int n;
};

static int other_holder(void *arg, const struct og_session_row *s)
{
	struct holders *h = arg;
	const struct og_session_row *of = h->of;

	h->n += strcmp(s->id, of->id) != 0 && s->pid == of->pid && s->pid_start == of->pid_start &&
		strcmp(s->boot_id, of->boot_id) == 0 &&
		og_session_state(h->host, s) == OG_SESSION_LIVE;
	return 0;
}

int og_session_hangup(struct og_store *st, const char *host, const struct og_session_row *s,
		      enum og_session_end *end)
{
	struct og_proc_id p = proc_of(s);
	struct holders h = { host, s, 0 };
	int ended = 0, r;

	*end = OG_SESSION_OTHER_HOST;
	if (strcmp(s->host, host) != 0)
		return OG_OK;
	if ((r = og_store_session_list_on(st, host, other_holder, &h)) != OG_OK)
		return r;
	*end = OG_SESSION_SHARED;
	if (h.n > 0)
		return OG_OK;
	r = og_proc_hangup(&p, HANGUP_WAIT_MS, &ended);
	if (r != OG_OK && r != OG_ERR_NOTFOUND)
		return r;
	*end = r == OG_ERR_NOTFOUND ? OG_SESSION_WAS_GONE : ended ? OG_SESSION_ENDED
								   : OG_SESSION_STILL;
	if (*end == OG_SESSION_STILL)
		return OG_OK;
	r = og_store_session_del(st, s->id);
	return r == OG_ERR_NOTFOUND ? OG_OK : r;
}
