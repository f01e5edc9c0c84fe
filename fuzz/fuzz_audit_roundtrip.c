/*
 * fuzz_audit_roundtrip.c: an audit event with any bytes in any field,
 * appended to a spool file by og_spool_append (as og_audit_format writes
 * it) and read back by og_spool_parse: nothing may be lost on the way.
 * The line must read back; the time and which fields are set must be the
 * same; a value of up to OG_AUDIT_TEXT_MAX bytes must come back exactly,
 * and a longer one cut to at most OG_AUDIT_TEXT_MAX bytes, marked with its
 * length, and different from the cut of any other value.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "fuzz.h"
#include "spool.h"

#define VALUE_MAX 1024		/* the longest value the harness makes */
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

/* A long value's cut: bounded, marked with its length, told apart from its neighbour's. */
static void check_cut(const char *sent, const char *got)
{
	static char other[VALUE_MAX + 1];
	char mark[32], a[OG_AUDIT_VALUE_MAX + 1], b[OG_AUDIT_VALUE_MAX + 1];
	size_t n = strlen(sent);

	FZ_CHECK(strlen(got) <= OG_AUDIT_TEXT_MAX);
	snprintf(mark, sizeof(mark), "[cut:%zu:", n);
	FZ_CHECK(strstr(got, mark) != NULL);
	memcpy(other, sent, n + 1);
	other[n - 1] = (char)(other[n - 1] == 'a' ? 'b' : 'a');	/* the same but its last byte */
	og_audit_escape(sent, OG_AUDIT_TEXT, a, sizeof(a));
	og_audit_escape(other, OG_AUDIT_TEXT, b, sizeof(b));
	FZ_CHECK(strcmp(a, b) != 0);
}

static void check_value(const char *sent, const char *got)
{
	FZ_CHECK((sent == NULL) == (got == NULL));
	if (sent == NULL)
		return;
	if (strlen(sent) <= OG_AUDIT_TEXT_MAX)
		FZ_CHECK(strcmp(sent, got) == 0);
	else
		check_cut(sent, got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char values[OG_AUDIT_FIELDS][VALUE_MAX];
	struct fz_in in = { data, size };
	struct og_audit_event ev, back;
	const char **sent[OG_AUDIT_FIELDS], **got[OG_AUDIT_FIELDS];
	unsigned mask = fz_byte(&in) | (unsigned)fz_byte(&in) << 8;
	char *line, *buf;

	if (dir[0] == '\0')
		make_dir();
	memset(&ev, 0, sizeof(ev));
	ev.ts = (int64_t)(fz_u64(&in) & INT64_MAX);
	og_audit_fields(&ev, sent);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++) {
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
	og_audit_fields(&back, got);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++)
		check_value(*sent[i], *got[i]);
	free(buf);
	free(line);
	return 0;
}
