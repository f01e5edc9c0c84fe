/*
 * fuzz_spool.c: lines of the audit spool file (which a flush reads back
 * after a crash, whatever state it was left in). A line read must give an
 * event whose every field lies in the caller's buffer.
 */
#include "audit.h"
#include "err.h"
#include "fuzz.h"
#include "spool.h"

#define BUF_LEN 8192

static void check_in(const char *field, const char *buf)
{
	FZ_CHECK(field == NULL ||
		 (field >= buf && field < buf + BUF_LEN && memchr(field, '\0',
								   (size_t)(buf + BUF_LEN - field))));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fz_string(data, size), *buf = malloc(BUF_LEN);
	struct og_audit_event ev;
	const char **f[OG_AUDIT_FIELDS];

	FZ_CHECK(buf != NULL);
	if (og_spool_parse(line, &ev, buf, BUF_LEN) == OG_OK) {
		FZ_CHECK(ev.event != NULL && ev.ts >= 0);
		og_audit_fields(&ev, f);
		for (int i = 0; i < OG_AUDIT_FIELDS; i++)
			check_in(*f[i], buf);
	}
	free(buf);
	free(line);
	return 0;
}
