/*
 * pam-bench.c: otpgate's login benchmark driver (used by bench/run).
 *
 * Login mode: drives a PAM auth stack the way sshd does for every
 * connection: pam_start_confdir, pam_set_item(PAM_RHOST), pam_authenticate
 * (each prompt answered with the user's current RFC 6238 code, computed when
 * the prompt arrives), pam_end. Every login uses a different user, so replay
 * protection in the module under test never sees the same code twice.
 *
 *   pam-bench -c CONFDIR -s SERVICE -u USERS.hex [-f FIRST] [-n COUNT]
 *             [-p PROCS] [-r RHOST] [-l LABEL] [-F [-I]]
 *
 *   USERS.hex  "name hexsecret" lines; logins use lines FIRST .. FIRST+COUNT-1
 *   -p PROCS   worker processes, each logging in a contiguous share of the slice
 *   -F         fork a fresh process per login (sshd's per-connection process:
 *              modules are dlopen'ed cold every time); timed inside the child
 *   -I         with -F: before forking, the parent initialises libcrypto and
 *              looks the user up as sshd's own process has by the time PAM
 *              runs (sshd_like_init); without -I nothing in the parent has
 *              touched libcrypto (linked, as sshd links it) or NSS
 *
 * The answers are the users' codes for the current 30 s step and the next
 * ones, computed before the run by a throwaway process (precompute_codes):
 * nothing the harness does inside a timed login touches libcrypto, so a
 * fresh process pays for libcrypto only what the module under test uses.
 *
 * Prints one "key=value ..." line: logins, ok, refused (valid codes the stack
 * refused, by PAM code), wall time, successful logins/s (ok_per_s) and
 * attempts/s, p50/p90/p99/max latency in us of the successful logins (of all
 * attempts if none succeeded; latency_of says which), and trend = p50 of the
 * last 10% of those logins (by start time) / p50 of the first 10% (near 1.0
 * when a login's cost does not depend on how many logins came before it),
 * the median CPU time a successful login's process spent in it
 * (login_cpu_p50_us: less disturbed by a busy machine than the wall time),
 * the CPU seconds the run used (cpu_s, all processes) and other_cpu_pct: the
 * share of the machine's CPU that other processes used during the run (a
 * busy neighbour makes the figures unreliable).
 *
 * Fixture mode (fallback when ../shared/bench/make-anchor-fixtures is absent):
 *
 *   pam-bench -G N DIR
 *
 * writes N random users to DIR/users.hex and the same users for pam_oath
 * (DIR/users.oath), pam_google_authenticator (DIR/ga/NAME) and service files
 * DIR/pam.d/{oath,ga}, in the formats make-anchor-fixtures uses.
 *
 * Spawn mode (sshd's AuthorizedKeysCommand):
 *
 *   pam-bench -E [-u WORDS] [-f FIRST] [-n COUNT] -- CMD [ARG...]
 *
 * runs CMD COUNT times the way sshd runs an AuthorizedKeysCommand (misc.c
 * subprocess(): fork, stdin from /dev/null, stdout into a pipe read to its
 * end, execve, waitpid), one process after the other. As in sshd's
 * AuthorizedKeysCommand line, an ARG "%u" becomes the first word of line
 * FIRST+i of WORDS (the user) and "%f" the second (the key's fingerprint).
 * Prints spawns, failed (exit status not 0), lines (read from all
 * stdouts), p50/p90/p99/max in us from fork to reaped, and spawns_per_s.
 *
 * Store mode:
 *
 *   pam-bench -K DB
 *
 * prints the database's journal mode and checkpoints it in TRUNCATE mode
 * (WAL emptied), so each measured run starts from the same store state.
 *
 *   pam-bench -S SCRATCH_FILE
 *
 * prints the p50/p90 latency of a 4 KiB overwrite + fdatasync there: the
 * floor under any login that commits its watermark durably.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
/* sshd_like_init calls what sshd calls, ENGINE_* included (deprecated in 3.0) */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <security/pam_appl.h>
#include <sqlite3.h>

