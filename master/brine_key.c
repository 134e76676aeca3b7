/*  brine-key: the operator's tool for minion keys. It follows salt-key's
    workflow and output (same options, same messages, same colours), so that
    a Salt operator's habits and scripts carry over, on brine's key store. */
#include "master_config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_EXIT_OK 0
#define S_EXIT_FAIL 1
#define S_EXIT_USAGE 2

#define S_NSTATES 4

//  The master's own key pair in pki_dir, shown by -F as Salt shows master.pub
#define S_MASTER_KEY_NAME "master"

typedef enum {
    S_NONE,
    S_LIST,
    S_ACCEPT,
    S_ACCEPT_ALL,
    S_REJECT,
    S_REJECT_ALL,
    S_DELETE,
    S_DELETE_ALL,
    S_FINGER,
    S_FINGER_ALL,
    S_GEN
} s_action_t;

typedef struct {
    s_action_t action;
    const char *arg;     //  the id of -a/-r/-d/-f, the name of --gen
    const char *confdir; //  -c
    const char *pki_dir; //  --pki-dir, else from the config file
    const char *gen_dir; //  --gen-dir
    bool yes;
    bool color;
    bool include_rejected;
    bool include_accepted;
} s_opts_t;

//  One per state, in the order Salt prints them (its directory names sorted)
typedef struct {
    br_key_state_t state;
    const char *dir;    //  under pki_dir
    const char *title;  //  section header
    const char *word;   //  in "does not match any ... keys"
    const char *color;  //  of the ids
    const char *bright; //  of the header
} s_section_t;

static const s_section_t s_sections[] = {
    {BR_KEY_ACCEPTED, "minions", "Accepted Keys:", "accepted", "\033[0;32m", "\033[1;32m"},
    {BR_KEY_DENIED, "minions_denied", "Denied Keys:", "denied", "\033[0;35m", "\033[1;35m"},
    {BR_KEY_PENDING, "minions_pre", "Unaccepted Keys:", "unaccepted", "\033[0;31m", "\033[1;31m"},
    {BR_KEY_REJECTED, "minions_rejected", "Rejected Keys:", "rejected", "\033[0;34m", "\033[1;34m"},
};
#define S_NSECTIONS (sizeof s_sections / sizeof s_sections[0])
static const s_section_t s_local = {
    BR_KEY_UNKNOWN, "", "Local Keys:", "local", "\033[0;35m", "\033[1;35m"};
static const char s_reset[] = "\033[0m";

//  What -a, -r and -d do: which states they take keys from, and how
typedef struct {
    const char *past;               //  "accepted"
    br_key_state_t from[S_NSTATES]; //  states the action applies to; 0 ends
    bool default_yes;               //  Salt's default answer to "Proceed?"
    int (*apply)(br_keystore_t *, const char *, br_errmsg_t *);
} s_change_t;

//  Errors go to stderr, after whatever stdout holds so far, so that the two
//  interleave in the order things happened
static void __attribute__((format(printf, 1, 2))) s_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fflush(stdout);
    fprintf(stderr, "brine-key: ");
    vfprintf(stderr, format, args);
    fprintf(stderr, "\n");
    va_end(args);
}

static void
s_usage_hint(void)
{
    fprintf(stderr, "Usage: brine-key [options] [action]\n"
                    "Try 'brine-key --help' for more information.\n");
}

