/*
 * lookup.h: authorized-keys, the lookup sshd's AuthorizedKeysCommand runs
 * on every connection: shared by the front (otpgate-keyrotate, which
 * serves it without libcrypto on SQLite) and the full tool.
 */
#ifndef OTPGATE_KEYROTATE_LOOKUP_H
#define OTPGATE_KEYROTATE_LOOKUP_H

#include "audit.h"
#include "store.h"

/* keys_lookup's answer when open finds the registry elsewhere (its
 * OG_ERR_NOTFOUND: not on the built-in backend): the full tool must look. */
#define KEYS_LOOKUP_ELSEWHERE 3

/* How the registry is opened: og_store_open_registry (the full tool, any
 * backend), or og_store_open_registry_builtin (the front, SQLite alone). */
typedef int keys_open_fn(const struct og_config *cfg, const struct og_log *log,
			 struct og_store **out);

/* 1 when the arguments are a lookup's: one or two, USER a safe name and
 * FINGERPRINT, if given, "SHA256:" and 43 base64 characters (sshd's %f). */
int keys_lookup_args_ok(int n, const char *user, const char *offered);

/*
 * Prints user's valid keys from the registry config_path names (opened by
 * open), each with sshd's expiry-time, and logs the lookup
 * (keys_log_lookup); on any error prints nothing (fail closed). The
 * arguments must be keys_lookup_args_ok. 0, 1 on an error, or
 * KEYS_LOOKUP_ELSEWHERE (nothing printed or logged).
 */
int keys_lookup(const char *config_path, const char *user, const char *offered, keys_open_fn *open);

/* The syslog line of a lookup (openlog done), "key-lookup" with its result,
 * formatted by format: og_audit_format, or og_audit_format_short for
 * arguments known to be short (keys_lookup_args_ok). */
void keys_log_lookup(size_t (*format)(const struct og_audit_event *ev, char *out, size_t cap),
		     const char *user, const char *offered, const char *result, int n);

#endif