/*
 * SQLite is loaded only for -K (dlopen): linked in, it would be in every
 * login's process for free, and sshd does not link it. libcrypto is
 * linked, as sshd links it (without -I a login's process has it mapped
 * but never initialised).
 */
#define SQLITE_FUNCS(X) X(sqlite3_open_v2) X(sqlite3_errmsg) X(sqlite3_close) \
	X(sqlite3_busy_timeout) X(sqlite3_prepare_v2) X(sqlite3_step) X(sqlite3_column_text) \
	X(sqlite3_libversion) X(sqlite3_finalize) X(sqlite3_wal_checkpoint_v2)
#define FUNC_FIELD(f) __typeof__(&f) f;
#define FUNC_NAME(f) #f "\0"
static struct { SQLITE_FUNCS(FUNC_FIELD) } sq;

static int load_sqlite(void)
{
	const char *name = SQLITE_FUNCS(FUNC_NAME);
	void *h = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL), **table = (void **)&sq;

	if (h == NULL)
		return fprintf(stderr, "pam-bench: %s\n", dlerror()), -1;
	for (size_t i = 0; i < sizeof(sq) / sizeof(void *); i++, name += strlen(name) + 1) {
		if ((table[i] = dlsym(h, name)) == NULL)
			return fprintf(stderr, "pam-bench: libsqlite3.so.0: no %s\n", name), -1;
	}
	return 0;
}

/* codes precomputed per user: this many 30 s steps from the run's first */
#define CODE_STEPS 32

struct user {
	char name[64];
	unsigned char key[64];
	int keylen;
	char codes[CODE_STEPS][8];	/* step0 + i; "" until computed */
};

/* the step codes[0] is for (set before the run, read by every process) */
static uint64_t step0;

/* one slot per login, shared between the workers and the parent */
struct slot {
	double start_us;	/* since the run began */
	double lat_us;
	double cpu_us;		/* CPU time the login's process spent in it */
	int rc;			/* PAM result; -1 when never run */
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double cpu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 6238 with SHA-1, 6 digits, 30 s steps: what all three stacks expect. */
static void totp_at(const struct user *u, uint64_t step, char out[8])
{
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	uint32_t bin;
	int off;

	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(step & 0xff);
		step >>= 8;
	}
	HMAC(EVP_sha1(), u->key, u->keylen, msg, sizeof(msg), mac, &maclen);
	off = mac[maclen - 1] & 0x0f;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
	      ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
	snprintf(out, 8, "%06u", (unsigned)(bin % 1000000u));
}

/* The user's code now: precomputed, or (a run longer than CODE_STEPS
 * steps) computed here, which touches libcrypto inside the login. */
static void totp_now(const struct user *u, char out[8])
{
	uint64_t step = (uint64_t)time(NULL) / 30;

	if (step >= step0 && step - step0 < CODE_STEPS && u->codes[step - step0][0] != '\0') {
		memcpy(out, u->codes[step - step0], 8);
		return;
	}
	totp_at(u, step, out);
}

/*
 * Fills users[].codes in a throwaway child, so that the process that
 * forks the logins has not touched libcrypto (users is shared memory).
 */
