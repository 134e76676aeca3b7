/*  sec_attack crafted: hostile requests to a real brine-master over real
    CURVE connections, one from an accepted key and one from a key the
    master has never seen.

      sec_attack crafted REQ MASTER_PUB DIR NAME ID WORK_DIR [VICTIM]

    DIR/NAME is the key pair accepted as ID; WORK_DIR is where the escape
    paths point (the script checks afterwards that nothing appeared there);
    VICTIM, another minion's id, is claimed in a hello. Each request (the
    tables of sec_crafted_ids.c and sec_crafted_frames.c) is followed by two
    probes on the same connection: a `job` header, which the master answers
    "not a request", and an enrolment, which it answers with a welcome. The
    master answers in order, so whatever arrives before the probes' answers is the answer to
    the crafted request, and the welcome shows the master still serves.
    Prints one ok / not ok line per request and a summary. */
#include "sec_crafted.h"

//  A document with the version and the type, to which a case adds fields
bson_t *
sec_doc(const char *type)
{
    bson_t *doc = bson_new();
    BSON_APPEND_INT32(doc, "v", 1);
    BSON_APPEND_UTF8(doc, "t", type);
    return doc;
}

zmsg_t *
sec_bytes(const void *data, size_t size)
{
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, data, size);
    return msg;
}

zmsg_t *
sec_send_doc(bson_t *doc)
{
    zmsg_t *msg = sec_bytes(bson_get_data(doc), doc->len);
    bson_destroy(doc);
    return msg;
}

//  A string of size bytes of 'a', for over-long fields
char *
sec_long(size_t size)
{
    char *text = malloc(size + 1);
    memset(text, 'a', size);
    text[size] = 0;
    return text;
}

//  A return for a jid given as text, otherwise well-formed
zmsg_t *
sec_return_jid(const char *jid)
{
    bson_t *doc = sec_doc("return");
    bson_t ret = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&ret, "return", true);
    BSON_APPEND_UTF8(doc, "jid", jid);
    BSON_APPEND_UTF8(doc, "fun", "test.ping");
    BSON_APPEND_BOOL(doc, "ok", true);
    BSON_APPEND_DOCUMENT(doc, "ret", &ret);
    bson_destroy(&ret);
    return sec_send_doc(doc);
}

//  One connection and what its probes look like
typedef struct {
    zsock_t *sock;
    const char *probe_id; //  enrolled by the second probe
} s_peer_t;

static void
s_send_probes(const s_peer_t *peer)
{
    br_msg_t *job = br_msg_new(BR_MSG_JOB);
    br_msg_set_jid(job, "20260101000000000002");
    br_msg_set_exp(job, 0);
    br_msg_t *enrol = br_msg_new(BR_MSG_ENROL);
    br_msg_set_id(enrol, peer->probe_id);
    zframe_t *first = sec_encode(job);
    zframe_t *second = sec_encode(enrol);
    zframe_send(&first, peer->sock, 0);
    zframe_send(&second, peer->sock, 0);
    br_msg_destroy(&job);
    br_msg_destroy(&enrol);
}

//  The next answer on the connection, decoded, or NULL after timeout_ms
static br_msg_t *
s_answer(const s_peer_t *peer, int timeout_ms)
{
    zpoller_t *poller = zpoller_new(peer->sock, NULL);
    br_msg_t *msg = NULL;
    if (zpoller_wait(poller, timeout_ms)) {
        zframe_t *frame = zframe_recv(peer->sock);
        if (frame && br_msg_decode(&msg, zframe_data(frame), zframe_size(frame), NULL) != 0) {
            msg = br_msg_new(BR_MSG_ERROR); //  undecodable: stands for "something"
            br_msg_set_text(msg, "an undecodable answer");
        }
        zframe_destroy(&frame);
    }
    zpoller_destroy(&poller);
    return msg;
}

static bool
s_is_probe_error(const br_msg_t *msg)
{
    return br_msg_type(msg) == BR_MSG_ERROR && strcmp(br_msg_text(msg), "not a request") == 0;
}

