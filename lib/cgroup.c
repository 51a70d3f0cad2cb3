/* The fallback sampler: while libvirtd restarts or hangs, a domain's CPU,
 * per-vCPU, disk and memory counters still sit in the kernel's cgroup files
 * and its NICs' in the tap's sysfs statistics. Paths follow what libvirt 9.0
 * builds (src/util/vircgroup.c, virsystemd.c, hypervisor/domain_driver.c),
 * verified on a real guest here (v1 + hybrid unified hierarchy, no systemd):
 *   ROOT/{cpu,cpuset,blkio,memory,freezer}/machine/qemu-1-vcn-probe-1.libvirt-qemu
 *   ROOT/unified/machine/qemu-1-vcn-probe-1.libvirt-qemu/{vcpu0,vcpu1,emulator}
 * Note that libvirt did not place the guest in cpuacct there (cpu and
 * cpuacct are mounted separately): the hybrid unified group's cpu.stat is
 * then the CPU source. Files are small; each is read with one read(2) into
 * a stack buffer, nothing is allocated. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"

#define FILE_MAX 16384

static const char *const layout_names[VCN_CGROUP_LAYOUT_LAST] = {
	[VCN_CGROUP_V1] = "v1",
	[VCN_CGROUP_V2_SYSTEMD] = "v2-systemd",
	[VCN_CGROUP_V2_DIRECT] = "v2-direct",
};

/* Name of @layout ("v1", "v2-systemd", "v2-direct"), "unknown" if out of range. */
const char *vcn_cgroup_layout_name(enum vcn_cgroup_layout layout)
{
	if ((unsigned)layout >= VCN_CGROUP_LAYOUT_LAST)
		return "unknown";
	return layout_names[layout];
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* snprintf that reports truncation as -ENAMETOOLONG. */
static int __attribute__((format(printf, 3, 4))) path_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Whole file into @buf (NUL-terminated). -ENOENT is silent: an absent file
 * is an absent counter. */
static int read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t r;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (rc != -ENOENT)
			vcn_err("cannot open '%s': %s", path, strerror(-rc));
		goto cleanup;
	}
	for (;;) {
		r = read(fd, buf + len, size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			vcn_err("cannot read '%s': %s", path, strerror(-rc));
			goto cleanup;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == size - 1) {
			rc = -EFBIG;
			vcn_err("'%s': larger than %zu bytes", path, size - 1);
			goto cleanup;
		}
	}
	buf[len] = '\0';

cleanup:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Decimal digits at *p (no sign, no overflow); advances *p. */
static bool take_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*p = s;
	*v = x;
	return true;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/**
 * vcn_cgroup_read_u64: a file holding one decimal number and a newline
 * (cpuacct.usage, memory.usage_in_bytes, memory.current, tap statistics).
 * Returns 0 with *v set, -ENOENT when absent (not logged), -EINVAL when the
 * content is anything else (logged, naming the file), or another -errno.
 */
int vcn_cgroup_read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	const char *p = buf;
	int rc;

	rc = read_file(path, buf, sizeof(buf));
	if (rc < 0)
		goto cleanup;
	if (!take_u64(&p, v) || (*p != '\n' && *p != '\0') || (*p == '\n' && p[1] != '\0')) {
		rc = -EINVAL;
		vcn_err("'%s': malformed: expected one number, got '%.20s'", path, buf);
	}

cleanup:
	return rc;
}

/**
 * vcn_cgroup_read_keys: a "key value" per line file (cpu.stat, cpuacct.stat,
 * memory.stat). Sets value and found of each of @keys present; other keys are
 * ignored. Returns 0 (even if some keys are absent: check found), -ENOENT
 * when the file is absent (not logged), -EINVAL when a wanted key's value is
 * not a number (logged with file and line), or another -errno.
 */
int vcn_cgroup_read_keys(const char *path, struct vcn_cgroup_key *keys, unsigned nkeys)
{
	char buf[FILE_MAX];
	const char *line, *end;
	unsigned i, lineno = 0;
	int rc;

	for (i = 0; i < nkeys; i++)
		keys[i].found = 0;
	rc = read_file(path, buf, sizeof(buf));
	if (rc < 0)
		goto cleanup;
	for (line = buf; *line; line = *end ? end + 1 : end) {
		const char *sp, *p;
		size_t klen;

		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		lineno++;
		sp = memchr(line, ' ', (size_t)(end - line));
		if (!sp)
			continue;
		klen = (size_t)(sp - line);
		for (i = 0; i < nkeys; i++)
			if (strlen(keys[i].key) == klen && memcmp(keys[i].key, line, klen) == 0)
				break;
		if (i == nkeys)
			continue;
		p = skip_blanks(sp);
		if (!take_u64(&p, &keys[i].value) || p != end) {
			rc = -EINVAL;
			vcn_err("'%s': line %u: malformed value for '%s'", path, lineno, keys[i].key);
			goto cleanup;
		}
		keys[i].found = 1;
	}

cleanup:
	return rc;
}

