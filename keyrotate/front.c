/*
 * front.c: otpgate-keyrotate as sshd spawns it, on every connection
 * (AuthorizedKeysCommand: "-c CONF authorized-keys [--daemon SOCKET] %u
 * %f"). With --daemon it asks otpgated first (keyclient.c). Linked without
 * libcrypto, whose loading alone would double the cost of each lookup: it
 * serves authorized-keys itself when the registry is SQLite, and hands
 * every other command, any other form of the command line, arguments a
 * lookup does not take, and a registry on PostgreSQL to the full tool,
 * otpgate-keyrotate-tool, with argv unchanged (so the same name in its
 * messages and audit entries). See docs/architecture.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "keyanswer.h"
#include "keyclient.h"
#include "err.h"
#include "lookup.h"
#include "plugin.h"

#define TOOL "otpgate-keyrotate-tool"

static void log_to_stderr(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	if (prio <= LOG_WARNING)
		fprintf(stderr, "%s: %s\n", program_invocation_short_name, msg);
}

/* Runs the full tool in this process; returns only if it cannot. */
static int run_tool(char **argv)
{
	const struct og_log log = { log_to_stderr, NULL, 0 };
	char path[OG_PLUGIN_PATH_MAX];

	if (og_plugin_find(TOOL, path, sizeof(path), &log) != OG_OK) {
		fprintf(stderr, "%s: %s not found beside the program or in %s (install it)\n",
			program_invocation_short_name, TOOL, OTPGATE_PLUGIN_DIR);
		return 1;
	}
	execv(path, argv);
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path, strerror(errno));
	return 1;
}

/* The lookup, asking otpgated at daemon (NULL: none) first. */
static int lookup(const char *config, const char *daemon, const char *user, const char *offered)
{
	struct og_key_answer a = { 0 };
	int r;

	openlog("otpgate-keyrotate", LOG_PID, LOG_AUTHPRIV);
	if (daemon != NULL && keys_ask_daemon(daemon, config, user, offered, &a) == 0)
		r = keys_print(&a);	/* otpgated logged it */
	else
		r = keys_lookup(config, user, offered, og_store_open_registry_builtin);
	og_key_answer_free(&a);
	closelog();
	return r;
}

/* "[-c FILE] authorized-keys [--daemon SOCKET|--daemon=SOCKET] USER
 * [FINGERPRINT]" with arguments a lookup takes: the lookup, else -1. */
static int serve(int argc, char **argv)
{
	const char *config = OG_DEFAULT_CONFIG, *daemon = NULL;
	int i = 1, r;

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		config = argv[2];
		i = 3;
	}
	if (i >= argc || strcmp(argv[i++], "authorized-keys") != 0)
		return -1;
	i += keys_daemon_arg(argc - i, (const char *const *)argv + i, &daemon);
	if (!keys_lookup_args_ok(argc - i, argv[i], i < argc ? argv[i + 1] : NULL))
		return -1;
	r = lookup(config, daemon, argv[i], argv[i + 1]);
	return r == KEYS_LOOKUP_ELSEWHERE ? -1 : r;
}

int main(int argc, char **argv)
{
	int r = serve(argc, argv);

	return r >= 0 ? r : run_tool(argv);
}