static int precompute_codes(struct user *users, long count)
{
	pid_t pid;
	int status;

	step0 = (uint64_t)time(NULL) / 30;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return perror("fork"), -1;
	if (pid == 0) {
		for (long i = 0; i < count; i++)
			for (int k = 0; k < CODE_STEPS; k++)
				totp_at(&users[i], step0 + (uint64_t)k, users[i].codes[k]);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fprintf(stderr, "pam-bench: computing the codes failed\n"), -1;
	return 0;
}

/*
 * -I: what OpenSSH 9.2's sshd (Debian 12's openssh-server, built with
 * --with-ssl-engine) has done with libcrypto in its per-connection process
 * by the time PAM runs there. keyboard-interactive runs pam_authenticate
 * in a fork of the privileged monitor (auth-pam.c, sshpam_init_ctx ->
 * pthread_create, a fork), and the monitor is the re-executed sshd, so
 * it has run sshd.c main() and answered the key exchange:
 *  1. sshd.c main() -> seed_rng() (entropy.c) -> ssh_libcrypto_init()
 *     (openbsd-compat/openssl-compat.c): OPENSSL_init_crypto(ADD_ALL_CIPHERS
 *     | ADD_ALL_DIGESTS), and under USE_OPENSSL_ENGINE
 *     ENGINE_load_builtin_engines(), ENGINE_register_all_complete(),
 *     OPENSSL_init_crypto(... | LOAD_CONFIG);
 *  2. seed_rng() (entropy.c): RAND_status(), which instantiates the DRBG;
 *  3. sshd.c main() shields each host key it loads in memory:
 *     sshkey_shield_private() (sshkey.c), SHA-512 of a random 16 KiB
 *     prekey (ssh_digest_memory(), digest-openssl.c: EVP_Digest) keys an
 *     aes256-ctr cipher (cipher_init(), cipher.c: EVP_CipherInit);
 *     sshkey_unshield_private() does the same for every use of the key
 *     (monitor.c mm_answer_sign, the host key's signature in the exchange);
 *  4. sshd.c main(), accumulate_host_timing_secret(): SHA-512 over the
 *     host keys (ssh_digest_start/update/final, digest-openssl.c:
 *     EVP_DigestInit_ex);
 *  5. sshd.c main(): sshkey_fingerprint() of each host key (sshkey.c,
 *     SHA-256 by default: ssh_digest_memory -> EVP_Digest).
 * (Seen on the real sshd too: these are the libcrypto calls its monitor
 * makes before pam_start, traced with uprobes on a login.)
 * And, before any authentication method runs, the monitor has looked the
 * user up (auth2.c input_userauth_request -> getpwnamallow(), auth.c ->
 * getpwnam()), which loads the NSS modules of nsswitch.conf's passwd line:
 * user is looked up here too.
 */
static int sshd_like_init(const char *user)
{
	unsigned char prekey[16 * 1024], keyiv[EVP_MAX_MD_SIZE], blob[128], out[160];
	unsigned int n = 0;
	int ok;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_MD_CTX *m = EVP_MD_CTX_new();

	(void)getpwnam(user);
	OPENSSL_init_crypto(OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS, NULL);
	ENGINE_load_builtin_engines();
	ENGINE_register_all_complete();
	OPENSSL_init_crypto(OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS |
			    OPENSSL_INIT_LOAD_CONFIG, NULL);
	ok = RAND_status() == 1;
	arc4random_buf(prekey, sizeof(prekey));
	arc4random_buf(blob, sizeof(blob));
	ok = ok && c != NULL && m != NULL &&
	     EVP_Digest(prekey, sizeof(prekey), keyiv, &n, EVP_sha512(), NULL) == 1 &&
	     EVP_CipherInit(c, EVP_aes_256_ctr(), keyiv, keyiv + 32, 1) == 1 &&
	     EVP_Cipher(c, out, blob, sizeof(blob)) > 0 &&
	     EVP_DigestInit_ex(m, EVP_sha512(), NULL) == 1 &&
	     EVP_DigestUpdate(m, blob, sizeof(blob)) == 1 &&
	     EVP_DigestFinal_ex(m, out, &n) == 1 &&
	     EVP_Digest(blob, 51, out, &n, EVP_sha256(), NULL) == 1;
	EVP_CIPHER_CTX_free(c);
	EVP_MD_CTX_free(m);
	OPENSSL_cleanse(prekey, sizeof(prekey));
	if (!ok)
		fprintf(stderr, "pam-bench: initialising libcrypto as sshd does failed\n");
	return ok ? 0 : -1;
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	const struct user *u = data;
	struct pam_response *r;

	if (n <= 0)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
			char code[8];
			totp_now(u, code);
			if ((r[i].resp = strdup(code)) == NULL) {
				for (int j = 0; j < i; j++)
					free(r[j].resp);
				free(r);
				return PAM_BUF_ERR;
			}
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* One login as sshd does it; returns the PAM result. */
static int login(const char *service, const char *confdir, const char *rhost,
		 const struct user *u)
{
	struct pam_conv pc = { conv, (void *)u };
	pam_handle_t *ph = NULL;
	int rc = pam_start_confdir(service, u->name, &pc, confdir, &ph);

	if (rc != PAM_SUCCESS)
		return rc;
	if ((rc = pam_set_item(ph, PAM_RHOST, rhost)) == PAM_SUCCESS)
		rc = pam_authenticate(ph, 0);
	pam_end(ph, rc);
	return rc;
}

/* Reads lines first .. first+count-1 of a "name hexsecret" file. */
static struct user *load_users(const char *path, long first, long *count)
{
	FILE *f = fopen(path, "r");
	char line[512], name[128], hex[256];
	struct user *users;
	long line_no = 0, n = 0;

	if (f == NULL) {
		perror(path);
		return NULL;
	}
	/* shared: precompute_codes fills the codes in from another process */
	users = mmap(NULL, (size_t)*count * sizeof(*users), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (users == MAP_FAILED) {
		perror("mmap");
		fclose(f);
		return NULL;
	}
	while (n < *count && fgets(line, sizeof(line), f) != NULL) {
		size_t len;
		if (line_no++ < first)
			continue;
		if (sscanf(line, "%127s %255s", name, hex) != 2 || strlen(name) >= 64 ||
		    (len = strlen(hex)) % 2 != 0 || len / 2 > sizeof(users[n].key) || len == 0) {
			fprintf(stderr, "%s:%ld: not a \"name hexsecret\" line\n", path, line_no);
			munmap(users, (size_t)*count * sizeof(*users));
			fclose(f);
			return NULL;
		}
		snprintf(users[n].name, sizeof(users[n].name), "%s", name);
		for (size_t i = 0; i < len / 2; i++) {
			int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				fprintf(stderr, "%s:%ld: bad hex\n", path, line_no);
				munmap(users, (size_t)*count * sizeof(*users));
				fclose(f);
				return NULL;
			}
			users[n].key[i] = (unsigned char)(hi << 4 | lo);
		}
		users[n].keylen = (int)(len / 2);
		n++;
	}
	fclose(f);
	*count = n;
	return users;
}

/* Busy and total CPU time of the whole machine so far, in seconds. */
static void machine_cpu(double *busy, double *total)
{
	unsigned long long v[8] = { 0 };
	double tick = (double)sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");

	*busy = *total = 0;
	if (f == NULL)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) == 8) {
		/* user nice system idle iowait irq softirq steal */
		*busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick;
		*total = *busy + (double)(v[3] + v[4]) / tick;
	}
	fclose(f);
}