/* The disk entry named @dev ("8:0"), added when new; NULL when full. */
static struct vcn_vmsample_disk *disk_for(struct vcn_vmsample *s, const char *dev, size_t len)
{
	unsigned i;

	if (len >= VCN_VMSAMPLE_DEV_MAX)
		len = VCN_VMSAMPLE_DEV_MAX - 1;
	for (i = 0; i < s->ndisks; i++)
		if (strlen(s->disk[i].name) == len && memcmp(s->disk[i].name, dev, len) == 0)
			return &s->disk[i];
	if (s->ndisks >= VCN_VMSAMPLE_MAX_DISKS) {
		s->truncated |= VCN_VMSAMPLE_TRUNC_DISKS;
		return NULL;
	}
	memset(&s->disk[s->ndisks], 0, sizeof(s->disk[0]));
	memcpy(s->disk[s->ndisks].name, dev, len);
	s->disk[s->ndisks].name[len] = '\0';
	return &s->disk[s->ndisks++];
}

/* "MAJ:MIN" at the start of @p; returns its length or 0. */
static size_t devno_len(const char *p)
{
	const char *s = p;
	uint64_t v;

	if (!take_u64(&s, &v) || *s != ':')
		return 0;
	s++;
	if (!take_u64(&s, &v))
		return 0;
	return (size_t)(s - p);
}

/* One v1 blkio.throttle file: "MAJ:MIN Read|Write|Sync|Async|Discard|Total N"
 * lines and a final "Total N". Read/Write go to @rd/@wr of each device. */
static int read_blkio_file(const char *path, struct vcn_vmsample *s, size_t rd_off,
			   unsigned rd_bit, size_t wr_off, unsigned wr_bit)
{
	char buf[FILE_MAX];
	const char *line, *end;
	unsigned lineno = 0;
	int rc;

	rc = read_file(path, buf, sizeof(buf));
	if (rc < 0)
		goto cleanup;
	for (line = buf; *line; line = *end ? end + 1 : end) {
		struct vcn_vmsample_disk *d;
		const char *p, *op;
		size_t dlen, oplen;
		uint64_t v;

		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		lineno++;
		if (strncmp(line, "Total ", 6) == 0)
			continue;
		dlen = devno_len(line);
		if (!dlen || line[dlen] != ' ')
			goto malformed;
		op = line + dlen + 1;
		p = strchr(op, ' ');
		if (!p || p > end)
			goto malformed;
		oplen = (size_t)(p - op);
		p = skip_blanks(p);
		if (!take_u64(&p, &v) || p != end)
			goto malformed;
		d = disk_for(s, line, dlen);
		if (!d)
			continue;
		if (oplen == 4 && memcmp(op, "Read", 4) == 0) {
			*(uint64_t *)((char *)d + rd_off) = v;
			d->have |= rd_bit;
		} else if (oplen == 5 && memcmp(op, "Write", 5) == 0) {
			*(uint64_t *)((char *)d + wr_off) = v;
			d->have |= wr_bit;
		}
	}
	goto cleanup;

malformed:
	rc = -EINVAL;
	vcn_err("'%s': line %u: malformed, expected 'MAJ:MIN OP COUNT'", path, lineno);
cleanup:
	return rc;
}

/**
 * vcn_cgroup_read_blkio: v1 per-device bytes and requests from
 * blkio.throttle.io_service_bytes (@bytes_path) and blkio.throttle.io_serviced
 * (@ios_path) into s->disk[], one entry per "MAJ:MIN" (read and write bytes
 * and requests; v1 has no flush or time counters). Returns 0, -ENOENT when
 * both are absent, or the first error (logged, naming the file).
 */
int vcn_cgroup_read_blkio(const char *bytes_path, const char *ios_path, struct vcn_vmsample *s)
{
	int rc, rc2;

	rc = read_blkio_file(bytes_path, s, offsetof(struct vcn_vmsample_disk, rd_bytes),
			     VCN_DISK_HAVE_RD_BYTES, offsetof(struct vcn_vmsample_disk, wr_bytes),
			     VCN_DISK_HAVE_WR_BYTES);
	rc2 = read_blkio_file(ios_path, s, offsetof(struct vcn_vmsample_disk, rd_reqs),
			      VCN_DISK_HAVE_RD_REQS, offsetof(struct vcn_vmsample_disk, wr_reqs),
			      VCN_DISK_HAVE_WR_REQS);
	if (rc == -ENOENT)
		return rc2;
	if (rc == 0 && rc2 != -ENOENT)
		return rc2;
	return rc;
}

