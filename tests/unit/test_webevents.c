/* lib/webevents.c: events appended to a ganglia-web events.json stay a
 * valid array (checked with php's own json_decode when php is there, else
 * by the splitter), others' events are kept, the oldest go beyond the cap,
 * host_regex names the VCN and its host, a file that is not an array is
 * left alone; the audit hook turns the wanted actions into events. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "harness.h"
#include "webevents.h"

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static size_t count(const char *path)
{
	char *t = vcn_test_read_file(path);
	size_t *s = NULL, *e = NULL, n = 0;

	if (!t || vcn_webevents_split(t, strlen(t), &s, &e, &n) < 0)
		n = (size_t)-1;
	free(t);
	free(s);
	free(e);
	return n;
}

static void test_split(void)
{
	static const struct {
		const char *text;
		int rc;
		size_t n;
	} cases[] = {
		{ "", 0, 0 },
		{ " \n", 0, 0 },
		{ "[]", 0, 0 },
		{ " [ ] \n", 0, 0 },
		{ "[{\"a\":1}]", 0, 1 },
		{ "[{\"a\":\"],}\\\"[\"},{\"b\":[1,2,{\"c\":3}]} , 7 ,\"x\"]", 0, 4 },
		{ "{}\n", 0, 0 },
		{ " { } ", 0, 0 },
		{ "{\"a\":1}", -EINVAL, 0 },
		{ "{} x", -EINVAL, 0 },
		{ "[{\"a\":1}", -EINVAL, 0 },
		{ "[{\"a\":1},]", -EINVAL, 0 },
		{ "[1] x", -EINVAL, 0 },
		{ "[\"unterminated]", -EINVAL, 0 },
	};
	size_t i, *s, *e, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(vcn_webevents_split(cases[i].text, strlen(cases[i].text), &s, &e, &n), ==, cases[i].rc);
		CHECK_INT(n, ==, cases[i].n);
		free(s);
		free(e);
	}
	CHECK_INT(vcn_webevents_split("[{\"a\":1} , 22 ]", 15, &s, &e, &n), ==, 0);
	CHECK(n == 2 && s[0] == 1 && e[0] == 8 && s[1] == 11 && e[1] == 13);
	free(s);
	free(e);
}

static void test_append(void)
{
	char dir[64], path[96], cmd[256], *t;
	struct vcn_webevents w;
	struct stat st;
	int i;

	snprintf(dir, sizeof(dir), "/tmp/vcn-test-webevents-%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/events.json", dir);
	unlink(path);
	/* disabled: nothing written */
	CHECK_INT(vcn_webevents_init(&w, NULL, 0), ==, 0);
	CHECK_INT(vcn_webevents_append(&w, 100, "launch", "a", "b", "c"), ==, 0);
	CHECK(access(path, F_OK) != 0);
	vcn_webevents_free(&w);

	CHECK_INT(vcn_webevents_init(&w, path, 5), ==, 0);
	/* no file yet: created */
	CHECK_INT(vcn_webevents_append(&w, 1700000000, "launch", "physics-1", "hv.a", "VO physics, \"1\" vCPU"), ==, 0);
	t = vcn_test_read_file(path);
	CHECK(t && strstr(t, "\"start_time\":1700000000"));
	CHECK(t && strstr(t, "\"summary\":\"launch physics-1 on hv.a\""));
	CHECK(t && strstr(t, "\"description\":\"VO physics, \\\"1\\\" vCPU\""));
	/* slashes escaped (ganglia-web wraps the regex in /.../), dot quoted */
	CHECK(t && strstr(t, "\"host_regex\":\"\\\\/(physics-1|hv\\\\.a)\\\\/\""));
	free(t);
	/* someone else's events (ganglia-web's API writes one line) are kept, mode and all */
	spit(path, "[{\"event_id\":\"x1\",\"start_time\":5,\"summary\":\"deploy, [x]\",\"host_regex\":\"web\"}]");
	chmod(path, 0664);
	CHECK_INT(vcn_webevents_append(&w, 200, "reload", NULL, NULL, "/etc/vcn/vcnd.conf"), ==, 0);
	CHECK_INT(count(path), ==, 2);
	CHECK_INT(stat(path, &st), ==, 0);
	CHECK_INT(st.st_mode & 0777, ==, 0664);
	t = vcn_test_read_file(path);
	CHECK(t && strstr(t, "\"summary\":\"deploy, [x]\""));
	CHECK(t && strstr(t, "\"summary\":\"reload\"") && strstr(t, "\"host_regex\":\".\""));
	free(t);
	/* capped at 5: the oldest go first */
	for (i = 0; i < 6; i++)
		CHECK_INT(vcn_webevents_append(&w, 300 + i, "scale", NULL, NULL, "VO bio"), ==, 0);
	CHECK_INT(count(path), ==, 5);
	t = vcn_test_read_file(path);
	CHECK(t && !strstr(t, "x1") && !strstr(t, "\"start_time\":300,") && strstr(t, "\"start_time\":305,"));
	free(t);
	if (system("command -v php >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd),
			 "php -r '$a = json_decode(file_get_contents(\"%s\"), true); exit(is_array($a) && count($a) == 5 ? 0 : 1);'",
			 path);
		CHECK_INT(system(cmd), ==, 0);
	}
	/* not an array: left alone */
	spit(path, "{\"not\":\"ours\"}");
	CHECK_INT(vcn_webevents_append(&w, 400, "launch", "x", NULL, ""), ==, -EINVAL);
	t = vcn_test_read_file(path);
	CHECK_STR(t, "{\"not\":\"ours\"}");
	free(t);
	vcn_webevents_free(&w);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), ==, 0);
}

