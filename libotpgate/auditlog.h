/*
 * auditlog.h: where an audit event goes, the same for the PAM module and
 * the tools: syslog and the JSON-lines file as the config says, and the
 * store; when the store cannot take it, the spool, for the next opener
 * to write in (spool.h).
 */
#ifndef OTPGATE_AUDITLOG_H
#define OTPGATE_AUDITLOG_H

#include "audit.h"
#include "config.h"
#include "log.h"

struct og_store;

struct og_auditor {
	const struct og_config *cfg;
	struct og_store *st;		/* NULL: the store is away, rows wait in the spool */
	const struct og_log *log;	/* where failures to record are logged */
	const struct og_log *syslog;	/* where syslog lines go (NULL: syslog itself) */
};

/*
 * Records ev: syslog and the JSON-lines file (as audit.syslog and
 * audit.jsonl say), and the store unless stored (the store took the row
 * with the change it records) or it stays in syslog (audit.store off). A
 * row the store cannot take is appended to the spool. OG_OK;
 * OG_ERR_STORE when the row went to the spool instead; OG_ERR_IO when the
 * spool could not take it either (logged).
 */
int og_audit_emit(const struct og_auditor *a, const struct og_audit_event *ev, int stored);

/*
 * Starts the administrator's notification program, lockout.notify, for
 * kind ("lockout", "failure-mode", "multiple-sources") with the user of
 * base and arg3, arg4 (og_notify). One that cannot be started is logged and
 * audited: event "notify", result "failure", reason kind, the cause in
 * detail, the rest as in base. OG_OK when it runs, or none is configured.
 */
int og_audit_notify(const struct og_auditor *a, const struct og_audit_event *base,
		    const char *kind, const char *arg3, const char *arg4);

#endif