/**
 * vcn_cgroup_read_iostat: v2 io.stat ("MAJ:MIN rbytes=N wbytes=N rios=N
 * wios=N dbytes=N dios=N") into s->disk[], one entry per device. Unknown
 * keys are skipped. Returns 0, -ENOENT (absent, not logged), -EINVAL
 * (malformed, logged with file and line) or another -errno.
 */
int vcn_cgroup_read_iostat(const char *path, struct vcn_vmsample *s)
{
	static const struct {
		const char *key;
		size_t off;
		unsigned bit;
	} keys[] = {
		{ "rbytes", offsetof(struct vcn_vmsample_disk, rd_bytes), VCN_DISK_HAVE_RD_BYTES },
		{ "wbytes", offsetof(struct vcn_vmsample_disk, wr_bytes), VCN_DISK_HAVE_WR_BYTES },
		{ "rios", offsetof(struct vcn_vmsample_disk, rd_reqs), VCN_DISK_HAVE_RD_REQS },
		{ "wios", offsetof(struct vcn_vmsample_disk, wr_reqs), VCN_DISK_HAVE_WR_REQS },
	};
	char buf[FILE_MAX];
	const char *line, *end;
	unsigned lineno = 0, i;
	int rc;

	rc = read_file(path, buf, sizeof(buf));
	if (rc < 0)
		goto cleanup;
	for (line = buf; *line; line = *end ? end + 1 : end) {
		struct vcn_vmsample_disk *d;
		const char *p;
		size_t dlen;

		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		lineno++;
		dlen = devno_len(line);
		if (!dlen || (line[dlen] != ' ' && line + dlen != end))
			goto malformed;
		d = disk_for(s, line, dlen);
		for (p = skip_blanks(line + dlen); p < end; p = skip_blanks(p)) {
			const char *eq = memchr(p, '=', (size_t)(end - p));
			uint64_t v;

			if (!eq)
				goto malformed;
			for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
				if (strlen(keys[i].key) == (size_t)(eq - p) &&
				    memcmp(keys[i].key, p, (size_t)(eq - p)) == 0)
					break;
			p = eq + 1;
			if (!take_u64(&p, &v) || (p != end && *p != ' '))
				goto malformed;
			if (d && i < sizeof(keys) / sizeof(keys[0])) {
				*(uint64_t *)((char *)d + keys[i].off) = v;
				d->have |= keys[i].bit;
			}
		}
	}
	goto cleanup;

malformed:
	rc = -EINVAL;
	vcn_err("'%s': line %u: malformed, expected 'MAJ:MIN key=value...'", path, lineno);
cleanup:
	return rc;
}

/**
 * vcn_cgroup_read_schedstat: sum /proc/TID/schedstat over the thread IDs
 * listed in @tasks_path (v1 "tasks", v2 "cgroup.threads"): *run_ns is time
 * on a CPU, *delay_ns time runnable but waiting for one (a vCPU's steal).
 * A thread that exits meanwhile is skipped. Returns 0, -ENOENT when
 * @tasks_path is absent or lists no thread that could be read, -EINVAL on
 * malformed content (logged), or another -errno.
 */
int vcn_cgroup_read_schedstat(const char *proc_root, const char *tasks_path,
			      uint64_t *run_ns, uint64_t *delay_ns)
{
	char tasks[4096], path[VCN_CGROUP_PATH_MAX], stat[128];
	const char *p;
	unsigned nread = 0;
	int rc;

	*run_ns = *delay_ns = 0;
	rc = read_file(tasks_path, tasks, sizeof(tasks));
	if (rc < 0)
		goto cleanup;
	for (p = tasks; *p; ) {
		uint64_t tid, run, delay;
		const char *q = stat;

		if (*p == '\n') {
			p++;
			continue;
		}
		if (!take_u64(&p, &tid) || (*p != '\n' && *p != '\0')) {
			rc = -EINVAL;
			vcn_err("'%s': malformed thread ID list", tasks_path);
			goto cleanup;
		}
		rc = path_fmt(path, sizeof(path), "%s/%llu/schedstat", proc_root,
			      (unsigned long long)tid);
		if (rc < 0)
			goto cleanup;
		rc = read_file(path, stat, sizeof(stat));
		if (rc == -ENOENT || rc == -ESRCH) {
			rc = 0;
			continue;
		}
		if (rc < 0)
			goto cleanup;
		if (!take_u64(&q, &run) || *q != ' ' || (q++, !take_u64(&q, &delay))) {
			rc = -EINVAL;
			vcn_err("'%s': malformed, expected 'RUN_NS WAIT_NS SLICES'", path);
			goto cleanup;
		}
		*run_ns += run;
		*delay_ns += delay;
		nread++;
	}
	if (!nread)
		rc = -ENOENT;

cleanup:
	return rc;
}

