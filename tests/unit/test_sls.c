/*  Unit tests for br_sls, br_top and br_pillar against the trees under
    tests/data/sls: every declaration form, includes (absolute, relative,
    nested, each file once, in order), top-file matchers, pillar merging
    and secret keys, and a corpus of broken files, each with the exact
    message it must give. */
#include "br_sls.h"
#include "br_yaml.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#define DATA BRINE_SOURCE_DIR "/tests/data/sls"

static void
s_free_item(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

//  A list of names, NULL-terminated arguments.
static zlistx_t *
s_names(const char *first, ...)
{
    zlistx_t *list = zlistx_new();
    zlistx_set_destructor(list, s_free_item);
    va_list args;
    va_start(args, first);
    for (const char *name = first; name; name = va_arg(args, const char *)) {
        zlistx_add_end(list, strdup(name));
    }
    va_end(args);
    return list;
}

//  The names in list joined with spaces (static buffer).
static const char *
s_joined(zlistx_t *list)
{
    static char buf[1024];
    buf[0] = 0;
    for (const char *name = list ? zlistx_first(list) : NULL; name; name = zlistx_next(list)) {
        if (buf[0]) {
            strcat(buf, " ");
        }
        strcat(buf, name);
    }
    return buf;
}

//  br_high_load on a list it then destroys.
static int
s_load_rc(const char *root, zlistx_t *names, br_errmsg_t *err)
{
    br_high_t *high = NULL;
    int rc = br_high_load(root, names, NULL, NULL, &high, err);
    CHECK((rc == BR_OK) == (high != NULL));
    br_high_destroy(&high);
    zlistx_destroy(&names);
    return rc;
}

static br_high_t *
s_load(const char *root, zlistx_t *names)
{
    br_high_t *high = NULL;
    br_errmsg_t err = {""};
    int rc = br_high_load(root, names, NULL, NULL, &high, &err);
    if (rc != BR_OK) {
        fprintf(stderr, "br_high_load: %s\n", err.text);
        test_failures++;
    }
    zlistx_destroy(&names);
    return high;
}

//  "id module.fun" of every state, joined with ", ".
static const char *
s_states(const br_high_t *high)
{
    static char buf[2048];
    buf[0] = 0;
    for (size_t i = 0; i < br_high_size(high); i++) {
        const br_hstate_t *st = br_high_at(high, i);
        size_t at = strlen(buf);
        snprintf(buf + at, sizeof buf - at, "%s%s %s.%s", i ? ", " : "", st->id, st->module,
                 st->fun);
    }
    return buf;
}

static const br_hstate_t *
s_find(const br_high_t *high, const char *id, const char *module)
{
    for (size_t i = 0; i < br_high_size(high); i++) {
        const br_hstate_t *st = br_high_at(high, i);
        if (strcmp(st->id, id) == 0 && strcmp(st->module, module) == 0) {
            return st;
        }
    }
    return NULL;
}

static br_value_t *
s_grains(const char *yaml)
{
    br_value_t *grains = NULL;
    CHECK_EQ_INT(br_yaml_parse("grains", yaml, strlen(yaml), &grains, NULL), BR_OK);
    return grains;
}

static void
s_test_forms(void)
{
    br_high_t *high = s_load(DATA "/basic", s_names("common", NULL));
    CHECK_STR(s_states(high), "admin test.nop, motd cmd.run, pkgs pkg.installed, pkgs "
                              "service.running, noop test.nop, empty_args "
                              "test.succeed_without_changes, null_args test.succeed_with_changes");

    //  Form (a): module.function with a list of arguments, lines kept.
    const br_hstate_t *motd = s_find(high, "motd", "cmd");
    CHECK(motd != NULL);
    if (motd) {
        CHECK_STR(motd->sls, "common");
        CHECK_STR(motd->file, DATA "/basic/common.sls");
        CHECK_EQ_INT(motd->line, 5);
        CHECK_EQ_INT(br_value_map_size(motd->args), 3);
        CHECK_STR(br_value_map_key(motd->args, 0), "name");
        CHECK_STR(br_value_as_str(br_value_map_get(motd->args, "name")), "echo hello");
        CHECK_EQ_INT(br_value_line(br_value_map_get(motd->args, "name")), 7);
        CHECK_EQ_INT(br_value_map_key_line(motd->args, 1), 8);
        br_value_t *env = br_value_map_get(motd->args, "env");
        CHECK_EQ_INT(br_value_kind(env), BR_V_LIST);
        CHECK_STR(br_value_as_str(br_value_map_get(br_value_list_at(env, 0), "LANG")), "C");
        CHECK_EQ_INT(br_value_line(br_value_list_at(env, 0)), 10);
        CHECK(br_value_map_get(motd->args, "name") != NULL);
    }
    //  Form (b): module with a bare function item, next to form (a).
    const br_hstate_t *pkg = s_find(high, "pkgs", "pkg");
    const br_hstate_t *svc = s_find(high, "pkgs", "service");
    CHECK(pkg && svc);
    if (pkg && svc) {
        CHECK_STR(pkg->fun, "installed");
        CHECK_EQ_INT(pkg->line, 12);
        CHECK_EQ_INT(br_value_map_size(pkg->args), 1);
        CHECK_EQ_INT(br_value_list_size(br_value_map_get(pkg->args, "pkgs")), 2);
        CHECK_STR(svc->fun, "running");
        CHECK_EQ_INT(svc->line, 12);
        CHECK(br_value_as_bool(br_value_map_get(svc->args, "enable")));
        //  "name" is not filled in from the ID here
        CHECK(br_value_map_get(pkg->args, "name") == NULL);
    }
    //  Form (c): the short string; and empty and null argument lists.
    const char *no_args[] = {"noop", "empty_args", "null_args"};
    for (size_t i = 0; i < 3; i++) {
        const br_hstate_t *st = s_find(high, no_args[i], "test");
        CHECK(st && br_value_kind(st->args) == BR_V_MAP && br_value_map_size(st->args) == 0);
    }
    CHECK_EQ_INT(s_find(high, "noop", "test")->line, 20);
    CHECK(br_high_at(high, br_high_size(high)) == NULL);
    br_high_destroy(&high);
    CHECK(high == NULL);
    br_high_destroy(&high);
}

static void
s_test_includes(void)
{
    //  web includes db (an init.sls with a relative ".users" and
    //  "..common") and web.nginx (relative ".conf"); includes come first,
    //  in order, and each file is loaded once (common <-> users is a cycle).
    br_high_t *high = s_load(DATA "/basic", s_names("web", NULL));
    CHECK_STR(s_states(high),
              "db_user test.nop, admin test.nop, motd cmd.run, pkgs pkg.installed, pkgs "
              "service.running, noop test.nop, empty_args test.succeed_without_changes, "
              "null_args test.succeed_with_changes, db_service service.running, nginx_conf "
              "cmd.run, nginx service.running, web_root cmd.run");
    const br_hstate_t *st = s_find(high, "db_user", "test");
    CHECK(st && strcmp(st->sls, "db.users") == 0 &&
          strcmp(st->file, DATA "/basic/db/users.sls") == 0 && st->line == 1);
    st = s_find(high, "db_service", "service");
    CHECK(st && strcmp(st->sls, "db") == 0 && strcmp(st->file, DATA "/basic/db/init.sls") == 0);
    st = s_find(high, "nginx_conf", "cmd");
    CHECK(st && strcmp(st->sls, "web.conf") == 0);
    br_high_destroy(&high);

    //  Names given twice, or reached again through includes: once.
    high = s_load(DATA "/basic", s_names("users", "common", "db", "users", NULL));
    //  (users includes common, so common's states come before admin)
    CHECK_STR(s_states(high), "motd cmd.run, pkgs pkg.installed, pkgs service.running, noop "
                              "test.nop, empty_args test.succeed_without_changes, null_args "
                              "test.succeed_with_changes, admin test.nop, db_user test.nop, "
                              "db_service service.running");
    br_high_destroy(&high);

    //  a/b.sls wins over a/b/init.sls; init.sls is found on its own.
    high = s_load(DATA "/basic", s_names("both", "both.init", NULL));
    CHECK_STR(s_states(high), "from_file test.nop, from_init test.nop");
    br_high_destroy(&high);

    //  An empty include is allowed.
    high = s_load(DATA "/basic", s_names("empty_include", NULL));
    CHECK_STR(s_states(high), "alone test.nop");
    br_high_destroy(&high);

    //  No names: no states.
    high = s_load(DATA "/basic", s_names(NULL));
    CHECK_EQ_INT(br_high_size(high), 0);
    br_high_destroy(&high);
}

//  Files are rendered with the context before they are parsed; a secret
//  pillar value reaches the high data only as its vault token.
static void
s_test_rendered(void)
{
    br_value_t *context = s_grains("pillar:\n  users: [ann, bo]\n  luks: {}\n"
                                   "grains:\n  disk: vdb\n");
    br_secret_t *secret = br_secret_from_bytes("luks-pw", 7);
    br_value_t *value = br_value_secret(&secret);
    br_value_map_set(br_value_path(context, "pillar:luks"), "passphrase", &value);
    br_vault_t *vault = br_vault_new();
    br_high_t *high = NULL;
    br_errmsg_t err = {""};
    zlistx_t *names = s_names("templated", NULL);
    int rc = br_high_load(DATA "/basic", names, context, vault, &high, &err);
    zlistx_destroy(&names);
    CHECK_EQ_INT(rc, BR_OK);
    if (rc != BR_OK) {
        fprintf(stderr, "templated: %s\n", err.text);
    }
    CHECK_STR(s_states(high), "user_ann cmd.run, user_bo cmd.run, luks_open luks.opened");
    const br_hstate_t *st = s_find(high, "user_bo", "cmd");
    CHECK(st && strcmp(br_value_as_str(br_value_map_get(st->args, "name")), "useradd bo") == 0);
    st = s_find(high, "luks_open", "luks");
    if (st) {
        CHECK_STR(br_value_as_str(br_value_map_get(st->args, "device")), "/dev/vdb");
        const br_value_t *token = br_value_map_get(st->args, "passphrase");
        const br_secret_t *back =
            br_vault_lookup(vault, br_value_as_str(token), br_value_str_len(token));
        CHECK(back && br_secret_size(back) == 7 &&
              memcmp(br_secret_cdata(back), "luks-pw", 7) == 0);
    }
    br_high_destroy(&high);

    //  A render error names the file.
    names = s_names("undefined", NULL);
    rc = br_high_load(DATA "/basic", names, context, vault, &high, &err);
    zlistx_destroy(&names);
    CHECK(rc < 0 && high == NULL);
    CHECK(strncmp(err.text,
                  DATA "/basic/undefined.sls:3:", strlen(DATA "/basic/undefined.sls:3:")) == 0);
    br_vault_destroy(&vault);
    br_value_destroy(&context);
}

static void
s_check_top(const char *minion, const br_value_t *grains, const char *expected)
{
    br_value_t *context = br_value_map();
    br_value_t *copy = grains ? br_value_dup(grains) : NULL;
    if (copy) {
        br_value_map_set(context, "grains", &copy);
    }
    zlistx_t *sls = NULL;
    br_errmsg_t err = {""};
    int rc = br_top_load(DATA "/basic", minion, context, NULL, &sls, &err);
    if (rc != BR_OK) {
        fprintf(stderr, "br_top_load(%s): %s\n", minion, err.text);
        test_failures++;
    } else if (strcmp(s_joined(sls), expected) != 0) {
        fprintf(stderr, "top for %s: expected '%s', got '%s'\n", minion, expected, s_joined(sls));
        test_failures++;
    }
    zlistx_destroy(&sls);
    br_value_destroy(&context);
}

static void
s_test_top(void)
{
    br_value_t *web1 = s_grains("os: Debian\nroles: [web, storage]\nip4: [127.0.0.1, 10.0.0.5]\n"
                                "kernel: {release: 6.1.0}\n");
    //  glob, grain (plain, list item, glob on a list item, nested key), pcre
    s_check_top("web1", web1, "common web debian storage lan kernel6 monitored");
    //  glob only: the pcre target is anchored at both ends
    s_check_top("web1x", NULL, "common web");
    //  list (with spaces after the comma), and pcre
    s_check_top("db2", NULL, "common db monitored");
    s_check_top("db1", NULL, "common db monitored");
    s_check_top("db3", NULL, "common monitored");
    s_check_top("dbx", NULL, "common");
    //  grain values match without regard to case; a non-matching grain
    br_value_t *other = s_grains("os: debian\nroles: storage\nip4: 192.168.1.1\n");
    s_check_top("x", other, "common debian storage");
    //  "a:b:c" on a string grain a = "b:c" (Salt tries the shortest key first)
    br_value_t *flat = s_grains("kernel: 'release:6.9'\n");
    s_check_top("x", flat, "common kernel6");
    br_value_t *old = s_grains("kernel: {release: 5.10}\nos: [Debian]\n");
    s_check_top("x", old, "common debian");
    br_value_destroy(&web1);
    br_value_destroy(&other);
    br_value_destroy(&flat);
    br_value_destroy(&old);

    //  No top file, no tree: nothing applies, and that is not an error.
    zlistx_t *sls = NULL;
    br_errmsg_t err = {""};
    CHECK_EQ_INT(br_top_load(DATA "/basic/web", "web1", NULL, NULL, &sls, &err), BR_OK);
    CHECK(sls && zlistx_size(sls) == 0);
    zlistx_destroy(&sls);
    CHECK_EQ_INT(br_top_load(DATA "/does-not-exist", "web1", NULL, NULL, &sls, &err), BR_OK);
    CHECK(sls && zlistx_size(sls) == 0);
    zlistx_destroy(&sls);
}

static const br_value_t *
s_at(const br_value_t *root, const char *path)
{
    return br_value_path(root, path);
}

static bool
s_is_secret(const br_value_t *value, const char *expected)
{
    const br_secret_t *secret = br_value_as_secret(value);
    return secret && br_secret_size(secret) == strlen(expected) &&
           memcmp(br_secret_cdata(secret), expected, strlen(expected)) == 0;
}

static void
s_test_pillar(void)
{
    br_value_t *grains = s_grains("os: Debian\n");
    br_value_t *pillar = NULL;
    br_errmsg_t err = {""};
    int rc = br_pillar_load(DATA "/pillar", "web1", grains, br_default_secret_keys, &pillar, &err);
    CHECK_EQ_INT(rc, BR_OK);
    if (rc != BR_OK) {
        fprintf(stderr, "br_pillar_load: %s\n", err.text);
    }
    //  Merged in top-file order: defaults (included) < common < debian < web1
    CHECK_STR(br_value_as_str(s_at(pillar, "level")), "web1");
    CHECK_STR(br_value_as_str(s_at(pillar, "db:host")), "web1-db");
    CHECK_EQ_INT(br_value_as_int(s_at(pillar, "db:port")), 5432);
    CHECK_STR(br_value_as_str(s_at(pillar, "db:name")), "app");
    const br_value_t *db = s_at(pillar, "db");
    CHECK_STR(br_value_map_key(db, 0), "host");
    CHECK_STR(br_value_map_key(db, 3), "db_password");
    //  Pillar files are rendered with the grains
    CHECK_STR(br_value_as_str(s_at(pillar, "family")), "debian-like");
    CHECK_STR(br_value_as_str(s_at(pillar, "codename")), "unknown");
    //  Lists are replaced, not appended
    CHECK_EQ_INT(br_value_list_size(s_at(pillar, "packages")), 1);
    CHECK_STR(br_value_as_str(br_value_list_at(s_at(pillar, "packages"), 0)), "nginx");
    //  Secrets: a suffix match, a key inside a list item, an overridden
    //  value, and everything under a secret key (numbers and booleans as
    //  Python writes them; null stays null)
    CHECK(s_is_secret(s_at(pillar, "db:db_password"), "db-pw-2"));
    const br_value_t *users = s_at(pillar, "users");
    CHECK(s_is_secret(br_value_map_get(br_value_list_at(users, 0), "password"), "alice-pw-1"));
    CHECK_STR(br_value_as_str(br_value_map_get(br_value_list_at(users, 0), "name")), "alice");
    CHECK_STR(br_value_as_str(br_value_map_get(br_value_list_at(users, 1), "shell")), "/bin/sh");
    CHECK(s_is_secret(s_at(pillar, "luks:passphrase"), "override-pw"));
    const br_value_t *keys = s_at(pillar, "luks:keys:secret");
    CHECK_EQ_INT(br_value_kind(keys), BR_V_LIST);
    CHECK(s_is_secret(br_value_list_at(keys, 0), "key-one"));
    CHECK(s_is_secret(br_value_list_at(keys, 1), "key-two"));
    const br_value_t *nested = br_value_map_get(br_value_list_at(keys, 2), "nested");
    CHECK(s_is_secret(br_value_map_get(nested, "a"), "1"));
    CHECK(s_is_secret(br_value_map_get(nested, "b"), "True"));
    CHECK(s_is_secret(br_value_map_get(nested, "c"), "1.5"));
    CHECK_EQ_INT(br_value_kind(br_value_map_get(nested, "d")), BR_V_NULL);
    //  Not secret keys: no '_' before the word, another word, another case
    CHECK_STR(br_value_as_str(s_at(pillar, "luks:passwordless")), "plain-1");
    CHECK_STR(br_value_as_str(s_at(pillar, "luks:mypassword")), "plain-2");
    CHECK_STR(br_value_as_str(s_at(pillar, "luks:Password")), "plain-3");
    CHECK(br_value_has_secret(pillar));
    br_value_destroy(&pillar);

    //  Another minion: no grains, so no debian; the int passphrase
    rc = br_pillar_load(DATA "/pillar", "web2", NULL, NULL, &pillar, &err);
    CHECK_EQ_INT(rc, BR_OK);
    CHECK_STR(br_value_as_str(s_at(pillar, "level")), "web2");
    CHECK(s_is_secret(s_at(pillar, "luks:passphrase"), "12345"));
    CHECK_STR(br_value_as_str(s_at(pillar, "db:host")), "localhost");
    CHECK(s_at(pillar, "packages") == NULL);
    br_value_destroy(&pillar);

    //  Other secret keys: only those count.
    const char *const mine[] = {"host", NULL};
    rc = br_pillar_load(DATA "/pillar", "web2", NULL, mine, &pillar, &err);
    CHECK_EQ_INT(rc, BR_OK);
    CHECK(s_is_secret(s_at(pillar, "db:host"), "localhost"));
    CHECK_EQ_INT(br_value_kind(s_at(pillar, "luks:passphrase")), BR_V_INT);
    br_value_destroy(&pillar);

    //  No pillar tree, no top file: an empty pillar.
    CHECK_EQ_INT(br_pillar_load(DATA "/nothing", "web1", grains, NULL, &pillar, &err), BR_OK);
    CHECK(br_value_kind(pillar) == BR_V_MAP && br_value_map_size(pillar) == 0);
    br_value_destroy(&pillar);
    CHECK_EQ_INT(br_pillar_load(DATA "/basic/web", "web1", grains, NULL, &pillar, &err), BR_OK);
    CHECK(br_value_kind(pillar) == BR_V_MAP && br_value_map_size(pillar) == 0);
    br_value_destroy(&pillar);
    br_value_destroy(&grains);
}

//  Once a pillar is destroyed, its secrets are nowhere in this process:
//  not in the file buffers, the rendered text, libyaml's buffers or the
//  parsed trees. The needle is kept inverted so the test itself does not
//  put it in memory.
static void
s_test_pillar_wiped(bool templated)
{
    char *dir = test_tmpdir();
    char path[512], text[1024];
    //  "zq-Secret-Needle-7731" XOR 0xFF
    static const uint8_t inverted[] = {0x85, 0x8e, 0xd2, 0xac, 0x9a, 0x9c, 0x8d,
                                       0x9a, 0x8b, 0xd2, 0xb1, 0x9a, 0x9a, 0x9b,
                                       0x93, 0x9a, 0xd2, 0xc8, 0xc8, 0xcc, 0xce};
    char needle[sizeof inverted + 1];
    snprintf(path, sizeof path, "%s/top.sls", dir);
    FILE *f = fopen(path, "w");
    fputs("base:\n  '*':\n    - data\n", f);
    fclose(f);
    for (size_t i = 0; i < sizeof inverted; i++) {
        needle[i] = (char)~inverted[i];
    }
    needle[sizeof inverted] = 0;
    //  Padding in front, so that the allocator's own bookkeeping, written
    //  over the start of a freed block, cannot hide a leftover copy. The
    //  file is written without stdio, whose buffer would keep a copy.
    const char *pad = "padding-padding-padding-padding-padding-padding-";
    //  A comment marker makes the file go through the renderer too
    int len = snprintf(text, sizeof text,
                       "%sluks:\n  passphrase: %s%s\n  other: [1, 2]\n"
                       "list:\n  - secret: '%s%s'\n"
                       "block:\n  secret: |\n    %s%s\n",
                       templated ? "{# rendered #}\n" : "", pad, needle, pad, needle, pad,
                       needle);
    snprintf(path, sizeof path, "%s/data.sls", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && write(fd, text, (size_t)len) == len);
    close(fd);
    br_wipe(needle, sizeof needle);
    br_wipe(text, sizeof text);

    br_value_t *pillar = NULL;
    br_errmsg_t err = {""};
    CHECK_EQ_INT(br_pillar_load(dir, "m", NULL, NULL, &pillar, &err), BR_OK);
    CHECK(br_value_as_secret(s_at(pillar, "luks:passphrase")) != NULL);
    CHECK(br_value_as_secret(
              br_value_map_get(br_value_list_at(s_at(pillar, "list"), 0), "secret")) != NULL);
    CHECK(br_value_as_secret(s_at(pillar, "block:secret")) != NULL);
    br_value_destroy(&pillar);
    CHECK_EQ_INT(test_memscan(0, inverted, sizeof inverted), 0);
    test_rmtree(dir);
    free(dir);
}

//  One broken tree or file and the exact message it must give. %R is the
//  data directory.
typedef struct {
    const char *what; //  "sls NAME", "top DIR", "pillar DIR" (under broken/)
    const char *expected;
} s_broken_t;

static const s_broken_t s_broken[] = {
    {"sls bad_yaml", "%R/broken/bad_yaml.sls:6:10: YAML syntax error: did not find expected ',' "
                     "or ']' (while parsing a flow sequence on line 5)"},
    {"sls dup_key", "%R/broken/dup_key.sls:4: duplicate key 'web' (first on line 1)"},
    {"sls dup_id_a", "%R/broken/dup_id_a.sls:4: conflicting ID 'shared': already declared at "
                     "%R/broken/dup_id_b.sls:2 (IDs must be unique across all SLS files)"},
    {"sls dup_arg", "%R/broken/dup_arg.sls:5: ID 'web', cmd.run: duplicate argument 'name' "
                    "(first on line 3)"},
    {"sls two_funcs", "%R/broken/two_funcs.sls:4: too many functions declared in state 'cmd' "
                      "in SLS 'two_funcs' (ID 'web', first on line 2)"},
    {"sls two_funcs_short", "%R/broken/two_funcs_short.sls:5: too many functions declared in "
                            "state 'cmd' in SLS 'two_funcs_short' (ID 'web': 'run' and 'wait')"},
    {"sls name_dotdot", "%R/broken/name_dotdot.sls:2: invalid SLS name '../etc' (SLS names are "
                        "dot-separated words of letters, digits, '_' and '-')"},
    {"sls name_slash", "%R/broken/name_slash.sls:2: invalid SLS name 'a/b' (SLS names are "
                       "dot-separated words of letters, digits, '_' and '-')"},
    {"sls name_empty", "%R/broken/name_empty.sls:2: invalid SLS name 'a..b' (SLS names are "
                       "dot-separated words of letters, digits, '_' and '-')"},
    {"sls name_above", "%R/broken/name_above.sls:2: relative include '..up' goes above the top "
                       "of the tree"},
    {"sls missing", "%R/broken/missing.sls:3: SLS 'nothere' not found (tried "
                    "%R/broken/nothere.sls and %R/broken/nothere/init.sls)"},
    {"sls extend", "%R/broken/extend.sls:3: 'extend' is not supported"},
    {"sls exclude", "%R/broken/exclude.sls:1: 'exclude' is not supported"},
    {"sls map_args", "%R/broken/map_args.sls:2: ID 'web', cmd.run: arguments must be a list of "
                     "'- name: value' items, not a map"},
    {"sls scalar_args", "%R/broken/scalar_args.sls:2: ID 'web', cmd.run: arguments must be a "
                        "list of '- name: value' items, not a string"},
    {"sls multi_key_arg", "%R/broken/multi_key_arg.sls:3: ID 'web', cmd.run: each argument "
                          "must be a single-key map ('- name: value'), not a map of 2 keys"},
    {"sls null_arg_item", "%R/broken/null_arg_item.sls:3: ID 'web', cmd.run: each argument "
                          "must be a single-key map ('- name: value'), not a null"},
    {"sls alias", "%R/broken/alias.sls:1: anchors and aliases are not supported"},
    {"sls tag", "%R/broken/tag.sls:3: YAML tags are not supported"},
    {"sls list_doc", "%R/broken/list_doc.sls:1: an SLS file must be a map of IDs, not a list"},
    {"sls bare_item", "%R/broken/bare_item.sls:4: ID 'web', cmd.run: unexpected bare item "
                      "'wait' (the function is in the key; arguments are '- name: value')"},
    {"sls no_function", "%R/broken/no_function.sls:2: ID 'web': no function declared for module "
                        "'cmd'"},
    {"sls reserved", "%R/broken/reserved.sls:1: '__env__': keys starting with '__' are "
                     "reserved"},
    {"sls short_nodot", "%R/broken/short_nodot.sls:1: ID 'web': 'nop' is not a module.function"},
    {"sls id_list", "%R/broken/id_list.sls:1: ID 'web' must map to module functions "
                    "('module.function: [args]'), not a list"},
    {"sls null_id", "%R/broken/null_id.sls:1: ID 'web' must map to module functions "
                    "('module.function: [args]'), not a null"},
    {"sls bad_module", "%R/broken/bad_module.sls:2: ID 'web': invalid module name 'Cmd' "
                       "(lowercase letters, digits and '_')"},
    {"sls bad_function", "%R/broken/bad_function.sls:3: ID 'web': invalid function name "
                         "'run-now' (lowercase letters, digits and '_')"},
    {"sls include_map", "%R/broken/include_map.sls:1: 'include' must be a list of SLS names"},
    {"sls two_docs", "%R/broken/two_docs.sls:2: only one YAML document is allowed"},
    {"sls big_int", "%R/broken/big_int.sls:3: number out of range or malformed (integers must "
                    "fit in 64 bits; quote the value to keep it as text)"},
    {"sls ../etc", "invalid SLS name '../etc' (SLS names are dot-separated words of letters, "
                   "digits, '_' and '-')"},
    {"sls a/b", "invalid SLS name 'a/b' (SLS names are dot-separated words of letters, digits, "
                "'_' and '-')"},
    {"sls a..b", "invalid SLS name 'a..b' (SLS names are dot-separated words of letters, digits, "
                 "'_' and '-')"},
    {"sls .common", "invalid SLS name '.common' (SLS names are dot-separated words of letters, "
                    "digits, '_' and '-')"},
    {"sls nothere", "SLS 'nothere' not found (tried %R/broken/nothere.sls and "
                    "%R/broken/nothere/init.sls)"},
    {"top top_list", "%R/broken/top_list/top.sls:1: a top file must be a map of environments "
                     "(base: ...), not a list"},
    {"top top_base", "%R/broken/top_base/top.sls:1: environment 'base' must be a map of targets "
                     "to SLS names"},
    {"top top_matcher", "%R/broken/top_matcher/top.sls:3: target '*': unsupported matcher "
                        "'compound' (supported: glob, list, grain, pcre)"},
    {"top top_name", "%R/broken/top_name/top.sls:4: invalid SLS name '../etc' (SLS names are "
                     "dot-separated words of letters, digits, '_' and '-')"},
    {"top top_regex", "%R/broken/top_regex/top.sls:2: target 'web(': invalid regular "
                      "expression: Unmatched ( or \\("},
    {"top top_grain", "%R/broken/top_grain/top.sls:2: target 'nocolon': a grain target must be "
                      "'key:value'"},
    {"top top_items", "%R/broken/top_items/top.sls:4: target '*': items must be SLS names or "
                      "'- match: TYPE'"},
    {"top top_twomatch", "%R/broken/top_twomatch/top.sls:5: target '*': a second 'match' "
                         "(first on line 3)"},
    {"pillar pillar_list", "%R/broken/pillar_list/data.sls:1: a pillar file must be a map, not "
                           "a list"},
    {"pillar pillar_missing", "%R/broken/pillar_missing/data.sls:2: SLS 'gone' not found "
                              "(tried %R/broken/pillar_missing/gone.sls and "
                              "%R/broken/pillar_missing/gone/init.sls)"},
    {"pillar pillar_top_list", "%R/broken/pillar_top_list/top.sls:1: a top file must be a map "
                               "of environments (base: ...), not a string"},
};

//  expected with every %R replaced by the data directory.
static void
s_expand(const char *expected, char *buf, size_t size)
{
    size_t at = 0;
    for (const char *p = expected; *p && at + 1 < size; p++) {
        if (p[0] == '%' && p[1] == 'R') {
            at += (size_t)snprintf(buf + at, size - at, "%s", DATA);
            p++;
        } else {
            buf[at++] = *p;
        }
    }
    buf[at < size ? at : size - 1] = 0;
}

static void
s_test_broken(void)
{
    for (size_t i = 0; i < sizeof s_broken / sizeof s_broken[0]; i++) {
        const s_broken_t *b = &s_broken[i];
        const char *arg = strchr(b->what, ' ') + 1;
        char dir[512], expected[1024];
        br_errmsg_t err = {""};
        int rc = BR_OK;
        if (strncmp(b->what, "sls", 3) == 0) {
            rc = s_load_rc(DATA "/broken", s_names(arg, NULL), &err);
        } else if (strncmp(b->what, "top", 3) == 0) {
            zlistx_t *sls = NULL;
            snprintf(dir, sizeof dir, "%s/broken/%s", DATA, arg);
            rc = br_top_load(dir, "web1", NULL, NULL, &sls, &err);
            CHECK(sls == NULL);
        } else {
            br_value_t *pillar = NULL;
            snprintf(dir, sizeof dir, "%s/broken/%s", DATA, arg);
            rc = br_pillar_load(dir, "web1", NULL, NULL, &pillar, &err);
            CHECK(pillar == NULL);
        }
        s_expand(b->expected, expected, sizeof expected);
        if (rc >= 0 || strcmp(err.text, expected) != 0) {
            fprintf(stderr, "%s: rc %d\nexpected: %s\n     got: %s\n", b->what, rc, expected,
                    err.text);
            test_failures++;
        }
    }
}

static void
s_test_names(void)
{
    //  Long names: 255 bytes are fine (and then not found), 256 are not.
    char name[300];
    memset(name, 'a', 255);
    name[255] = 0;
    br_errmsg_t err = {""};
    CHECK_EQ_INT(s_load_rc(DATA "/broken", s_names(name, NULL), &err), BR_ERR_NOTFOUND);
    strcat(name, "a");
    CHECK_EQ_INT(s_load_rc(DATA "/broken", s_names(name, NULL), &err), BR_ERR_INVALID);
    const char *bad[] = {
        "", ".", "a.", ".a", "a b", "a\\b", "/etc/passwd", "a.*", "~", "a:b", "\xc3\xa9t\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = s_load_rc(DATA "/broken", s_names(bad[i], NULL), &err);
        if (rc != BR_ERR_INVALID || !strstr(err.text, "invalid SLS name")) {
            fprintf(stderr, "name '%s' accepted or wrong error: %s\n", bad[i], err.text);
            test_failures++;
        }
    }
    const char *good[] = {"a-b", "A_1", "x.y-z.w_0", "-"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc = s_load_rc(DATA "/broken", s_names(good[i], NULL), &err);
        CHECK_EQ_INT(rc, BR_ERR_NOTFOUND);
    }
}

int
main(void)
{
    s_test_forms();
    s_test_includes();
    s_test_rendered();
    s_test_top();
    s_test_pillar();
    s_test_pillar_wiped(false);
    s_test_pillar_wiped(true);
    s_test_broken();
    s_test_names();
    return test_done("unit_sls");
}
