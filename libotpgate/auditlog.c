/* auditlog.c: one audit event to every sink, the spool when the store is away. */
#include "auditlog.h"
#include "err.h"
#include "notify.h"
#include "spool.h"
#include "store.h"

int og_audit_emit(const struct og_auditor *a, const struct og_audit_event *ev, int stored)
{
	if (a->cfg->audit_syslog)
		og_audit_syslog(ev, a->syslog);
	if (a->cfg->audit_jsonl != NULL)
		og_audit_jsonl_append(a->cfg->audit_jsonl, ev, a->log);
	if (stored || ev->syslog_only)
		return OG_OK;
	if (a->st != NULL && og_store_audit_add(a->st, ev) == OG_OK)
		return OG_OK;
	return og_spool_append(a->cfg->store_spool, ev, a->log) == OG_OK ? OG_ERR_STORE : OG_ERR_IO;
}

int og_audit_notify(const struct og_auditor *a, const struct og_audit_event *base,
		    const char *kind, const char *arg3, const char *arg4)
{
	struct og_audit_event ev = *base;
	char why[256];

	if (og_notify(a->cfg->lock_notify, kind, base->user, arg3, arg4, why, sizeof(why),
		      a->log) == OG_OK)
		return OG_OK;
	ev.event = "notify";
	ev.result = "failure";
	ev.reason = kind;
	ev.detail = why;
	og_audit_emit(a, &ev, 0);
	return OG_ERR_IO;
}