/**
 * vcn_cgroup_machine_name: libvirt 9.0's machine name for a qemu domain,
 * "qemu-ID-NAME" with NAME reduced to letters, digits and single '-'/'.'
 * separators, cut at 64 characters, no trailing '-' or '.'.
 * Returns 0, or -ENAMETOOLONG when @out is too small, -EINVAL on bad input.
 */
int vcn_cgroup_machine_name(int id, const char *name, char *out, size_t size)
{
	size_t len;
	bool sep = true;
	const char *c;

	if (!name || id < 0 || path_fmt(out, size, "qemu-%d-", id) < 0)
		return !name || id < 0 ? -EINVAL : -ENAMETOOLONG;
	len = strlen(out);
	for (c = name; *c && len < 64; c++) {
		bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9');

		if (*c == '-' || *c == '.') {
			if (sep)
				continue;
			sep = true;
		} else if (alnum) {
			sep = false;
		} else {
			continue;
		}
		if (len + 1 >= size)
			return -ENAMETOOLONG;
		out[len++] = *c;
		out[len] = '\0';
	}
	while (len > 0 && (out[len - 1] == '-' || out[len - 1] == '.'))
		out[--len] = '\0';
	return 0;
}

/* systemd unit-name escaping as libvirt applies it: '/' becomes '-', '-'
 * and anything outside [A-Za-z0-9:_.\\] becomes \xHH, a leading '.' too. */
static int sd_escape(const char *in, char *out, size_t size, size_t *len)
{
	static const char hex[] = "0123456789abcdef";
	const char *c;

	for (c = in; *c; c++) {
		unsigned char u = (unsigned char)*c;
		bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
			     (u >= '0' && u <= '9') || u == ':' || u == '_' || u == '\\' ||
			     (u == '.' && c != in);

		if (u == '/') {
			if (*len + 1 >= size)
				return -ENAMETOOLONG;
			out[(*len)++] = '-';
		} else if (plain) {
			if (*len + 1 >= size)
				return -ENAMETOOLONG;
			out[(*len)++] = (char)u;
		} else {
			if (*len + 4 >= size)
				return -ENAMETOOLONG;
			out[(*len)++] = '\\';
			out[(*len)++] = 'x';
			out[(*len)++] = hex[u >> 4];
			out[(*len)++] = hex[u & 15];
		}
		out[*len] = '\0';
	}
	return 0;
}

/**
 * vcn_cgroup_scope_name: the systemd scope libvirt asks machined for,
 * "machine-qemu\x2dID\x2dNAME.scope" (NAME as vcn_cgroup_machine_name).
 * Returns 0, -ENAMETOOLONG or -EINVAL.
 */
int vcn_cgroup_scope_name(int id, const char *name, char *out, size_t size)
{
	char machine[96];
	size_t len = 0;
	int rc;

	rc = vcn_cgroup_machine_name(id, name, machine, sizeof(machine));
	if (rc < 0)
		return rc;
	if (path_fmt(out, size, "machine-") < 0)
		return -ENAMETOOLONG;
	len = strlen(out);
	rc = sd_escape(machine, out, size, &len);
	if (rc < 0)
		return rc;
	return path_fmt(out + len, size - len, ".scope");
}

/* libvirt's directory for a partition without systemd: "/machine/vo-a" is
 * "machine/vo-a.partition" (top-level machine/system/user stay bare). */
static int partition_dir(const char *partition, char *out, size_t size)
{
	const char *c = partition, *end;
	size_t len = 0;
	bool first = true;

	out[0] = '\0';
	while (*c) {
		size_t n;
		bool dot;

		while (*c == '/')
			c++;
		if (!*c)
			break;
		end = strchr(c, '/');
		if (!end)
			end = c + strlen(c);
		n = (size_t)(end - c);
		dot = memchr(c, '.', n) != NULL;
		if (first && ((n == 7 && !memcmp(c, "machine", 7)) || (n == 6 && !memcmp(c, "system", 6)) ||
			      (n == 4 && !memcmp(c, "user", 4))))
			dot = true;
		if (path_fmt(out + len, size - len, "%s%.*s%s", len ? "/" : "", (int)n, c,
			     dot ? "" : ".partition") < 0)
			return -ENAMETOOLONG;
		len += strlen(out + len);
		first = false;
		c = end;
	}
	return len ? 0 : -EINVAL;
}

