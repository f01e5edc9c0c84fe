/*
 * stack.h: writes a test's files; under tests/daemon/with-otpgated
 * (OTPGATE_TEST_DAEMON names otpgated's socket) every pam_otpgate.so line
 * gets the daemon argument, so the same suite runs each login through
 * otpgated.
 */
#ifndef OTPGATE_TEST_STACK_H
#define OTPGATE_TEST_STACK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_text(FILE *f, const char *text)
{
	const char *sock = getenv("OTPGATE_TEST_DAEMON"), *m;
	static const char mod[] = "pam_otpgate.so";

	while (sock != NULL && (m = strstr(text, mod)) != NULL) {
		fwrite(text, 1, (size_t)(m - text) + sizeof(mod) - 1, f);
		fprintf(f, " daemon=%s", sock);
		text = m + sizeof(mod) - 1;
	}
	fputs(text, f);
}

#endif
