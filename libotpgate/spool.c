/* spool.c: a local file of audit rows waiting for the store. */
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
#include "store.h"
#include "util.h"

int og_spool_append(const char *path, const struct og_audit_event *ev, const struct og_log *log)
{
	char line[OG_SPOOL_LINE_MAX];
	size_t n;
	int fd, r = OG_OK;

	n = (size_t)snprintf(line, sizeof(line), "ts=%lld ", (long long)ev->ts);
	n += og_audit_format(ev, line + n, sizeof(line) - n - 1);
	line[n++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, n) != (ssize_t)n || fsync(fd) != 0) {
		og_logf(log, LOG_ERR, "audit spool %.200s: %s; row lost: %.300s", path,
			strerror(errno), line);
		r = OG_ERR_IO;
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int og_spool_parse(const char *line, struct og_audit_event *ev, char *buf, size_t cap)
{
	const char **fields[OG_AUDIT_FIELDS];
	char *save = NULL, *tok;
	int64_t ts = -1;

	memset(ev, 0, sizeof(*ev));
	og_audit_fields(ev, fields);
	if (og_copy(buf, cap, line) != OG_OK)
		return OG_ERR_INVALID;
	buf[strcspn(buf, "\n")] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		size_t k = 0;
		if (eq == NULL)
			return OG_ERR_INVALID;
		*eq++ = '\0';
		if (strcmp(eq, "\"\"") == 0)
			*eq = '\0';
		if (strcmp(tok, "ts") == 0) {
			if (og_parse_int(eq, 0, INT64_MAX, &ts) != OG_OK)
				return OG_ERR_INVALID;
			continue;
		}
		while (k < OG_AUDIT_FIELDS && strcmp(tok, og_audit_field_names[k]) != 0)
			k++;
		if (k == OG_AUDIT_FIELDS || og_audit_unescape(eq) != OG_OK)
			return OG_ERR_INVALID;
		*fields[k] = eq;
	}
	if (ts < 0 || ev->event == NULL)
		return OG_ERR_INVALID;
	ev->ts = ts;
	return OG_OK;
}

/* Writes every row of f to the store in one transaction. */
static int replay(FILE *f, struct og_store *st, const char *path, const struct og_log *log)
{
	char line[OG_SPOOL_LINE_MAX], buf[OG_SPOOL_LINE_MAX];
	struct og_audit_event ev;
	int n = 0, r;

	if ((r = og_store_begin(st)) != OG_OK)
		return r;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (og_spool_parse(line, &ev, buf, sizeof(buf)) != OG_OK) {
			og_logf(log, LOG_ERR, "audit spool %.200s: skipping malformed row: %.300s",
				path, line);
			continue;
		}
		if ((r = og_store_audit_add(st, &ev)) != OG_OK) {
			og_store_rollback(st);
			return r;
		}
		n++;
	}
	return (r = og_store_commit(st)) == OG_OK ? n : r;
}

/* Appends the claimed file's rows back to the spool after a failed replay. */
static void put_back(const char *claimed, const char *path)
{
	char line[OG_SPOOL_LINE_MAX];
	FILE *in = fopen(claimed, "r");
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	while (in != NULL && fd >= 0 && fgets(line, sizeof(line), in) != NULL) {
		if (write(fd, line, strlen(line)) < 0)
			break;
	}
	if (fd >= 0 && fsync(fd) == 0)
		unlink(claimed);
	if (fd >= 0)
		close(fd);
	if (in != NULL)
		fclose(in);
}

int og_spool_flush(const char *path, struct og_store *st, const struct og_log *log)
{
	char claimed[4200];
	struct stat sb;
	FILE *f;
	int r;

	if (lstat(path, &sb) != 0 || sb.st_size == 0)
		return 0;
	if (og_file_check(path, &sb, OG_FILE_SECRET, log) != OG_OK)
		return OG_ERR_UNSAFE;
	snprintf(claimed, sizeof(claimed), "%s.%ld", path, (long)getpid());
	if (rename(path, claimed) != 0)
		return 0;	/* another process claimed it first */
	if ((f = fopen(claimed, "re")) == NULL)
		return OG_ERR_IO;
	r = replay(f, st, path, log);
	fclose(f);
	if (r < 0) {
		put_back(claimed, path);
		return r;
	}
	unlink(claimed);
	og_logf(log, LOG_NOTICE, "audit spool %.200s: %d rows written to the store", path, r);
	return r;
}