/* systemd's nested slices for a partition: "/machine/vo-a" is
 * "machine.slice/machine-vo\x2da.slice". */
static int slice_dir(const char *partition, char *out, size_t size)
{
	char prefix[VCN_CGROUP_PATH_MAX] = "";
	size_t len = 0, plen = 0;
	const char *c = partition, *end;
	char comp[128];
	int rc;

	out[0] = '\0';
	while (*c) {
		while (*c == '/')
			c++;
		if (!*c)
			break;
		end = strchr(c, '/');
		if (!end)
			end = c + strlen(c);
		if (path_fmt(comp, sizeof(comp), "%.*s", (int)(end - c), c) < 0)
			return -ENAMETOOLONG;
		if (plen && path_fmt(prefix + plen, sizeof(prefix) - plen, "-") < 0)
			return -ENAMETOOLONG;
		plen = strlen(prefix);
		rc = sd_escape(comp, prefix, sizeof(prefix), &plen);
		if (rc < 0)
			return rc;
		if (path_fmt(out + len, size - len, "%s%s.slice", len ? "/" : "", prefix) < 0)
			return -ENAMETOOLONG;
		len += strlen(out + len);
		c = end;
	}
	return len ? 0 : -EINVAL;
}

/* First existing of BASE/SLICE/SCOPE/libvirt, BASE/SLICE/SCOPE and
 * BASE/PART/GROUP into @out; which one in *@layout. */
static bool find_group(const char *base, const char *slice, const char *scope,
		       const char *part, const char *group, char *out,
		       enum vcn_cgroup_layout *layout)
{
	if (path_fmt(out, VCN_CGROUP_PATH_MAX, "%s/%s/%s/libvirt", base, slice, scope) == 0 &&
	    is_dir(out)) {
		*layout = VCN_CGROUP_V2_SYSTEMD;
		return true;
	}
	if (path_fmt(out, VCN_CGROUP_PATH_MAX, "%s/%s/%s", base, slice, scope) == 0 && is_dir(out)) {
		*layout = VCN_CGROUP_V2_SYSTEMD;
		return true;
	}
	if (path_fmt(out, VCN_CGROUP_PATH_MAX, "%s/%s/%s", base, part, group) == 0 && is_dir(out)) {
		*layout = VCN_CGROUP_V2_DIRECT;
		return true;
	}
	out[0] = '\0';
	return false;
}

/**
 * vcn_cgroup_locate: find domain @id/@name's cgroups under @root.
 * @root: the cgroup mount root ("/sys/fs/cgroup")
 * @partition: libvirt's <resource><partition>, NULL for "/machine"
 * @vm: filled; v2 when @root/cgroup.controllers exists (unified only), else
 *     v1 with each controller's group and, on hybrid hosts, @root/unified's
 * Tries the systemd names (machine.slice/machine-qemu\x2dID\x2dNAME.scope,
 * with or without libvirt's "libvirt" child) and the direct ones
 * (machine/qemu-ID-NAME.libvirt-qemu) in each hierarchy.
 * Returns 0, -ENOENT when no group of the domain exists (not logged: the
 * domain may just have stopped), or -EINVAL/-ENAMETOOLONG for bad names.
 */
int vcn_cgroup_locate(const char *root, const char *partition, int id, const char *name,
		      struct vcn_cgroup_vm *vm)
{
	static const struct {
		const char *ctrl;
		size_t off;
	} v1[] = {
		{ "cpuacct", offsetof(struct vcn_cgroup_vm, cpuacct) },
		{ "cpu", offsetof(struct vcn_cgroup_vm, cpu) },
		{ "blkio", offsetof(struct vcn_cgroup_vm, blkio) },
		{ "memory", offsetof(struct vcn_cgroup_vm, memory) },
		{ "unified", offsetof(struct vcn_cgroup_vm, unified) },
	};
	char machine[96], group[128], scope[256], part[256], slice[512], base[VCN_CGROUP_PATH_MAX];
	enum vcn_cgroup_layout layout = VCN_CGROUP_V1;
	bool any = false;
	size_t i;
	int rc;

