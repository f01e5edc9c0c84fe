/* plugin.c: finding what otpgate installs beside its programs. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "plugin.h"

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

int og_plugin_find(const char *name, char *out, size_t cap, const struct og_log *log)
{
	char dirs[2][4096];
	int n = 0;

	if (own_dir(dirs[n], sizeof(dirs[0])) == 0)
		n++;
	snprintf(dirs[n++], sizeof(dirs[0]), "%s", OTPGATE_PLUGIN_DIR);
	for (int i = 0; i < n; i++) {
		if (snprintf(out, cap, "%s/%s", dirs[i], name) >= (int)cap)
			continue;
		if (access(out, F_OK) == 0 && og_path_check(out, OG_FILE_CONFIG, log) == OG_OK)
			return OG_OK;
	}
	return OG_ERR_NOTFOUND;
}
