/*
 * fuzz_request.c: otpgated's requests (pam_module/request.c on wire.c), as
 * any client of the socket may send them. A request read must give inputs
 * whose every string lies, terminated, in the message, with fn in range
 * and config absolute; written again, it must read back the same.
 */
#include "fuzz.h"
#include "request.h"
#include "wire.h"

static void check_in(const char *s, const struct og_wire *w)
{
	FZ_CHECK(s == NULL || (s > w->buf && s < w->buf + w->len &&
			       memchr(s, '\0', (size_t)(w->buf + w->len - s)) != NULL));
}

static int same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct og_wire *w = malloc(sizeof(*w)), *again = malloc(sizeof(*again));
	struct og_pam_in in, in2;

	FZ_CHECK(w != NULL && again != NULL);
	if (size < 1 || size > OG_WIRE_MAX || data[0] != 'Q')
		goto out;
	memcpy(w->buf, data, size);
	w->len = size;
	w->pos = 1;
	if (og_request_get(w, &in) != 0)
		goto out;
	FZ_CHECK(in.fn >= OG_PAM_AUTH && in.fn <= OG_PAM_CLOSE);
	FZ_CHECK(in.args.config != NULL && in.args.config[0] == '/');
	check_in(in.args.config, w);
	check_in(in.user, w);
	check_in(in.service, w);
	check_in(in.rhost, w);
	check_in(in.tty, w);
	check_in(in.ssh_connection, w);
	check_in(in.auth_info, w);
	check_in(in.authtok, w);
	check_in(in.session_id, w);
	og_request_put(again, &in);
	FZ_CHECK(!again->bad);
	again->pos = 1;
	FZ_CHECK(og_request_get(again, &in2) == 0);
	FZ_CHECK(in2.fn == in.fn && same(in2.args.config, in.args.config) &&
		 same(in2.user, in.user) && same(in2.rhost, in.rhost) &&
		 same(in2.authtok, in.authtok) && same(in2.session_id, in.session_id) &&
		 in2.args.combined == in.args.combined && in2.args.debug == in.args.debug);
out:
	free(w);
	free(again);
	return 0;
}