	if (!root || !vm)
		return -EINVAL;
	memset(vm, 0, sizeof(*vm));
	if (!partition)
		partition = "/machine";
	rc = vcn_cgroup_machine_name(id, name, machine, sizeof(machine));
	if (rc == 0)
		rc = path_fmt(group, sizeof(group), "%s.libvirt-qemu", machine);
	if (rc == 0)
		rc = vcn_cgroup_scope_name(id, name, scope, sizeof(scope));
	if (rc == 0)
		rc = partition_dir(partition, part, sizeof(part));
	if (rc == 0)
		rc = slice_dir(partition, slice, sizeof(slice));
	if (rc < 0)
		goto cleanup;

	rc = path_fmt(base, sizeof(base), "%s/cgroup.controllers", root);
	if (rc < 0)
		goto cleanup;
	if (access(base, F_OK) == 0) {
		if (!find_group(root, slice, scope, part, group, vm->unified, &vm->layout))
			rc = -ENOENT;
		goto cleanup;
	}
	for (i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
		char *out = (char *)vm + v1[i].off;

		rc = path_fmt(base, sizeof(base), "%s/%s", root, v1[i].ctrl);
		if (rc < 0)
			goto cleanup;
		if (find_group(base, slice, scope, part, group, out, &layout))
			any = true;
	}
	vm->layout = VCN_CGROUP_V1;
	rc = any ? 0 : -ENOENT;

cleanup:
	return rc;
}

/* Keep the first real error; -ENOENT (an absent file) is no error here. */
static void keep_err(int *first, int rc)
{
	if (rc < 0 && rc != -ENOENT && *first == 0)
		*first = rc;
}

static void read_cpu(const struct vcn_cgroup_vm *vm, struct vcn_vmsample *s, int *err)
{
	char path[VCN_CGROUP_PATH_MAX];
	uint64_t v;
	long tck = sysconf(_SC_CLK_TCK);
	int rc;

	if (vm->cpuacct[0]) {
		struct vcn_cgroup_key k[] = { { "user", 0, 0 }, { "system", 0, 0 } };

		if (path_fmt(path, sizeof(path), "%s/cpuacct.usage", vm->cpuacct) == 0) {
			rc = vcn_cgroup_read_u64(path, &v);
			keep_err(err, rc);
			if (rc == 0) {
				s->cpu_time_ns = v;
				s->have |= VCN_VMS_HAVE_CPU_TIME;
			}
		}
		if (tck > 0 && path_fmt(path, sizeof(path), "%s/cpuacct.stat", vm->cpuacct) == 0) {
			rc = vcn_cgroup_read_keys(path, k, 2);
			keep_err(err, rc);
			if (rc == 0 && k[0].found) {
				s->cpu_user_ns = k[0].value * (1000000000u / (uint64_t)tck);
				s->have |= VCN_VMS_HAVE_CPU_USER;
			}
			if (rc == 0 && k[1].found) {
				s->cpu_system_ns = k[1].value * (1000000000u / (uint64_t)tck);
				s->have |= VCN_VMS_HAVE_CPU_SYSTEM;
			}
		}
	}
	if (!(s->have & VCN_VMS_HAVE_CPU_TIME) && vm->unified[0]) {
		struct vcn_cgroup_key k[] = {
			{ "usage_usec", 0, 0 }, { "user_usec", 0, 0 }, { "system_usec", 0, 0 },
		};

		if (path_fmt(path, sizeof(path), "%s/cpu.stat", vm->unified) == 0) {
			rc = vcn_cgroup_read_keys(path, k, 3);
			keep_err(err, rc);
			if (rc == 0 && k[0].found) {
				s->cpu_time_ns = k[0].value * 1000u;
				s->have |= VCN_VMS_HAVE_CPU_TIME;
			}
			if (rc == 0 && k[1].found) {
				s->cpu_user_ns = k[1].value * 1000u;
				s->have |= VCN_VMS_HAVE_CPU_USER;
			}
			if (rc == 0 && k[2].found) {
				s->cpu_system_ns = k[2].value * 1000u;
				s->have |= VCN_VMS_HAVE_CPU_SYSTEM;
			}
		}
	}
}

/* The file listing vCPU @n's threads: v1 cpu/vcpuN/tasks (libvirt always
 * has the cpu controller), else the v2 group's vcpuN/cgroup.threads, else
 * cpuacct/vcpuN/tasks. */
static int vcpu_tasks(const struct vcn_cgroup_vm *vm, unsigned n, char *out, size_t size)
{
	char dir[VCN_CGROUP_PATH_MAX];

	if (vm->cpu[0] && path_fmt(dir, sizeof(dir), "%s/vcpu%u", vm->cpu, n) == 0 && is_dir(dir))
		return path_fmt(out, size, "%s/tasks", dir);
	if (vm->unified[0])
		return path_fmt(out, size, "%s/vcpu%u/cgroup.threads", vm->unified, n);
	if (vm->cpuacct[0])
		return path_fmt(out, size, "%s/vcpu%u/tasks", vm->cpuacct, n);
	return -ENOENT;
}