static void hook(void *opaque, time_t when, const char *action, const char *vcn, const char *host,
		 const char *detail)
{
	if (vcn_webevents_wanted(action))
		vcn_webevents_append(opaque, when, action, vcn, host, detail);
}

static void test_audit_hook(void)
{
	char audit[80], path[80], *t;
	struct vcn_webevents w;
	struct vcn_audit a = { .fd = -1 };

	snprintf(audit, sizeof(audit), "/tmp/vcn-test-webevents-audit-%d", (int)getpid());
	snprintf(path, sizeof(path), "/tmp/vcn-test-webevents-hook-%d.json", (int)getpid());
	unlink(path);
	CHECK_INT(vcn_webevents_init(&w, path, 0), ==, 0);
	CHECK_INT(vcn_audit_open(&a, audit), ==, 0);
	a.hook = hook;
	a.hook_opaque = &w;
	vcn_audit_log(&a, "launch", "bio-1", "h1", "VO bio");
	vcn_audit_log(&a, "ready", "bio-1", "h1", "in 4.2 s");
	vcn_audit_log(&a, "limit", "bio-1", "h1", "cpu_shares 2048");
	vcn_audit_log(&a, "migrate", "bio-1", "h2", "from h1");
	vcn_audit_log(&a, "scale", NULL, NULL, "VO bio: desired 2");
	CHECK_INT(count(path), ==, 3);
	t = vcn_test_read_file(path);
	CHECK(t && strstr(t, "\"summary\":\"migrate bio-1 on h2\"") && strstr(t, "\"description\":\"from h1\""));
	CHECK(t && !strstr(t, "ready") && !strstr(t, "cpu_shares"));
	free(t);
	CHECK(vcn_webevents_wanted("destroy") && vcn_webevents_wanted("drain") && !vcn_webevents_wanted("adopt"));
	CHECK(!vcn_webevents_wanted(NULL));
	/* the cluster's actions (issue 5) */
	CHECK(vcn_webevents_wanted("host-down") && vcn_webevents_wanted("relaunch") &&
	      vcn_webevents_wanted("duplicate-resolved") && vcn_webevents_wanted("migrate-failed"));
	CHECK(!vcn_webevents_wanted("limit") && !vcn_webevents_wanted("ready"));
	vcn_audit_close(&a);
	vcn_webevents_free(&w);
	unlink(audit);
	unlink(path);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_split),
		VCN_TEST(test_append),
		VCN_TEST(test_audit_hook),
		{ NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
