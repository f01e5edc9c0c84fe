/*
 * plugin.c: otpgate's own shared objects (the PostgreSQL store, the PAM
 * module's core), found beside what runs or in the install directory.
 * Links no libcrypto: the PAM module's front uses it.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "plugin.h"

#ifndef OTPGATE_PLUGIN_DIR
#define OTPGATE_PLUGIN_DIR "/usr/local/lib/otpgate"
#endif

const char *og_plugin_dir(void)
{
	return OTPGATE_PLUGIN_DIR;
}

/* The directory of the object this code is linked into (module or program). */
static int own_dir(char *out, size_t cap)
{
	Dl_info info;
	const char *slash;

	if (dladdr((void *)own_dir, &info) == 0 || info.dli_fname == NULL ||
	    (slash = strrchr(info.dli_fname, '/')) == NULL || (size_t)(slash - info.dli_fname) >= cap)
		return -1;
	memcpy(out, info.dli_fname, (size_t)(slash - info.dli_fname));
	out[slash - info.dli_fname] = '\0';
	return 0;
}

void *og_plugin_open(const char *name, const struct og_log *log)
{
	char dirs[2][4096], path[8300];
	void *h;
	int n = 0;

	if (own_dir(dirs[n], sizeof(dirs[0])) == 0)
		n++;
	snprintf(dirs[n++], sizeof(dirs[0]), "%s", OTPGATE_PLUGIN_DIR);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, F_OK) != 0 || og_path_check(path, OG_FILE_CONFIG, log) != OG_OK)
			continue;
		if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) == NULL)
			og_logf(log, LOG_ERR, "%s: %s", name, dlerror());
		return h;
	}
	og_logf(log, LOG_ERR, "%s not found beside the program or in %s (install it)", name,
		OTPGATE_PLUGIN_DIR);
	return NULL;
}