/* Per vCPU: time from cpuacct (v1) or cpu.stat (v2/hybrid) of vcpuN, run-queue
 * delay from the schedstat of its threads when @proc_root is given. */
static void read_vcpus(const struct vcn_cgroup_vm *vm, const char *proc_root,
		       struct vcn_vmsample *s, int *err)
{
	char dir[VCN_CGROUP_PATH_MAX], path[VCN_CGROUP_PATH_MAX];
	const char *base;
	bool v1acct;
	unsigned n;
	int rc;

	v1acct = vm->cpuacct[0] && path_fmt(dir, sizeof(dir), "%s/vcpu0", vm->cpuacct) == 0 &&
		 is_dir(dir);
	base = v1acct ? vm->cpuacct : vm->unified;
	if (!base[0] && vm->cpu[0])
		base = vm->cpu; /* no time source: threads' schedstat still gives it */
	if (!base[0])
		return;
	for (n = 0;; n++) {
		struct vcn_vmsample_vcpu *v;
		uint64_t run, delay;

		if (path_fmt(dir, sizeof(dir), "%s/vcpu%u", base, n) < 0 || !is_dir(dir))
			break;
		if (n >= VCN_VMSAMPLE_MAX_VCPUS) {
			s->truncated |= VCN_VMSAMPLE_TRUNC_VCPUS;
			break;
		}
		v = &s->vcpu[n];
		memset(v, 0, sizeof(*v));
		if (v1acct) {
			if (path_fmt(path, sizeof(path), "%s/cpuacct.usage", dir) == 0) {
				rc = vcn_cgroup_read_u64(path, &v->time_ns);
				keep_err(err, rc);
				if (rc == 0)
					v->have |= VCN_VCPU_HAVE_TIME;
			}
		} else if (base == vm->unified) {
			struct vcn_cgroup_key k = { "usage_usec", 0, 0 };

			if (path_fmt(path, sizeof(path), "%s/cpu.stat", dir) == 0) {
				rc = vcn_cgroup_read_keys(path, &k, 1);
				keep_err(err, rc);
				if (rc == 0 && k.found) {
					v->time_ns = k.value * 1000u;
					v->have |= VCN_VCPU_HAVE_TIME;
				}
			}
		}
		if (proc_root) {
			rc = vcpu_tasks(vm, n, path, sizeof(path));
			if (rc == 0)
				rc = vcn_cgroup_read_schedstat(proc_root, path, &run, &delay);
			keep_err(err, rc);
			if (rc == 0) {
				v->delay_ns = delay;
				v->have |= VCN_VCPU_HAVE_DELAY;
				if (!(v->have & VCN_VCPU_HAVE_TIME)) {
					v->time_ns = run;
					v->have |= VCN_VCPU_HAVE_TIME;
				}
			}
		}
		s->nvcpus = n + 1;
	}
	if (s->nvcpus) {
		s->vcpus_current = s->nvcpus;
		s->have |= VCN_VMS_HAVE_VCPUS;
	}
}

/**
 * vcn_cgroup_read: one domain's counters from the groups in @vm.
 * @vm: from vcn_cgroup_locate
 * @proc_root: "/proc" for per-vCPU run-queue delay (and per-vCPU time when no
 *     cgroup has it) from each vCPU thread's schedstat; NULL skips it
 * @s: reset and named by the caller (name, uuid, id); gets source
 *     VCN_VMSAMPLE_SRC_CGROUP, t_ns, and what the files provide: cpu
 *     total/user/system, per-vCPU time (and delay), per-device disk bytes and
 *     requests named "MAJ:MIN", and rss_kib = the memory cgroup's charge
 *     (memory.usage_in_bytes / memory.current: qemu's RSS plus its page
 *     cache). No balloon, state, wait, flush or disk time: cgroups lack them.
 * Absent files leave their fields absent. Returns 0, -ENOENT when @vm names
 * no group, or the first error met (each logged once, naming its file) after
 * reading everything else it could.
 */
int vcn_cgroup_read(const struct vcn_cgroup_vm *vm, const char *proc_root,
		    struct vcn_vmsample *s)
{
	char path[VCN_CGROUP_PATH_MAX], path2[VCN_CGROUP_PATH_MAX];
	struct timespec ts;
	uint64_t v;
	int err = 0, rc;