/* CPU time used by this process and its waited-for descendants, in seconds. */
static double own_cpu(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
			kids.ru_stime.tv_sec) +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
			kids.ru_stime.tv_usec) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_start(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return (x->start_us > y->start_us) - (x->start_us < y->start_us);
}

static double pct(const double *sorted, long n, double p)
{
	long i = (long)(p * (double)n);

	if (n == 0)
		return 0;
	return sorted[i >= n ? n - 1 : i];
}

static double median_of(const struct slot *s, long n)
{
	double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof(*v)), m;

	if (v == NULL)
		return 0;
	for (long i = 0; i < n; i++)
		v[i] = s[i].lat_us;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	m = pct(v, n, 0.5);
	free(v);
	return m;
}

static void timed_login(const char *service, const char *confdir, const char *rhost,
			const struct user *u, struct slot *slot, double t0)
{
	double s = now_us(), c = cpu_now_us();

	slot->rc = login(service, confdir, rhost, u);
	slot->lat_us = now_us() - s;
	slot->cpu_us = cpu_now_us() - c;
	slot->start_us = s - t0;
}

static void worker(const char *service, const char *confdir, const char *rhost,
		   const struct user *users, struct slot *slots, long lo, long hi,
		   double t0, int fork_each)
{
	for (long i = lo; i < hi; i++) {
		pid_t pid = fork_each ? fork() : 0;
		if (pid == 0) {
			timed_login(service, confdir, rhost, &users[i], &slots[i], t0);
			if (fork_each)
				_exit(0);
			continue;
		}
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			slots[i].rc = -2;
	}
}

