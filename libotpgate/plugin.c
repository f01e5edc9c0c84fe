/* plugin.c: finding what otpgate installs beside its programs. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "plugin.h"

/*
 * The directory of the object this code is linked into (module or
 * program). A statically linked program (the key reader's front) has no
 * loader to ask: its own file, then.
 */
static int own_dir(char *out, size_t cap)
{
	char exe[4096];
	const char *path = NULL, *slash;
	Dl_info info;
	ssize_t n;

	if (dladdr((void *)own_dir, &info) != 0 && info.dli_fname != NULL)
		path = info.dli_fname;
	else if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0 &&
		 (size_t)n < sizeof(exe) - 1)
		path = (exe[n] = '\0', exe);
	if (path == NULL || (slash = strrchr(path, '/')) == NULL || (size_t)(slash - path) >= cap)
		return -1;
	memcpy(out, path, (size_t)(slash - path));
	out[slash - path] = '\0';
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
