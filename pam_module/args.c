/*
 * args.c: the module's arguments, parsed by its front (it links no
 * libcrypto: the core is loaded, or asked of otpgated, afterwards).
 */
#include <stddef.h>
#include <string.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "config.h"
#include "input.h"

int og_pam_parse_args(pam_handle_t *ph, int argc, const char **argv, struct og_pam_args *a)
{
	static const struct { const char *name; size_t off; } flags[] = {
		{ "debug", offsetof(struct og_pam_args, debug) },
		{ "combined", offsetof(struct og_pam_args, combined) },
		{ "use_first_pass", offsetof(struct og_pam_args, use_first_pass) },
		{ "try_first_pass", offsetof(struct og_pam_args, try_first_pass) },
		{ "forward_pass", offsetof(struct og_pam_args, forward_pass) },
	};

	memset(a, 0, sizeof(*a));
	a->config = OG_DEFAULT_CONFIG;
	for (int i = 0; i < argc; i++) {
		size_t k = 0;
		if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] != '\0') {
			a->config = argv[i] + 7;
			continue;
		}
		if (strcmp(argv[i], "daemon") == 0 ||
		    (strncmp(argv[i], "daemon=", 7) == 0 && argv[i][7] == '/')) {
			a->daemon = argv[i][6] == '=' ? argv[i] + 7 : OG_DAEMON_SOCKET;
			continue;
		}
		while (k < sizeof(flags) / sizeof(flags[0]) && strcmp(argv[i], flags[k].name) != 0)
			k++;
		if (k == sizeof(flags) / sizeof(flags[0])) {
			pam_syslog(ph, LOG_ERR, "unknown module argument '%.100s'", argv[i]);
			return PAM_SERVICE_ERR;
		}
		*(int *)((char *)a + flags[k].off) = 1;
	}
	if ((a->forward_pass && !a->combined) || (a->use_first_pass && a->try_first_pass)) {
		pam_syslog(ph, LOG_ERR, "forward_pass needs combined; use_first_pass and "
			   "try_first_pass exclude each other");
		return PAM_SERVICE_ERR;
	}
	if (a->daemon != NULL && a->config[0] != '/') {
		pam_syslog(ph, LOG_ERR, "daemon needs config= an absolute path, not '%.100s'",
			   a->config);
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}