static void
s_usage(FILE *out)
{
    fprintf(out,
            "Usage: brine-key [options] [action]\n"
            "Manage the master's minion keys, like salt-key. Ids are exact names\n"
            "(no globs): 1-64 characters from A-Z a-z 0-9 . _ - not starting with . or -\n"
            "\n"
            "Actions (one at a time; the default is -L):\n"
            "  -L, --list-all          list all keys\n"
            "  -a, --accept ID         accept a pending key\n"
            "  -A, --accept-all        accept all pending keys\n"
            "  -r, --reject ID         reject a pending key\n"
            "  -R, --reject-all        reject all pending keys\n"
            "  -d, --delete ID         delete a key from every state\n"
            "  -D, --delete-all        delete all keys\n"
            "  -f, --finger ID         print the fingerprints of an id's keys\n"
            "  -F, --finger-all        print all fingerprints\n"
            "      --gen NAME          write NAME.pub and NAME.key (a new key pair)\n"
            "\n"
            "Options:\n"
            "  -c, --config-dir DIR    configuration directory (default %s)\n"
            "      --pki-dir DIR       key store directory (default: pki_dir from DIR/master)\n"
            "      --include-rejected  -a also accepts a rejected key\n"
            "      --include-accepted  -r also rejects an accepted key\n"
            "  -y, --yes               do not ask for confirmation (needed for -d and -D\n"
            "                          when stdin is not a terminal)\n"
            "      --no-color          no colours (also when NO_COLOR is set)\n"
            "      --gen-dir DIR       where --gen writes (default: current directory)\n"
            "  -h, --help              this help\n"
            "      --version           print the version\n"
            "\n"
            "Exit status: 0 done, 1 failed or no such key, 2 invalid command line.\n",
            BR_MASTER_CONF_DIR);
}

static void
s_header(const s_opts_t *o, const s_section_t *section)
{
    if (o->color) {
        printf("%s%s%s\n", section->bright, section->title, s_reset);
    } else {
        printf("%s\n", section->title);
    }
}

static void
s_line(const s_opts_t *o, const s_section_t *section, const char *id, const char *fingerprint)
{
    printf("%s%s%s%s%s\n", o->color ? section->color : "", id, fingerprint ? ":  " : "",
           fingerprint ? fingerprint : "", o->color ? s_reset : "");
}

static bool
s_contains(zlistx_t *list, const char *id)
{
    return zlistx_find(list, (void *)id) != NULL;
}

//  Prints the sections of the selected states, listing the ids of list
//  (NULL: every id) that are in each. Empty sections are shown when
//  show_empty is set, as -L does.
static void
s_print_sections(const s_opts_t *o, zlistx_t *by_state[], const bool selected[], zlistx_t *list,
                 bool show_empty)
{
    for (size_t i = 0; i < S_NSECTIONS; i++) {
        const s_section_t *section = &s_sections[i];
        zlistx_t *ids = by_state[section->state];
        if (!selected[section->state]) {
            continue;
        }
        bool any = false;
        for (const char *id = zlistx_first(ids); id; id = zlistx_next(ids)) {
            if (!list || s_contains(list, id)) {
                if (!any) {
                    s_header(o, section);
                    any = true;
                }
                s_line(o, section, id, NULL);
            }
        }
        if (!any && show_empty) {
            s_header(o, section);
        }
    }
}

//  "unaccepted", "unaccepted or rejected", "a, b or c": Salt's phrasing
static void
s_no_match(const char *pattern, const br_key_state_t from[])
{
    printf("The key glob '%s' does not match any ", pattern);
    size_t n = 0;
    while (n < S_NSTATES && from[n]) {
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < S_NSECTIONS; j++) {
            if (s_sections[j].state == from[i]) {
                printf("%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", s_sections[j].word);
            }
        }
    }
    printf(" keys.\n");
}

static bool
s_confirm(const s_opts_t *o, bool default_yes)
{
    if (o->yes || !isatty(STDIN_FILENO)) {
        return true;
    }
    printf("Proceed? %s ", default_yes ? "[n/Y]" : "[N/y]");
    fflush(stdout);
    char answer[64];
    if (!fgets(answer, sizeof answer, stdin)) {
        printf("\n");
        return false;
    }
    if (answer[0] == '\n') {
        return default_yes;
    }
    return answer[0] == 'y' || answer[0] == 'Y';
}

