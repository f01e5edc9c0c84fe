/* request.c: a login's inputs in otpgated's request, and back. */
#include <string.h>

#include "request.h"

enum { F_DEBUG = 1, F_COMBINED = 2, F_USE_FIRST = 4, F_TRY_FIRST = 8, F_FORWARD = 16 };

void og_request_put(struct og_wire *w, const struct og_pam_in *in)
{
	const struct og_pam_args *a = &in->args;

	og_wire_start(w, 'Q');
	og_wire_put_int(w, in->fn);
	og_wire_put_int(w, (a->debug ? F_DEBUG : 0) | (a->combined ? F_COMBINED : 0) |
			   (a->use_first_pass ? F_USE_FIRST : 0) |
			   (a->try_first_pass ? F_TRY_FIRST : 0) | (a->forward_pass ? F_FORWARD : 0));
	og_wire_put(w, a->config);
	og_wire_put(w, in->user);
	og_wire_put(w, in->service);
	og_wire_put(w, in->rhost);
	og_wire_put(w, in->tty);
	og_wire_put(w, in->ssh_connection);
	og_wire_put(w, in->auth_info);
	og_wire_put(w, in->authtok);
	og_wire_put(w, in->session_id);
}

int og_request_get(struct og_wire *w, struct og_pam_in *in)
{
	const char **str[] = { &in->args.config, &in->user, &in->service, &in->rhost, &in->tty,
			       &in->ssh_connection, &in->auth_info, &in->authtok,
			       &in->session_id };
	long long fn, flags;

	memset(in, 0, sizeof(*in));
	if (og_wire_get_int(w, &fn, OG_PAM_AUTH, OG_PAM_CLOSE) != 0 ||
	    og_wire_get_int(w, &flags, 0, 31) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(str) / sizeof(str[0]); i++)
		if (og_wire_get(w, str[i], OG_WIRE_MAX) != 0)
			return -1;
	if (og_wire_end(w) != 0 || in->args.config == NULL || in->args.config[0] != '/')
		return -1;
	in->fn = (enum og_pam_fn)fn;
	in->args.debug = (flags & F_DEBUG) != 0;
	in->args.combined = (flags & F_COMBINED) != 0;
	in->args.use_first_pass = (flags & F_USE_FIRST) != 0;
	in->args.try_first_pass = (flags & F_TRY_FIRST) != 0;
	in->args.forward_pass = (flags & F_FORWARD) != 0;
	return 0;
}