static int run_logins(const char *confdir, const char *service, const char *usersfile,
		      long first, long count, long procs, const char *rhost,
		      const char *label, int fork_each, int sshd_like)
{
	long mapped = count;
	struct user *users = load_users(usersfile, first, &count);
	struct slot *slots;
	double t0, wall, *lat, busy0, total0, busy1, total1, own0, own1, other, other_pct = 0;
	long ok = 0, refused = 0;
	char why[512] = "";
	size_t whylen = 0;

	if (users == NULL)
		return 2;
	if (count == 0) {
		fprintf(stderr, "pam-bench: no users in %s from line %ld\n", usersfile, first);
		return 2;
	}
	if (procs > count)
		procs = count;
	if (precompute_codes(users, count) != 0 || (sshd_like && sshd_like_init(users[0].name) != 0))
		return 2;
	slots = mmap(NULL, (size_t)count * sizeof(*slots), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (long i = 0; i < count; i++)
		slots[i].rc = -1;
	fflush(NULL);
	machine_cpu(&busy0, &total0);
	own0 = own_cpu();
	t0 = now_us();
	for (long p = 0; p < procs; p++) {
		long lo = count * p / procs, hi = count * (p + 1) / procs;
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			worker(service, confdir, rhost, users, slots, lo, hi, t0, fork_each);
			_exit(0);
		}
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	wall = now_us() - t0;
	machine_cpu(&busy1, &total1);
	own1 = own_cpu();
	/* CPU the rest of the machine used meanwhile, as a share of all CPUs */
	if (total1 > total0) {
		other = (busy1 - busy0) - (own1 - own0);
		other_pct = 100.0 * (other > 0 ? other : 0) / (total1 - total0);
	}

	/* refusals of valid codes, grouped by PAM result */
	{
		int seen[64] = { 0 };
		long per[64] = { 0 };
		int nseen = 0;
		for (long i = 0; i < count; i++) {
			int rc = slots[i].rc, k;
			if (rc == PAM_SUCCESS) {
				ok++;
				continue;
			}
			refused++;
			for (k = 0; k < nseen && seen[k] != rc; k++)
				;
			if (k == nseen && nseen < 64)
				seen[nseen++] = rc;
			if (k < 64)
				per[k]++;
		}
		for (int k = 0; k < nseen; k++) {
			const char *name = seen[k] == -1 ? "not-run" : seen[k] == -2 ? "fork-failed"
									    : pam_strerror(NULL, seen[k]);
			int n = snprintf(why + whylen, sizeof(why) - whylen, "%s%s:%ld", k ? "," : "",
					 name, per[k]);
			if (n < 0 || (size_t)n >= sizeof(why) - whylen)
				break;
			whylen += (size_t)n;
		}
		for (size_t i = 0; i < whylen; i++)
			if (why[i] == ' ')
				why[i] = '_';
	}

	/* latency of full (successful) logins; of all attempts only if none succeeded */
	long nlat = 0, nok = 0;
	if ((lat = malloc((size_t)count * sizeof(*lat))) == NULL) {
		perror("malloc");
		return 2;
	}
	qsort(slots, (size_t)count, sizeof(*slots), cmp_start);
	for (long i = 0; i < count; i++) {
		if (ok == 0 || slots[i].rc == PAM_SUCCESS)
			slots[nok++] = slots[i];
	}
	for (long i = 0; i < nok; i++)
		lat[nlat++] = slots[i].cpu_us;
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp_double);
	double cpu_p50 = pct(lat, nlat, 0.5);
	for (long i = 0; i < nok; i++)
		lat[i] = slots[i].lat_us;
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp_double);
	long dec = nok / 10 > 0 ? nok / 10 : 1;
	double first_p50 = median_of(slots, dec), last_p50 = median_of(slots + nok - dec, dec);

	printf("label=%s service=%s logins=%ld procs=%ld ok=%ld refused=%ld refusals=%s "
	       "wall_s=%.3f ok_per_s=%.1f attempts_per_s=%.1f latency_of=%s "
	       "p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f "
	       "trend=%.2f first_p50_us=%.0f last_p50_us=%.0f login_cpu_p50_us=%.0f cpu_s=%.3f "
	       "other_cpu_pct=%.1f mode=%s\n",
	       label, service, count, procs, ok, refused, refused ? why : "none", wall / 1e6,
	       (double)ok / (wall / 1e6), (double)count / (wall / 1e6), ok ? "ok" : "all",
	       pct(lat, nlat, 0.5), pct(lat, nlat, 0.9), pct(lat, nlat, 0.99), lat[nlat - 1],
	       first_p50 > 0 ? last_p50 / first_p50 : 0, first_p50, last_p50, cpu_p50, own1 - own0,
	       other_pct, !fork_each ? "loop" : sshd_like ? "fork-after-sshd-init" : "fork-per-login");
	free(lat);
	munmap(users, (size_t)mapped * sizeof(*users));
	munmap(slots, (size_t)count * sizeof(*slots));
	return 0;
}