//  -a, -r, -d and their "all" forms. targets: the ids asked for, each
//  known to be in one of the action's states.
static int
s_change(const s_opts_t *o, br_keystore_t *store, zlistx_t *by_state[], const s_change_t *change,
         zlistx_t *targets)
{
    bool selected[BR_KEY_DENIED + 1] = {false};
    for (size_t i = 0; i < S_NSTATES && change->from[i]; i++) {
        selected[change->from[i]] = true;
    }
    printf("The following keys are going to be %s:\n", change->past);
    s_print_sections(o, by_state, selected, targets, false);
    if (!change->default_yes && !o->yes && !isatty(STDIN_FILENO)) {
        s_error("not deleting without confirmation: stdin is not a terminal; add -y");
        return S_EXIT_FAIL;
    }
    if (!s_confirm(o, change->default_yes)) {
        return S_EXIT_OK;
    }
    int rc = S_EXIT_OK;
    for (const char *id = zlistx_first(targets); id; id = zlistx_next(targets)) {
        br_errmsg_t err;
        int r = change->apply(store, id, &err);
        if (r == 0) {
            printf("Key for minion %s %s.\n", id, change->past);
        } else {
            s_error("%s", err.text);
            rc = S_EXIT_FAIL;
        }
    }
    return rc;
}

//  As the key store sorts: case-insensitive, then exact
static int
s_cmp_str(const void *a, const void *b)
{
    int r = strcasecmp(a, b);
    return r != 0 ? r : strcmp(a, b);
}

//  The ids in the given states: the one named, or all of them. The list
//  borrows its strings from by_state, which outlives it.
static zlistx_t *
s_targets(zlistx_t *by_state[], const br_key_state_t from[], const char *id)
{
    zlistx_t *targets = zlistx_new();
    if (targets) {
        zlistx_set_comparator(targets, s_cmp_str);
    }
    for (size_t i = 0; targets && i < S_NSTATES && from[i]; i++) {
        zlistx_t *ids = by_state[from[i]];
        for (const char *each = zlistx_first(ids); each; each = zlistx_next(ids)) {
            if ((!id || streq(id, each)) && !s_contains(targets, each)) {
                zlistx_add_end(targets, (void *)each);
            }
        }
    }
    return targets;
}

static int
s_fingerprints(const s_opts_t *o, const char *pki_dir, zlistx_t *by_state[], const char *only)
{
    int rc = S_EXIT_OK;
    char path[PATH_MAX];
    char fingerprint[BR_FINGERPRINT_LEN + 1];
    uint8_t key[BR_KEY_SIZE], seal[BR_KEY_SIZE];
    bool has_seal = false;
    br_errmsg_t err;

    snprintf(path, sizeof path, "%s/%s.pub", pki_dir, S_MASTER_KEY_NAME);
    if (!only && access(path, F_OK) == 0) {
        s_header(o, &s_local);
        if (br_pubkey_load(key, path, &err) == 0) {
            br_key_fingerprint(key, fingerprint);
            s_line(o, &s_local, S_MASTER_KEY_NAME ".pub", fingerprint);
        } else {
            s_error("%s", err.text);
            rc = S_EXIT_FAIL;
        }
    }
    bool any = false;
    for (size_t i = 0; i < S_NSECTIONS; i++) {
        const s_section_t *section = &s_sections[i];
        zlistx_t *ids = by_state[section->state];
        bool header = false;
        for (const char *id = zlistx_first(ids); id; id = zlistx_next(ids)) {
            if (only && !streq(only, id)) {
                continue;
            }
            if (!header) {
                s_header(o, section);
                header = any = true;
            }
            //  From the file, because the store answers with one key per id
            //  and a denied key differs from the accepted one by nature
            int n = snprintf(path, sizeof path, "%s/%s/%s", pki_dir, section->dir, id);
            if (n < 0 || (size_t)n >= sizeof path) {
                s_error("path of %s is too long", id);
                rc = S_EXIT_FAIL;
            } else if (br_pubkey_load_sealed(key, seal, &has_seal, path, &err) != 0) {
                s_error("%s", err.text);
                rc = S_EXIT_FAIL;
            } else {
                br_key_fingerprint(key, fingerprint);
                s_line(o, section, id, fingerprint);
                //  The key its jobs are sealed to, pinned at enrolment
                if (has_seal) {
                    char label[BR_ID_MAX + 8];
                    snprintf(label, sizeof label, "%s (seal)", id);
                    br_key_fingerprint(seal, fingerprint);
                    s_line(o, section, label, fingerprint);
                }
            }
        }
    }
    if (only && !any) {
        printf("The key glob '%s' does not match any keys.\n", only);
        rc = S_EXIT_FAIL;
    }
    return rc;
}