//  Sends one case and says what it got: 'n' nothing, 'e' an error, 'w' a
//  welcome, 'x' another answer, '-' the master stopped answering. The
//  answers come in order: [the case's, if any], the first probe's error,
//  the second probe's welcome.
static char
s_try(const s_peer_t *peer, const sec_case_t *c, const sec_ctx_t *ctx, char *said, size_t size)
{
    zmsg_t *msg = c->build(ctx);
    zmsg_send(&msg, peer->sock);
    s_send_probes(peer);
    br_msg_t *before[8];
    size_t count = 0;
    int resent = 0;
    for (;;) {
        br_msg_t *answer = s_answer(peer, 3000);
        if (!answer) {
            //  A dropped connection loses what was queued on it: ask again
            if (++resent > 3) {
                break;
            }
            s_send_probes(peer);
            continue;
        }
        if (br_msg_type(answer) == BR_MSG_WELCOME && count > 0 &&
            s_is_probe_error(before[count - 1])) {
            br_msg_destroy(&answer); //  the second probe's: all is said
            break;
        }
        if (count < sizeof before / sizeof before[0]) {
            before[count++] = answer;
        } else {
            br_msg_destroy(&answer);
        }
    }
    char got = resent > 3 ? '-' : 'n';
    snprintf(said, size, "nothing");
    if (got != '-' && (count >= 2 || (count == 1 && !s_is_probe_error(before[0])))) {
        br_msg_type_t type = br_msg_type(before[0]);
        got = type == BR_MSG_WELCOME ? 'w' : type == BR_MSG_ERROR ? 'e' : 'x';
        snprintf(said, size, "%s %s", br_msg_type_name(type),
                 type == BR_MSG_WELCOME ? br_msg_state(before[0])
                 : type == BR_MSG_ERROR ? br_msg_text(before[0])
                                        : "");
    }
    for (size_t i = 0; i < count; i++) {
        br_msg_destroy(&before[i]);
    }
    return got;
}

//  Sends one case and prints what came of it; true when that was right
static bool
s_case(const sec_case_t *c, const s_peer_t *accepted, const s_peer_t *unknown, const sec_ctx_t *ctx)
{
    static const char *expected[] = {"dropped", "refused", "no welcome", "answered or not"};
    char said[256];
    char got = s_try(c->unknown ? unknown : accepted, c, ctx, said, sizeof said);
    bool ok = got != '-' && (c->expect == SEC_ANY || (c->expect == SEC_DROP && got == 'n') ||
                             (c->expect == SEC_ERROR && got == 'e') ||
                             (c->expect == SEC_NOWELCOME && got != 'w'));
    printf("%s - %s key: %s: %s, answer: %s%s\n", ok ? "ok" : "not ok",
           c->unknown ? "unknown" : "accepted", c->what, expected[c->expect], said,
           got == '-' ? " (the master stopped answering)" : "");
    return ok;
}

int
sec_crafted_main(int argc, char **argv)
{
    if (argc != 6 && argc != 7) {
        return 2;
    }
    uint8_t master[BR_KEY_SIZE];
    sec_pubkey(argv[1], master);
    br_keypair_t *accepted_keys = sec_keys(argv[2], argv[3]);
    br_keypair_t *unknown_keys = br_keypair_generate();
    sec_ctx_t ctx = {argv[4], argv[5], argc == 7 ? argv[6] : "db1"};
    s_peer_t accepted = {sec_client(ZMQ_DEALER, accepted_keys, master, argv[0], NULL), argv[4]};
    s_peer_t unknown = {sec_client(ZMQ_DEALER, unknown_keys, master, argv[0], NULL),
                        "sec-probe-unknown"};
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sec_cases_ids_size; i++) {
        s_case(&sec_cases_ids[i], &accepted, &unknown, &ctx) ? passed++ : failed++;
    }
    for (size_t i = 0; i < sec_cases_frames_size; i++) {
        s_case(&sec_cases_frames[i], &accepted, &unknown, &ctx) ? passed++ : failed++;
    }
    printf("crafted: %d passed, %d failed\n", passed, failed);
    zsock_destroy(&accepted.sock);
    zsock_destroy(&unknown.sock);
    br_keypair_destroy(&unknown_keys);
    br_keypair_destroy(&accepted_keys);
    return failed ? 1 : 0;
}
