/*
 * lookup.h: authorized-keys, the lookup sshd's AuthorizedKeysCommand runs
 * on every connection: shared by the front (otpgate-keyrotate, which
 * serves it without libcrypto on SQLite) and the full tool.
 */
#ifndef OTPGATE_KEYROTATE_LOOKUP_H
#define OTPGATE_KEYROTATE_LOOKUP_H

#include "store.h"

/* keys_lookup's answer when open finds the registry elsewhere (its
 * OG_ERR_NOTFOUND: not on the built-in backend): the full tool must look. */
#define KEYS_LOOKUP_ELSEWHERE 3

/* How the registry is opened: og_store_open_registry (the full tool, any
 * backend), or og_store_open_registry_builtin (the front, SQLite alone). */
typedef int keys_open_fn(const struct og_config *cfg, const struct og_log *log,
			 struct og_store **out);

/* How many of the n words at args are "--daemon SOCKET" or
 * "--daemon=SOCKET" (0, 1 or 2), SOCKET then in *socket. Parsed by hand,
 * not getopt: every other word is the lookup's, checked (and refused and
 * logged) as a whole, whatever it looks like. */
int keys_daemon_arg(int n, const char *const *args, const char **socket);

/* 1 when the arguments are a lookup's: one or two, USER a safe name and
 * FINGERPRINT, if given, "SHA256:" and 43 base64 characters (sshd's %f). */
int keys_lookup_args_ok(int n, const char *user, const char *offered);

/*
 * Prints user's valid keys from the registry config_path names (opened by
 * open), each with sshd's expiry-time, and logs the lookup
 * (og_key_answer_log); on any error prints nothing (fail closed). The
 * arguments must be keys_lookup_args_ok. 0, 1 on an error, or
 * KEYS_LOOKUP_ELSEWHERE (nothing printed or logged).
 */
int keys_lookup(const char *config_path, const char *user, const char *offered, keys_open_fn *open);

/* Prints a's lines (from the registry, or otpgated): 0, or 1 when stdout
 * failed. */
struct og_key_answer;
int keys_print(const struct og_key_answer *a);

#endif
