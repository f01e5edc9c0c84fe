/* stamp.c: a file's stamp (stamp.h). */
#include <string.h>

#include "stamp.h"

void og_stamp_of(const char *path, struct og_stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (path != NULL && stat(path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->mode = st.st_mode;
		s->uid = st.st_uid;
		s->gid = st.st_gid;
		s->size = st.st_size;
		s->mtime = st.st_mtim;
		s->ctime = st.st_ctim;
	}
}

void og_stamp_of_db(const char *path, struct og_stamp *s)
{
	og_stamp_of(path, s);
	s->size = 0;
	memset(&s->mtime, 0, sizeof(s->mtime));
	memset(&s->ctime, 0, sizeof(s->ctime));
}
