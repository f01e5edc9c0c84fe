/*
 * fuzz_config.c: otpgate.conf text. og_config_load reads a file (with its
 * owner, mode and size checks), so each input is written to a private
 * temporary file first. A refused file must give one line naming it, with
 * no control byte.
 */
#include <fcntl.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "fuzz.h"

static char dir[4096], path[4200];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

/* A fresh directory under $TMPDIR (or /tmp) for the config file, removed at exit. */
static void make_dir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/otpgate-fuzz-config.XXXXXX",
		 base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(path, sizeof(path), "%s/otpgate.conf", dir);
	atexit(cleanup);
}

static void write_file(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) || close(fd) != 0) {
		perror(path);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct og_config cfg;
	char err[1024];
	int r;

	if (dir[0] == '\0')
		make_dir();
	write_file(data, size);
	memset(err, 'X', sizeof(err));
	r = og_config_load(path, &cfg, err, sizeof(err), NULL);
	FZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (r != OG_OK) {
		FZ_CHECK(strncmp(err, path, strlen(path)) == 0);
		FZ_CHECK(fz_one_line(err));
		return 0;
	}
	FZ_CHECK(err[0] == '\0');
	FZ_CHECK(og_otp_params_ok(&cfg.totp));
	FZ_CHECK(cfg.store_timeout >= 1 && cfg.store_timeout <= 300);
	FZ_CHECK(og_config_store_name(&cfg) != NULL);
	for (size_t i = 0; i < cfg.nrules; i++)
		FZ_CHECK(cfg.rules[i].kind == OG_MATCH_ANY || cfg.rules[i].name != NULL);
	og_config_free(&cfg);
	return 0;
}