	if (!vm || !s)
		return -EINVAL;
	if (!vm->cpuacct[0] && !vm->cpu[0] && !vm->blkio[0] && !vm->memory[0] && !vm->unified[0])
		return -ENOENT;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->t_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	s->source = VCN_VMSAMPLE_SRC_CGROUP;

	read_cpu(vm, s, &err);
	read_vcpus(vm, proc_root, s, &err);

	s->ndisks = 0;
	if (vm->layout == VCN_CGROUP_V1 && vm->blkio[0]) {
		if (path_fmt(path, sizeof(path), "%s/blkio.throttle.io_service_bytes", vm->blkio) == 0 &&
		    path_fmt(path2, sizeof(path2), "%s/blkio.throttle.io_serviced", vm->blkio) == 0)
			keep_err(&err, vcn_cgroup_read_blkio(path, path2, s));
	} else if (vm->layout != VCN_CGROUP_V1 && vm->unified[0]) {
		if (path_fmt(path, sizeof(path), "%s/io.stat", vm->unified) == 0)
			keep_err(&err, vcn_cgroup_read_iostat(path, s));
	}

	rc = -ENOENT;
	if (vm->layout == VCN_CGROUP_V1 && vm->memory[0]) {
		if (path_fmt(path, sizeof(path), "%s/memory.usage_in_bytes", vm->memory) == 0)
			rc = vcn_cgroup_read_u64(path, &v);
	} else if (vm->layout != VCN_CGROUP_V1 && vm->unified[0]) {
		if (path_fmt(path, sizeof(path), "%s/memory.current", vm->unified) == 0)
			rc = vcn_cgroup_read_u64(path, &v);
	}
	keep_err(&err, rc);
	if (rc == 0) {
		s->rss_kib = v / 1024;
		s->have |= VCN_VMS_HAVE_RSS;
	}
	return err;
}

/**
 * vcn_cgroup_read_tap: a host-side tap's counters from
 * @net_root/@tap/statistics/{rx,tx}_{bytes,packets,errors,dropped}
 * (@net_root is "/sys/class/net"), stored from the guest's point of view as
 * libvirt reports them: the tap's tx is the guest's rx and vice versa.
 * @nic is overwritten (name = @tap). Returns 0 when at least one counter was
 * read, -ENOENT when the tap is gone, or the first error (logged).
 */
int vcn_cgroup_read_tap(const char *net_root, const char *tap, struct vcn_vmsample_nic *nic)
{
	static const struct {
		const char *file;
		size_t off;
		unsigned bit;
	} stats[] = {
		/* host tx = guest rx */
		{ "tx_bytes", offsetof(struct vcn_vmsample_nic, rx_bytes), VCN_NIC_HAVE_RX_BYTES },
		{ "tx_packets", offsetof(struct vcn_vmsample_nic, rx_pkts), VCN_NIC_HAVE_RX_PKTS },
		{ "tx_errors", offsetof(struct vcn_vmsample_nic, rx_errs), VCN_NIC_HAVE_RX_ERRS },
		{ "tx_dropped", offsetof(struct vcn_vmsample_nic, rx_drop), VCN_NIC_HAVE_RX_DROP },
		{ "rx_bytes", offsetof(struct vcn_vmsample_nic, tx_bytes), VCN_NIC_HAVE_TX_BYTES },
		{ "rx_packets", offsetof(struct vcn_vmsample_nic, tx_pkts), VCN_NIC_HAVE_TX_PKTS },
		{ "rx_errors", offsetof(struct vcn_vmsample_nic, tx_errs), VCN_NIC_HAVE_TX_ERRS },
		{ "rx_dropped", offsetof(struct vcn_vmsample_nic, tx_drop), VCN_NIC_HAVE_TX_DROP },
	};
	char path[VCN_CGROUP_PATH_MAX];
	int err = 0, rc;
	size_t i;
	uint64_t v;

	if (!net_root || !tap || !nic || !tap[0] || strchr(tap, '/'))
		return -EINVAL;
	memset(nic, 0, sizeof(*nic));
	snprintf(nic->name, sizeof(nic->name), "%s", tap);
	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		rc = path_fmt(path, sizeof(path), "%s/%s/statistics/%s", net_root, tap, stats[i].file);
		if (rc == 0)
			rc = vcn_cgroup_read_u64(path, &v);
		keep_err(&err, rc);
		if (rc == 0) {
			*(uint64_t *)((char *)nic + stats[i].off) = v;
			nic->have |= stats[i].bit;
		}
	}
	if (err)
		return err;
	return nic->have ? 0 : -ENOENT;
}