static int
s_list(const s_opts_t *o, zlistx_t *by_state[])
{
    const bool all[BR_KEY_DENIED + 1] = {false, true, true, true, true};
    s_print_sections(o, by_state, all, NULL, true);
    return S_EXIT_OK;
}

static int
s_gen(const s_opts_t *o)
{
    int rc = S_EXIT_FAIL;
    br_errmsg_t err;
    char fingerprint[BR_FINGERPRINT_LEN + 1];
    const char *dir = o->gen_dir ? o->gen_dir : ".";
    br_keypair_t *pair = br_keypair_generate();

    if (!pair) {
        s_error("cannot generate a key pair");
        goto out;
    }
    if (br_keypair_save(pair, dir, o->arg, &err) != 0) {
        s_error("%s", err.text);
        goto out;
    }
    br_key_fingerprint(br_keypair_public(pair), fingerprint);
    printf("Public key:  %s/%s.pub\nSecret key:  %s/%s.key\nFingerprint: %s\n", dir, o->arg, dir,
           o->arg, fingerprint);
    rc = S_EXIT_OK;
out:
    br_keypair_destroy(&pair);
    return rc;
}

static int
s_run(const s_opts_t *o, const char *pki_dir)
{
    static const s_change_t accept = {"accepted", {BR_KEY_PENDING}, true, br_keystore_accept};
    static const s_change_t accept_rejected = {
        "accepted", {BR_KEY_PENDING, BR_KEY_REJECTED}, true, br_keystore_accept};
    static const s_change_t reject = {"rejected", {BR_KEY_PENDING}, true, br_keystore_reject};
    static const s_change_t reject_accepted = {
        "rejected", {BR_KEY_PENDING, BR_KEY_ACCEPTED}, true, br_keystore_reject};
    //  In display order, so that "does not match any ..." reads as -L does
    static const s_change_t delete = {
        "deleted",
        {BR_KEY_ACCEPTED, BR_KEY_DENIED, BR_KEY_PENDING, BR_KEY_REJECTED},
        false,
        br_keystore_delete};
    int rc = S_EXIT_FAIL;
    br_errmsg_t err;
    zlistx_t *by_state[BR_KEY_DENIED + 1] = {NULL};
    zlistx_t *targets = NULL;
    const s_change_t *change = NULL;
    br_keystore_t *store = br_keystore_new(pki_dir, &err);

    if (!store) {
        s_error("%s", err.text);
        goto out;
    }
    for (br_key_state_t s = BR_KEY_ACCEPTED; s <= BR_KEY_DENIED; s++) {
        if (!(by_state[s] = br_keystore_list(store, s))) {
            s_error("out of memory");
            goto out;
        }
    }
    switch (o->action) {
    case S_ACCEPT:
    case S_ACCEPT_ALL:
        change = o->include_rejected ? &accept_rejected : &accept;
        break;
    case S_REJECT:
    case S_REJECT_ALL:
        change = o->include_accepted ? &reject_accepted : &reject;
        break;
    case S_DELETE:
    case S_DELETE_ALL:
        change = &delete;
        break;
    case S_FINGER:
        rc = s_fingerprints(o, pki_dir, by_state, o->arg);
        goto out;
    case S_FINGER_ALL:
        rc = s_fingerprints(o, pki_dir, by_state, NULL);
        goto out;
    default:
        rc = s_list(o, by_state);
        goto out;
    }
    //  The single forms name one id; the "all" forms take every id in reach
    bool one = o->action == S_ACCEPT || o->action == S_REJECT || o->action == S_DELETE;
    targets = s_targets(by_state, change->from, one ? o->arg : NULL);
    if (!targets) {
        s_error("out of memory");
        goto out;
    }
    if (zlistx_size(targets) == 0) {
        s_no_match(one ? o->arg : "*", change->from);
        //  Nothing pending for -A or -R is not a failure; a missing id is
        rc = one ? S_EXIT_FAIL : S_EXIT_OK;
        goto out;
    }
    zlistx_sort(targets);
    rc = s_change(o, store, by_state, change, targets);
out:
    zlistx_destroy(&targets);
    for (br_key_state_t s = BR_KEY_ACCEPTED; s <= BR_KEY_DENIED; s++) {
        zlistx_destroy(&by_state[s]);
    }
    br_keystore_destroy(&store);
    return rc;
}

