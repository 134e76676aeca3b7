/*  Unit tests of br_lvm: lvm2's JSON reports (samples in tests/data/lvm, in
    the "json" format lvm2 prints and in "json_std"; real_*.json captured in
    the vm_devices guest) parsed into rows, and
    everything that is not that shape refused; name checks. */
#include "br_lvm.h"
#include "testutil.h"

#define DATA BRINE_SOURCE_DIR "/tests/data/lvm/"

//  Parses a sample file; NULL (and a failure) when it does not parse
static br_value_t *
s_parse_file(const char *name, br_lvm_kind_t kind)
{
    char path[512];
    snprintf(path, sizeof path, DATA "%s", name);
    zfile_t *file = zfile_new(NULL, path);
    zchunk_t *chunk = file && zfile_input(file) == 0 ? zfile_read(file, 1 << 20, 0) : NULL;
    br_value_t *rows = NULL;
    br_errmsg_t err = {{0}};
    if (!chunk) {
        fprintf(stderr, "cannot read %s\n", path);
        test_failures++;
    } else if (br_lvm_parse_report((const char *)zchunk_data(chunk), zchunk_size(chunk), kind,
                                   &rows, &err) != BR_OK) {
        fprintf(stderr, "%s: %s\n", name, err.text);
        test_failures++;
    }
    zchunk_destroy(&chunk);
    zfile_destroy(&file);
    return rows;
}

static void
test_samples(void)
{
    br_value_t *pvs = s_parse_file("pvs.json", BR_LVM_PV);
    CHECK_EQ_INT(br_value_list_size(pvs), 3);
    const br_value_t *pv = br_lvm_find(pvs, "pv_name", "/dev/vdb");
    CHECK(pv != NULL);
    CHECK_STR(br_lvm_field(pv, "vg_name"), "");
    CHECK_STR(br_lvm_field(pv, "pv_size"), "33554432");
    CHECK_STR(br_lvm_field(pv, "no_such_field"), "");
    //  By path when the device does not exist here
    pv = br_lvm_find_pv(pvs, "/dev/mapper/my data");
    CHECK(pv && strcmp(br_lvm_field(pv, "vg_name"), "other") == 0);
    CHECK(br_lvm_find_pv(pvs, "/dev/nothere") == NULL);
    br_value_destroy(&pvs);

    br_value_t *vgs = s_parse_file("vgs.json", BR_LVM_VG);
    const br_value_t *vg = br_lvm_find(vgs, "vg_name", "brvg");
    CHECK(vg && strcmp(br_lvm_field(vg, "lv_count"), "2") == 0);
    CHECK(br_lvm_find(vgs, "vg_name", "other") == NULL);
    br_value_destroy(&vgs);

    br_value_t *lvs = s_parse_file("lvs.json", BR_LVM_LV);
    CHECK_EQ_INT(br_value_list_size(lvs), 2);
    CHECK_STR(br_lvm_field(br_value_list_at(lvs, 1), "lv_path"), "/dev/brvg/logs");
    br_value_destroy(&lvs);

    //  json_std: numbers become text; the "log" section is ignored
    vgs = s_parse_file("vgs_std.json", BR_LVM_VG);
    vg = br_lvm_find(vgs, "vg_name", "brvg");
    CHECK(vg && strcmp(br_lvm_field(vg, "lv_count"), "0") == 0);
    CHECK(vg && strcmp(br_lvm_field(vg, "vg_free"), "62914560") == 0);
    br_value_destroy(&vgs);

    //  Captured from lvm2 2.03.16 in the vm_devices guest (default fields)
    pvs = s_parse_file("real_pvs.json", BR_LVM_PV);
    pv = br_lvm_find(pvs, "pv_name", "/dev/vda");
    CHECK(pv && strcmp(br_lvm_field(pv, "vg_name"), "brvg") == 0);
    CHECK(pv && strcmp(br_lvm_field(pv, "pv_attr"), "a--") == 0);
    br_value_destroy(&pvs);
    vgs = s_parse_file("real_vgs.json", BR_LVM_VG);
    vg = br_lvm_find(vgs, "vg_name", "brvg");
    CHECK(vg && strcmp(br_lvm_field(vg, "lv_count"), "1") == 0);
    br_value_destroy(&vgs);
    lvs = s_parse_file("real_lvs.json", BR_LVM_LV);
    CHECK(lvs && br_value_list_size(lvs) == 1);
    CHECK(lvs && strcmp(br_lvm_field(br_value_list_at(lvs, 0), "lv_size"), "41943040") == 0);
    br_value_destroy(&lvs);

    br_value_t *none = s_parse_file("empty.json", BR_LVM_PV);
    CHECK(none && br_value_list_size(none) == 0);
    br_value_destroy(&none);
    //  A report of another kind has no rows of this one
    none = s_parse_file("vgs.json", BR_LVM_PV);
    CHECK(none && br_value_list_size(none) == 0);
    br_value_destroy(&none);
}

static void
test_malformed(void)
{
    static const char *const bad[] = {
        "",
        "not json",
        "[1, 2]",
        "{\"report\": 5}",
        "{\"nothing\": []}",
        "{\"report\": [7]}",
        "{\"report\": [{\"pv\": {}}]}",
        "{\"report\": [{\"pv\": [5]}]}",
        "{\"report\": [{\"pv\": [{\"pv_name\": {\"nested\": 1}}]}]}",
        "{\"report\": [{\"pv\": [{\"pv_name\": [\"a\"]}]}]}",
        "{\"report\": [{\"pv\": [{\"pv_name\": \"/dev/vda\"",
        NULL,
    };
    for (size_t i = 0; bad[i]; i++) {
        br_value_t *rows = NULL;
        br_errmsg_t err = {{0}};
        int rc = br_lvm_parse_report(bad[i], strlen(bad[i]), BR_LVM_PV, &rows, &err);
        if (rc == BR_OK || rows != NULL || strncmp(err.text, "lvm report:", 11) != 0) {
            fprintf(stderr, "malformed sample %zu was accepted (rc %d, '%s')\n", i, rc, err.text);
            test_failures++;
        }
        br_value_destroy(&rows);
    }
    //  Bounded: more than the output limit is refused before parsing
    br_value_t *rows = NULL;
    br_errmsg_t err = {{0}};
    CHECK_EQ_INT(br_lvm_parse_report("{}", (size_t)64 << 20, BR_LVM_PV, &rows, &err),
                 BR_ERR_TOOBIG);
}

static void
test_names(void)
{
    CHECK(br_lvm_name_ok("brvg"));
    CHECK(br_lvm_name_ok("data_1.x+y-z"));
    CHECK(!br_lvm_name_ok(NULL));
    CHECK(!br_lvm_name_ok(""));
    CHECK(!br_lvm_name_ok("-ff"));
    CHECK(!br_lvm_name_ok("."));
    CHECK(!br_lvm_name_ok(".."));
    CHECK(!br_lvm_name_ok("a/b"));
    CHECK(!br_lvm_name_ok("a b"));
    CHECK(!br_lvm_name_ok("$(reboot)"));
}

int
main(void)
{
    test_samples();
    test_malformed();
    test_names();
    return test_done("unit_lvm_report");
}
