/*
 * fuzz_audit_roundtrip.c: an audit event with any bytes in any field,
 * appended to a spool file by og_spool_append (as og_audit_format writes
 * it) and read back by og_spool_parse: nothing may be lost on the way.
 * The line must read back; the time and which fields are set must be the
 * same; a value of up to KEEP bytes must come back exactly, and a longer
 * one bounded (the format cuts long values; how it marks them is its own
 * business).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "fuzz.h"
#include "spool.h"

#define NFIELDS 11
#define VALUE_MAX 1024		/* the longest value the harness makes */
#define KEEP 200		/* values up to this long come back exactly */
#define CUT_MAX 512		/* a longer value comes back at most this long */
#define LINE_CAP (1 << 16)

static char dir[4096], path[4200];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void make_dir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/otpgate-fuzz-spool.XXXXXX",
		 base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(path, sizeof(path), "%s/audit.spool", dir);
	atexit(cleanup);
}

/* Points f at every text field of ev. */
static void fields(struct og_audit_event *ev, const char **f[NFIELDS])
{
	const char **p[NFIELDS] = { &ev->event, &ev->result, &ev->reason, &ev->user,
				    &ev->source, &ev->service, &ev->token, &ev->key,
				    &ev->actor, &ev->detail, &ev->host };

	memcpy(f, p, sizeof(p));
}

/* The one line the spool file holds (malloc'd), then the file is gone. */
static char *take_line(void)
{
	char *line = malloc(LINE_CAP);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	FZ_CHECK(line != NULL && fd >= 0);
	n = read(fd, line, LINE_CAP - 1);
	close(fd);
	unlink(path);
	FZ_CHECK(n > 0 && n < LINE_CAP - 1);
	line[n] = '\0';
	FZ_CHECK(line[n - 1] == '\n' && strchr(line, '\n') == line + n - 1);
	return line;
}

static void check_value(const char *sent, const char *got)
{
	FZ_CHECK((sent == NULL) == (got == NULL));
	if (sent == NULL)
		return;
	if (strlen(sent) <= KEEP)
		FZ_CHECK(strcmp(sent, got) == 0);
	else
		FZ_CHECK(strlen(got) <= CUT_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char values[NFIELDS][VALUE_MAX];
	struct fz_in in = { data, size };
	struct og_audit_event ev, back;
	const char **sent[NFIELDS], **got[NFIELDS];
	unsigned mask = fz_byte(&in) | (unsigned)fz_byte(&in) << 8;
	char *line, *buf;

	if (dir[0] == '\0')
		make_dir();
	memset(&ev, 0, sizeof(ev));
	ev.ts = (int64_t)(fz_u64(&in) & INT64_MAX);
	fields(&ev, sent);
	for (int i = 0; i < NFIELDS; i++) {
		fz_str(&in, values[i], sizeof(values[i]));
		*sent[i] = mask & (1u << i) ? NULL : values[i];
	}
	if (ev.event == NULL)
		ev.event = "auth";	/* every event has a kind */
	FZ_CHECK(og_spool_append(path, &ev, NULL) == OG_OK);
	line = take_line();
	FZ_CHECK((buf = malloc(LINE_CAP)) != NULL);
	FZ_CHECK(og_spool_parse(line, &back, buf, LINE_CAP) == OG_OK);
	FZ_CHECK(back.ts == ev.ts);
	fields(&back, got);
	for (int i = 0; i < NFIELDS; i++)
		check_value(*sent[i], *got[i]);
	free(buf);
	free(line);
	return 0;
}
