/* spool_backlog.c: what waits in a spool and its claim, and what was set aside, read only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "spool.h"

/* path opened for reading after the checks every spool file gets; *f NULL
 * (and OG_OK) when it does not exist. */
static int open_spool_file(const char *path, FILE **f, const struct og_log *log)
{
	struct stat sb;
	int fd;

	*f = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? OG_OK : OG_ERR_IO;
	if (fstat(fd, &sb) != 0 || og_file_check(path, &sb, OG_FILE_SECRET, log) != OG_OK ||
	    (*f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return OG_ERR_UNSAFE;
	}
	return OG_OK;
}

/* The lines a claim's "#skip" notes set aside; *n of them in *v (malloc'd). */
static int read_skips(FILE *f, long **v, size_t *n)
{
	char *line = NULL;
	size_t cap = 0, have = 0;
	long skip, *grown;
	int r = OG_OK;

	*v = NULL;
	*n = 0;
	while (r == OG_OK && getline(&line, &cap, f) >= 0) {
		if (!og_spool_skip_note(line, &skip))
			continue;
		if (*n == have) {
			have = have ? 2 * have : 16;
			if ((grown = realloc(*v, have * sizeof(*grown))) == NULL) {
				r = OG_ERR_NOMEM;
				break;
			}
			*v = grown;
		}
		(*v)[(*n)++] = skip;
	}
	free(line);
	rewind(f);
	return r;
}

static int is_skipped(const long *v, size_t n, long line)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == line)
			return 1;
	return 0;
}

/* Counts the rows of f that wait (those that parse, neither a note nor
 * set aside) into out; returns how many. */
static int64_t count_rows(FILE *f, const long *skip, size_t nskip, struct og_spool_backlog *out)
{
	char buf[OG_SPOOL_LINE_MAX], *line = NULL;
	struct og_audit_event ev;
	size_t cap = 0;
	int64_t rows = 0;
	long no = 0;

	while (getline(&line, &cap, f) >= 0) {
		no++;
		if (line[0] == '#' || is_skipped(skip, nskip, no) ||
		    og_spool_parse(line, &ev, buf, sizeof(buf)) != OG_OK)
			continue;
		if (out->rows == 0 || ev.ts < out->oldest)
			out->oldest = ev.ts;
		out->rows++;
		rows++;
	}
	free(line);
	return rows;
}

/* The rows of a file of whole lines (the dead-letter file). */
static int64_t count_lines(FILE *f)
{
	int64_t n = 0;
	int ch, last = '\n';

	while ((ch = getc(f)) != EOF) {
		n += ch == '\n' && last != '\n';
		last = ch;
	}
	return n + (last != '\n');
}

int og_spool_backlog(const char *path, struct og_spool_backlog *out, const struct og_log *log)
{
	char claim[4200], dead[4200];
	long *skip = NULL;
	size_t nskip = 0;
	FILE *f;
	int r;

	memset(out, 0, sizeof(*out));
	if ((size_t)snprintf(claim, sizeof(claim), "%s.claim", path) >= sizeof(claim) ||
	    (size_t)snprintf(dead, sizeof(dead), "%s.dead", path) >= sizeof(dead))
		return OG_ERR_INVALID;
	if ((r = open_spool_file(path, &f, log)) != OG_OK)
		return r;
	if (f != NULL) {
		count_rows(f, NULL, 0, out);
		fclose(f);
	}
	if ((r = open_spool_file(claim, &f, log)) != OG_OK)
		return r;
	if (f != NULL) {
		if ((r = read_skips(f, &skip, &nskip)) == OG_OK)
			out->claimed = count_rows(f, skip, nskip, out);
		free(skip);
		fclose(f);
		if (r != OG_OK)
			return r;
	}
	if ((r = open_spool_file(dead, &f, log)) != OG_OK)
		return r;
	if (f != NULL) {
		out->dead = count_lines(f);
		fclose(f);
	}
	return OG_OK;
}
