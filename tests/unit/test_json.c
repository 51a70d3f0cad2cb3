/* lib/json.c: structure, commas, escaping of hostile strings, numbers. */
#include <config.h>

#include <math.h>

#include "harness.h"
#include "json.h"

static void test_nested(void)
{
	struct vcn_json j;

	vcn_json_init(&j);
	vcn_json_obj_begin(&j);
	vcn_json_kstr(&j, "vo", "physics");
	vcn_json_key(&j, "vcns");
	vcn_json_arr_begin(&j);
	vcn_json_obj_begin(&j);
	vcn_json_kstr(&j, "name", "physics-1");
	vcn_json_kint(&j, "vcpus", 2);
	vcn_json_kdouble(&j, "ready_s", 4.25);
	vcn_json_kbool(&j, "pinned", true);
	vcn_json_obj_end(&j);
	vcn_json_int(&j, -3);
	vcn_json_null(&j);
	vcn_json_arr_end(&j);
	vcn_json_obj_end(&j);
	CHECK_STR(vcn_json_result(&j),
		  "{\"vo\":\"physics\",\"vcns\":[{\"name\":\"physics-1\",\"vcpus\":2,\"ready_s\":4.25,\"pinned\":true},-3,null]}");
	vcn_json_free(&j);
}

static void test_escaping(void)
{
	struct vcn_json j;

	vcn_json_init(&j);
	vcn_json_str(&j, "a\"b\\c\nd\t\x01 \xc3\xa9 \xff end");
	CHECK_STR(vcn_json_result(&j), "\"a\\\"b\\\\c\\u000ad\\u0009\\u0001 \xc3\xa9 \\ufffd end\"");
	vcn_json_reset(&j);
	vcn_json_str(&j, "</script><b>");
	CHECK_STR(vcn_json_result(&j), "\"</script><b>\"");
	vcn_json_free(&j);
}

static void test_numbers(void)
{
	struct vcn_json j;

	vcn_json_init(&j);
	vcn_json_arr_begin(&j);
	vcn_json_double(&j, NAN);
	vcn_json_double(&j, INFINITY);
	vcn_json_double(&j, 0.1);
	vcn_json_uint(&j, 18446744073709551615ULL);
	vcn_json_arr_end(&j);
	CHECK_STR(vcn_json_result(&j), "[null,null,0.1,18446744073709551615]");
	vcn_json_free(&j);
}

static void test_errors(void)
{
	struct vcn_json j;
	int i;

	vcn_json_init(&j);
	vcn_json_obj_end(&j); /* unbalanced */
	CHECK(vcn_json_result(&j) == NULL);
	vcn_json_free(&j);
	for (i = 0; i < 20; i++)
		vcn_json_arr_begin(&j);
	CHECK(vcn_json_result(&j) == NULL); /* too deep */
	vcn_json_free(&j);
	vcn_json_free(NULL);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_nested), VCN_TEST(test_escaping), VCN_TEST(test_numbers),
		VCN_TEST(test_errors), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