//  Ids and names go into paths and onto the terminal: check them first, and
//  show a rejected one with its unprintable bytes escaped
static bool
s_check_name(const char *what, const char *name)
{
    if (br_id_valid(name)) {
        return true;
    }
    fprintf(stderr, "brine-key: invalid %s '", what);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        if (*c >= 0x20 && *c < 0x7f) {
            fputc(*c, stderr);
        } else {
            fprintf(stderr, "\\x%02x", *c);
        }
    }
    fprintf(stderr,
            "': use 1 to %d characters from A-Z a-z 0-9 . _ - "
            "not starting with '.' or '-'\n",
            BR_ID_MAX);
    return false;
}

static bool
s_set_action(s_opts_t *o, s_action_t action, const char *arg)
{
    if (o->action != S_NONE) {
        s_error("one action at a time");
        return false;
    }
    o->action = action;
    o->arg = arg;
    return true;
}

enum {
    S_OPT_PKI_DIR = 256,
    S_OPT_INCLUDE_REJECTED,
    S_OPT_INCLUDE_ACCEPTED,
    S_OPT_NO_COLOR,
    S_OPT_GEN,
    S_OPT_GEN_DIR,
    S_OPT_VERSION,
};

//  Parses argv into o. Returns -1 to go on, or the exit status.
static int
s_parse(int argc, char *argv[], s_opts_t *o)
{
    static const struct option longopts[] = {
        {"config-dir", required_argument, NULL, 'c'},
        {"pki-dir", required_argument, NULL, S_OPT_PKI_DIR},
        {"list-all", no_argument, NULL, 'L'},
        {"accept", required_argument, NULL, 'a'},
        {"accept-all", no_argument, NULL, 'A'},
        {"reject", required_argument, NULL, 'r'},
        {"reject-all", no_argument, NULL, 'R'},
        {"delete", required_argument, NULL, 'd'},
        {"delete-all", no_argument, NULL, 'D'},
        {"finger", required_argument, NULL, 'f'},
        {"finger-all", no_argument, NULL, 'F'},
        {"include-rejected", no_argument, NULL, S_OPT_INCLUDE_REJECTED},
        {"include-accepted", no_argument, NULL, S_OPT_INCLUDE_ACCEPTED},
        {"yes", no_argument, NULL, 'y'},
        {"no-color", no_argument, NULL, S_OPT_NO_COLOR},
        {"gen", required_argument, NULL, S_OPT_GEN},
        {"gen-keys", required_argument, NULL, S_OPT_GEN},
        {"gen-dir", required_argument, NULL, S_OPT_GEN_DIR},
        {"gen-keys-dir", required_argument, NULL, S_OPT_GEN_DIR},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, S_OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    //  The options that choose the action; their argument, if any, goes along
    static const struct {
        int opt;
        s_action_t action;
    } actions[] = {
        {'L', S_LIST},       {'a', S_ACCEPT},    {'A', S_ACCEPT_ALL}, {'r', S_REJECT},
        {'R', S_REJECT_ALL}, {'d', S_DELETE},    {'D', S_DELETE_ALL}, {'f', S_FINGER},
        {'F', S_FINGER_ALL}, {S_OPT_GEN, S_GEN},
    };
    bool no_color = false;
    int c;
    while ((c = getopt_long(argc, argv, "c:La:Ar:Rd:Df:Fyh", longopts, NULL)) != -1) {
        bool ok = true, done = false;
        for (size_t i = 0; i < sizeof actions / sizeof actions[0] && !done; i++) {
            if (actions[i].opt == c) {
                ok = s_set_action(o, actions[i].action, optarg);
                done = true;
            }
        }
        switch (done ? 0 : c) {
        case 0:
            break;
        case 'c':
            o->confdir = optarg;
            break;
        case S_OPT_PKI_DIR:
            o->pki_dir = optarg;
            break;
        case S_OPT_GEN_DIR:
            o->gen_dir = optarg;
            break;
        case S_OPT_INCLUDE_REJECTED:
            o->include_rejected = true;
            break;
        case S_OPT_INCLUDE_ACCEPTED:
            o->include_accepted = true;
            break;
        case 'y':
            o->yes = true;
            break;
        case S_OPT_NO_COLOR:
            no_color = true;
            break;
        case 'h':
            s_usage(stdout);
            return S_EXIT_OK;
        case S_OPT_VERSION:
            printf("brine-key %s\n", BRINE_VERSION);
            return S_EXIT_OK;
        default:
            ok = false;
            break; //  getopt_long has said what was wrong
        }
        if (!ok) {
            s_usage_hint();
            return S_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        s_error("unexpected argument '%s'", argv[optind]);
        s_usage_hint();
        return S_EXIT_USAGE;
    }
    const char *no_color_env = getenv("NO_COLOR");
    o->color = !no_color && !(no_color_env && *no_color_env) && isatty(STDOUT_FILENO);
    bool named = o->action == S_ACCEPT || o->action == S_REJECT || o->action == S_DELETE ||
                 o->action == S_FINGER;
    if (named && !s_check_name("minion id", o->arg)) {
        return S_EXIT_USAGE;
    }
    if (o->action == S_GEN && !s_check_name("key name", o->arg)) {
        return S_EXIT_USAGE;
    }
    return -1;
}

int
main(int argc, char *argv[])
{
    s_opts_t o = {.action = S_NONE};
    char *pki_dir = NULL;
    br_config_t *config = NULL;
    br_errmsg_t err;
    int rc = S_EXIT_FAIL;

    //  --gen holds a secret key; no core dump may ever contain it
    if (br_harden_process() != 0) {
        s_error("cannot disable core dumps or initialise libsodium");
        goto out;
    }
    //  CZMQ's handler would turn Ctrl-C at the prompt into a flag nobody reads
    zsys_handler_set(NULL);
    //  Warnings about junk in the key store must not mix with the listing
    zsys_set_logstream(stderr);
    if ((rc = s_parse(argc, argv, &o)) >= 0) {
        goto out;
    }
    if (o.action == S_GEN) {
        rc = s_gen(&o);
        goto out;
    }
    if (o.pki_dir) {
        pki_dir = strdup(o.pki_dir);
    } else {
        config = br_master_config_load(o.confdir, &err);
        if (!config) {
            s_error("%s", err.text);
            rc = S_EXIT_FAIL;
            goto out;
        }
        const char *configured = br_config_str(config, "pki_dir");
        pki_dir = strdup(configured ? configured : "");
    }
    if (!pki_dir) {
        s_error("out of memory");
        rc = S_EXIT_FAIL;
        goto out;
    }
    //  The master creates the store; creating it here would hide a wrong
    //  -c or --pki-dir behind an empty listing
    struct stat st;
    if (stat(pki_dir, &st) != 0) {
        s_error("key store %s: %s (is pki_dir right? see -c and --pki-dir)", pki_dir,
                strerror(errno));
        rc = S_EXIT_FAIL;
        goto out;
    }
    rc = s_run(&o, pki_dir);
out:
    br_config_destroy(&config);
    free(pki_dir);
    fflush(stdout);
    return rc;
}