/* Words 1 and 2 of lines first .. first+*count-1 of path (*count: how many read). */
struct words {
	char w[2][64];
};

static struct words *load_words(const char *path, long first, long *count)
{
	FILE *f = fopen(path, "r");
	char line[512];
	struct words *names;
	long line_no = 0, n = 0;

	if (f == NULL)
		return perror(path), NULL;
	if ((names = calloc((size_t)*count, sizeof(*names))) == NULL) {
		fclose(f);
		return NULL;
	}
	while (n < *count && fgets(line, sizeof(line), f) != NULL) {
		if (line_no++ < first)
			continue;
		if (sscanf(line, "%63s %63s", names[n].w[0], names[n].w[1]) >= 1)
			n++;
	}
	fclose(f);
	*count = n;
	return names;
}

/*
 * One run of argv as sshd runs an AuthorizedKeysCommand (misc.c,
 * subprocess()): stdin from /dev/null, stdout into a pipe the parent reads
 * to its end, stderr to /dev/null, execve, waitpid. Returns the exit
 * status (-1: could not run it) and adds the lines read to *lines.
 */
static int spawn_once(char *const argv[], long *lines)
{
	char buf[4096];
	int p[2], status = 0, devnull;
	ssize_t got;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(p[1], 1) < 0 || dup2(devnull, 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && ((got = read(p[0], buf, sizeof(buf))) > 0 || (got < 0 && errno == EINTR)))
		for (ssize_t i = 0; i < got; i++)
			*lines += buf[i] == '\n';
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* -E: runs cmd count times ("%u" and "%f" are the words of the next line)
 * and prints the latency of a whole run, fork to reaped. */
static int spawn_bench(const char *wordsfile, long first, long count, char **cmd, int ncmd)
{
	struct words *words = NULL;
	char *argv[64];
	double *lat, t0, wall;
	long failed = 0, lines = 0;
	int arg_of[64], used = 0;

	if (ncmd < 1 || ncmd >= 63)
		return fprintf(stderr, "pam-bench -E: 1 to 62 words of command\n"), 2;
	for (int i = 0; i < ncmd; i++) {
		argv[i] = cmd[i];
		arg_of[i] = strcmp(cmd[i], "%u") == 0 ? 0 : strcmp(cmd[i], "%f") == 0 ? 1 : -1;
		used |= arg_of[i] >= 0;
	}
	argv[ncmd] = NULL;
	if (used && (wordsfile == NULL || (words = load_words(wordsfile, first, &count)) == NULL ||
		     count == 0))
		return fprintf(stderr, "pam-bench -E: %%u and %%f need words (-u FILE)\n"), 2;
	if ((lat = calloc((size_t)count, sizeof(*lat))) == NULL)
		return 2;
	t0 = now_us();
	for (long i = 0; i < count; i++) {
		double s = now_us();
		for (int k = 0; used && k < ncmd; k++)
			if (arg_of[k] >= 0)
				argv[k] = words[i].w[arg_of[k]];
		failed += spawn_once(argv, &lines) != 0;
		lat[i] = now_us() - s;
	}
	wall = now_us() - t0;
	qsort(lat, (size_t)count, sizeof(*lat), cmp_double);
	printf("spawns=%ld failed=%ld lines=%ld wall_s=%.3f spawns_per_s=%.1f p50_us=%.0f "
	       "p90_us=%.0f p99_us=%.0f max_us=%.0f\n", count, failed, lines, wall / 1e6,
	       (double)count / (wall / 1e6), pct(lat, count, 0.5), pct(lat, count, 0.9),
	       pct(lat, count, 0.99), lat[count - 1]);
	free(lat);
	free(words);
	return 0;
}

/* -G: the users and anchor files make-anchor-fixtures would write. */
static int gen_fixtures(long n, const char *dir)
{
	char path[4096], name[32], hex[41];
	unsigned char key[20];
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	static const char lib[] = "/lib/x86_64-linux-gnu/security";
	FILE *hx, *oath, *f;

	snprintf(path, sizeof(path), "%s/ga", dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return perror(dir), 2;
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return perror(path), 2;
	snprintf(path, sizeof(path), "%s/pam.d", dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return perror(path), 2;
	snprintf(path, sizeof(path), "%s/users.hex", dir);
	if ((hx = fopen(path, "w")) == NULL)
		return perror(path), 2;
	snprintf(path, sizeof(path), "%s/users.oath", dir);
	if ((oath = fopen(path, "w")) == NULL)
		return perror(path), 2;
	fchmod(fileno(oath), 0600);
	for (long i = 0; i < n; i++) {
		char enc[33];
		int fd;
		if (RAND_bytes(key, sizeof(key)) != 1)
			return fprintf(stderr, "RAND_bytes failed\n"), 2;
		for (int j = 0; j < 20; j++)
			snprintf(hex + 2 * j, 3, "%02x", key[j]);
		/* 20 bytes = 160 bits = exactly 32 base32 characters, no padding */
		for (int j = 0, bit = 0; j < 32; j++, bit += 5) {
			int byte = bit / 8, sh = bit % 8;
			unsigned v = (unsigned)key[byte] << 8 | (byte + 1 < 20 ? key[byte + 1] : 0);
			enc[j] = b32[(v >> (11 - sh)) & 31];
		}
		enc[32] = '\0';
		snprintf(name, sizeof(name), "u%07ld", i);
		fprintf(hx, "%s %s\n", name, hex);
		fprintf(oath, "HOTP/T30/6\t%s\t-\t%s\n", name, hex);
		snprintf(path, sizeof(path), "%s/ga/%s", dir, name);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
		    (f = fdopen(fd, "w")) == NULL)
			return perror(path), 2;
		fprintf(f, "%s\n\" RATE_LIMIT 3 30\n\" WINDOW_SIZE 3\n\" DISALLOW_REUSE\n"
			"\" TOTP_AUTH\n", enc);
		if (fclose(f) != 0)
			return perror(path), 2;
	}
	if (fclose(hx) != 0 || fclose(oath) != 0)
		return perror(dir), 2;
	snprintf(path, sizeof(path), "%s/pam.d/oath", dir);
	if ((f = fopen(path, "w")) == NULL)
		return perror(path), 2;
	fprintf(f, "auth required %s/pam_oath.so usersfile=%s/users.oath window=1 digits=6\n",
		lib, dir);
	fclose(f);
	snprintf(path, sizeof(path), "%s/pam.d/ga", dir);
	if ((f = fopen(path, "w")) == NULL)
		return perror(path), 2;
	fprintf(f, "auth required %s/pam_google_authenticator.so secret=%s/ga/${USER} user=root\n",
		lib, dir);
	fclose(f);
	return 0;
}

/*
 * -K: prints the database's journal mode as "journal_mode=MODE" (WAL is
 * recorded in the file; a rollback journal shows as "delete" whatever mode
 * the module sets per connection) and empties the WAL into the database.
 */
static int wal_reset(const char *db_path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int log = -1, ckpt = -1, rc;

	if (load_sqlite() != 0)
		return 2;
	if (sq.sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", db_path, sq.sqlite3_errmsg(db));
		sq.sqlite3_close(db);
		return 2;
	}
	sq.sqlite3_busy_timeout(db, 10000);
	if (sq.sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK &&
	    sq.sqlite3_step(s) == SQLITE_ROW)
		printf("journal_mode=%s sqlite=%s\n", (const char *)sq.sqlite3_column_text(s, 0),
		       sq.sqlite3_libversion());
	sq.sqlite3_finalize(s);
	rc = sq.sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s: checkpoint: %s\n", db_path, sq.sqlite3_errmsg(db));
	sq.sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : 2;
}

/* -S: the disk's durable-write latency (4 KiB pwrite + fdatasync), for context. */
static int disk_sync(const char *path)
{
	enum { N = 200 };
	static char buf[4096];
	double lat[N];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return perror(path), 2;
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 16; i++)
		if (pwrite(fd, buf, sizeof(buf), (off_t)i * 4096) != (ssize_t)sizeof(buf))
			return perror(path), close(fd), 2;
	fdatasync(fd);
	for (int i = 0; i < N; i++) {
		double t;
		if (pwrite(fd, buf, sizeof(buf), (off_t)(i % 16) * 4096) != (ssize_t)sizeof(buf))
			return perror(path), close(fd), 2;
		t = now_us();
		fdatasync(fd);
		lat[i] = now_us() - t;
	}
	close(fd);
	unlink(path);
	qsort(lat, N, sizeof(lat[0]), cmp_double);
	printf("fdatasync_p50_us=%.0f fdatasync_p90_us=%.0f\n", pct(lat, N, 0.5), pct(lat, N, 0.9));
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: pam-bench -c CONFDIR -s SERVICE -u USERS [-f FIRST] [-n COUNT] [-p PROCS]\n"
		"                 [-r RHOST] [-l LABEL] [-F [-I]]\n"
		"       pam-bench -E [-u WORDS] [-f FIRST] [-n COUNT] -- CMD [ARG|%%u|%%f...]\n"
		"       pam-bench -G N DIR\n"
		"       pam-bench -K SQLITE_DB\n"
		"       pam-bench -S SCRATCH_FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *confdir = NULL, *service = NULL, *usersfile = NULL, *rhost = "127.0.0.1";
	const char *label = NULL, *gen_n = NULL, *reset_db = NULL, *sync_file = NULL;
	long first = 0, count = 1000, procs = 1;
	int opt, fork_each = 0, sshd_like = 0, spawn = 0;

	while ((opt = getopt(argc, argv, "c:s:u:f:n:p:r:l:FIEG:K:S:")) != -1) {
		switch (opt) {
		case 'c': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'u': usersfile = optarg; break;
		case 'f': first = atol(optarg); break;
		case 'n': count = atol(optarg); break;
		case 'p': procs = atol(optarg); break;
		case 'r': rhost = optarg; break;
		case 'l': label = optarg; break;
		case 'F': fork_each = 1; break;
		case 'I': sshd_like = 1; break;
		case 'E': spawn = 1; break;
		case 'G': gen_n = optarg; break;
		case 'K': reset_db = optarg; break;
		case 'S': sync_file = optarg; break;
		default: return usage();
		}
	}
	if (gen_n != NULL)
		return optind + 1 == argc && atol(gen_n) > 0 ? gen_fixtures(atol(gen_n), argv[optind])
							      : usage();
	if (reset_db != NULL)
		return wal_reset(reset_db);
	if (sync_file != NULL)
		return disk_sync(sync_file);
	if (spawn)
		return first >= 0 && count >= 1 && optind < argc
			       ? spawn_bench(usersfile, first, count, argv + optind, argc - optind)
			       : usage();
	if (!confdir || !service || !usersfile || first < 0 || count < 1 || procs < 1 ||
	    optind != argc || (sshd_like && !fork_each))
		return usage();
	return run_logins(confdir, service, usersfile, first, count, procs, rhost,
			  label ? label : service, fork_each, sshd_like);
}
