/*  br_msg: brine's messages as BSON documents.

    The decoder is where untrusted bytes from a socket or an opened seal
    become a message. It checks framing and structure before it looks at any
    field, then checks every field against the model in br_msg_model.c, and
    only then copies values out. The setters apply the same checks, so a
    message that encodes is one the peer will decode. Secrets of a body
    live only in br_secret memory, on both sides of the encoding. */
#include "br_msg_model.h"

#include <sodium.h>

typedef union {
    char *str;   //  BR_KIND_STRING: heap copy, NUL-terminated
    bson_t *doc; //  BR_KIND_DOCUMENT and BR_KIND_ARRAY: heap copy
    int64_t i64; //  BR_KIND_INT64
    int32_t i32; //  BR_KIND_INT32
    bool b;      //  BR_KIND_BOOL
} s_value_t;

struct _br_msg_t {
    br_msg_type_t type;               //  fixed by br_msg_new
    const br_msg_model_t *model;      //  the type's entry in the model
    uint32_t present;                 //  BR_FIELD_BIT of every field that holds a value
    s_value_t values[BR_FIELD_COUNT]; //  indexed by br_field_t; zero when absent
    br_secret_t **secrets;            //  a body's "sec", in order; BR_MSG_SECRETS_MAX slots
    size_t nsecrets;                  //  slots of secrets in use
};

br_msg_t *
br_msg_new(br_msg_type_t type)
{
    const br_msg_model_t *model = br_msg_model(type);
    if (!model) {
        return NULL;
    }
    br_msg_t *self = calloc(1, sizeof *self);
    if (self) {
        self->type = type;
        self->model = model;
    }
    return self;
}

static void
s_clear(br_msg_t *self, br_field_t field)
{
    if (!(self->present & BR_FIELD_BIT(field))) {
        return;
    }
    br_kind_t kind = br_msg_field(field)->kind;
    if (kind == BR_KIND_STRING) {
        free(self->values[field].str);
    } else if (kind == BR_KIND_DOCUMENT || kind == BR_KIND_ARRAY) {
        bson_destroy(self->values[field].doc);
    }
    memset(&self->values[field], 0, sizeof self->values[field]);
    self->present &= ~BR_FIELD_BIT(field);
}

void
br_msg_destroy(br_msg_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    br_msg_t *self = *self_p;
    for (int field = 0; field < BR_FIELD_COUNT; field++) {
        s_clear(self, (br_field_t)field);
    }
    for (size_t i = 0; i < self->nsecrets; i++) {
        br_secret_destroy(&self->secrets[i]);
    }
    free(self->secrets);
    free(self);
    *self_p = NULL;
}

br_msg_type_t
br_msg_type(const br_msg_t *self)
{
    return self ? self->type : 0;
}

const char *
br_msg_type_name(br_msg_type_t type)
{
    const br_msg_model_t *model = br_msg_model(type);
    return model ? model->name : "?";
}

static bool
s_allowed(const br_msg_t *self, br_field_t field)
{
    return ((self->model->required | self->model->optional) & BR_FIELD_BIT(field)) != 0;
}

//  The s_set_* functions check a value against the model and store a copy,
//  replacing any previous value. The decoder and the public setters share
//  them; the caller has checked that the field belongs to the message.

static int
s_set_string(br_msg_t *self, br_field_t field, const char *value, size_t len, br_errmsg_t *err)
{
    int rc = br_msg_check_string(self->model->name, field, value, len, err);
    if (rc) {
        return rc;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        return br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", self->model->name);
    }
    memcpy(copy, value, len);
    copy[len] = '\0';
    s_clear(self, field);
    self->values[field].str = copy;
    self->present |= BR_FIELD_BIT(field);
    return 0;
}

static int
s_set_doc(br_msg_t *self, br_field_t field, const bson_t *doc, br_errmsg_t *err)
{
    int rc = br_msg_check_document(self->model->name, field, doc, err);
    if (rc) {
        return rc;
    }
    bson_t *copy = bson_copy(doc);
    if (!copy) {
        return br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", self->model->name);
    }
    s_clear(self, field);
    self->values[field].doc = copy;
    self->present |= BR_FIELD_BIT(field);
    return 0;
}

static int
s_set_number(br_msg_t *self, br_field_t field, int64_t value, br_errmsg_t *err)
{
    int rc = br_msg_check_int(self->model->name, field, value, err);
    if (rc) {
        return rc;
    }
    s_value_t *slot = &self->values[field];
    switch (br_msg_field(field)->kind) {
    case BR_KIND_INT32:
        slot->i32 = (int32_t)value;
        break;
    case BR_KIND_INT64:
        slot->i64 = value;
        break;
    case BR_KIND_BOOL:
        slot->b = value != 0;
        break;
    default:
        return br_errmsg_set(err, BR_ERR_INTERNAL, "%s: not a number", self->model->name);
    }
    self->present |= BR_FIELD_BIT(field);
    return 0;
}

//  Always takes *secret_p: on failure the secret is destroyed here, so a
//  caller that forgets to check cannot leave it behind
static int
s_add_secret(br_msg_t *self, br_secret_t **secret_p, br_errmsg_t *err)
{
    const char *name = self->model->name;
    int rc = 0;
    if (!s_allowed(self, BR_FIELD_SEC)) {
        rc = br_errmsg_set(err, BR_ERR_FIELD, "%s: message has no field 'sec'", name);
    } else if (self->nsecrets >= BR_MSG_SECRETS_MAX) {
        rc = br_errmsg_set(err, BR_ERR_TOOBIG, "%s: field 'sec' has more than %d entries", name,
                           BR_MSG_SECRETS_MAX);
    } else if (br_secret_size(*secret_p) > BR_MSG_SECRET_MAX) {
        rc = br_errmsg_set(err, BR_ERR_TOOBIG, "%s: field 'sec' entry %zu is over %d bytes", name,
                           self->nsecrets, BR_MSG_SECRET_MAX);
    } else if (!self->secrets &&
               !(self->secrets = calloc(BR_MSG_SECRETS_MAX, sizeof *self->secrets))) {
        rc = br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", name);
    }
    if (rc) {
        br_secret_destroy(secret_p);
        return rc;
    }
    self->secrets[self->nsecrets++] = *secret_p;
    *secret_p = NULL;
    return 0;
}

//  --------------------------------------------------------------------------
//  Decoding

//  Framing and structure: all that can be said about the bytes before
//  looking at what the document means
static int
s_open(bson_t *doc, const uint8_t *data, size_t size, br_errmsg_t *err)
{
    if (size > BR_MSG_MAX) {
        return br_errmsg_set(err, BR_ERR_TOOBIG, "message: %zu bytes, limit %d", size, BR_MSG_MAX);
    }
    if (size < 5) {
        return br_errmsg_set(err, BR_ERR_TRUNCATED, "message: %zu bytes, too short for BSON", size);
    }
    uint32_t declared;
    memcpy(&declared, data, sizeof declared);
    declared = BSON_UINT32_FROM_LE(declared);
    if (declared < 5) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "message: declared length %u is too small",
                             (unsigned)declared);
    }
    if (declared > size) {
        return br_errmsg_set(err, BR_ERR_TRUNCATED, "message: %zu bytes of a declared %u", size,
                             (unsigned)declared);
    }
    if (declared < size) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "message: %zu bytes after the document",
                             size - declared);
    }
    if (!bson_init_static(doc, data, size)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "message: not a BSON document");
    }
    return br_msg_check_structure(doc, BR_MSG_DEPTH_MAX, err);
}

//  The version comes first: a document from another version may follow
//  another model, and reporting its fields would mislead
static int
s_header(const bson_t *doc, br_msg_type_t *type, br_errmsg_t *err)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc, "v")) {
        return br_errmsg_set(err, BR_ERR_FIELD, "message: missing field 'v' (protocol version)");
    }
    if (!BSON_ITER_HOLDS_INT32(&it)) {
        return br_errmsg_set(err, BR_ERR_TYPE, "message: field 'v' has type %s, expected int32",
                             br_msg_type_label(bson_iter_type(&it)));
    }
    int32_t version = bson_iter_int32(&it);
    if (version != BR_PROTO_VERSION) {
        return br_errmsg_set(err, BR_ERR_VERSION, "message: protocol version %d, expected %d",
                             (int)version, BR_PROTO_VERSION);
    }
    if (!bson_iter_init_find(&it, doc, "t")) {
        return br_errmsg_set(err, BR_ERR_FIELD, "message: missing field 't' (message type)");
    }
    if (!BSON_ITER_HOLDS_UTF8(&it)) {
        return br_errmsg_set(err, BR_ERR_TYPE, "message: field 't' has type %s, expected string",
                             br_msg_type_label(bson_iter_type(&it)));
    }
    uint32_t len;
    const char *name = bson_iter_utf8(&it, &len);
    *type = br_msg_model_type(name, len);
    if (!*type) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "message: unknown message type");
    }
    return 0;
}

static int
s_decode_secrets(br_msg_t *self, const bson_iter_t *it, const bson_t *array, br_errmsg_t *err)
{
    const char *name = self->model->name;
    bson_iter_t child;
    if (!br_msg_array_keys_ok(array) || !bson_iter_recurse(it, &child)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "%s: field 'sec' has keys other than 0, 1, ...",
                             name);
    }
    self->present |= BR_FIELD_BIT(BR_FIELD_SEC);
    for (size_t index = 0; bson_iter_next(&child); index++) {
        if (!BSON_ITER_HOLDS_BINARY(&child)) {
            return br_errmsg_set(err, BR_ERR_TYPE,
                                 "%s: field 'sec' entry %zu has type %s, expected binary", name,
                                 index, br_msg_type_label(bson_iter_type(&child)));
        }
        bson_subtype_t subtype;
        uint32_t size;
        const uint8_t *bytes;
        bson_iter_binary(&child, &subtype, &size, &bytes);
        if (subtype != BSON_SUBTYPE_BINARY) {
            return br_errmsg_set(err, BR_ERR_TYPE,
                                 "%s: field 'sec' entry %zu has binary subtype %d, expected 0",
                                 name, index, (int)subtype);
        }
        //  Refuse before copying, so no oversized secret is ever allocated
        if (size > BR_MSG_SECRET_MAX || index >= BR_MSG_SECRETS_MAX) {
            return br_errmsg_set(err, BR_ERR_TOOBIG,
                                 "%s: field 'sec' holds over %d entries or over %d bytes in one",
                                 name, BR_MSG_SECRETS_MAX, BR_MSG_SECRET_MAX);
        }
        //  Straight from the input to locked memory: no heap copy
        br_secret_t *secret = br_secret_from_bytes(bytes, size);
        if (!secret) {
            return br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of locked memory", name);
        }
        int rc = s_add_secret(self, &secret, err);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

static int
s_decode_field(br_msg_t *self, const bson_iter_t *it, br_errmsg_t *err)
{
    const char *name = self->model->name;
    const char *key = bson_iter_key(it);
    int found = br_msg_field_find(key);
    if (found < 0 || !s_allowed(self, (br_field_t)found)) {
        return br_errmsg_set(err, BR_ERR_FIELD, "%s: unknown field '%s'", name,
                             br_msg_safe_key(key));
    }
    br_field_t field = (br_field_t)found;
    const br_field_model_t *model = br_msg_field(field);
    if (self->present & BR_FIELD_BIT(field)) {
        return br_errmsg_set(err, BR_ERR_FIELD, "%s: duplicate field '%s'", name, model->key);
    }
    bson_type_t want = br_msg_kind_type(model->kind);
    if (bson_iter_type(it) != want) {
        return br_errmsg_set(err, BR_ERR_TYPE, "%s: field '%s' has type %s, expected %s", name,
                             model->key, br_msg_type_label(bson_iter_type(it)),
                             br_msg_type_label(want));
    }
    uint32_t len = 0;
    const uint8_t *data = NULL;
    bson_t sub;
    switch (model->kind) {
    case BR_KIND_STRING: {
        const char *value = bson_iter_utf8(it, &len);
        return s_set_string(self, field, value, len, err);
    }
    case BR_KIND_INT32:
        return s_set_number(self, field, bson_iter_int32(it), err);
    case BR_KIND_INT64:
        return s_set_number(self, field, bson_iter_int64(it), err);
    case BR_KIND_BOOL:
        return s_set_number(self, field, bson_iter_bool(it), err);
    case BR_KIND_DOCUMENT:
        bson_iter_document(it, &len, &data);
        break;
    case BR_KIND_ARRAY:
    case BR_KIND_SECRETS:
        bson_iter_array(it, &len, &data);
        break;
    }
    if (!data || !bson_init_static(&sub, data, len)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "%s: field '%s' is corrupt", name, model->key);
    }
    if (model->kind == BR_KIND_SECRETS) {
        return s_decode_secrets(self, it, &sub, err);
    }
    return s_set_doc(self, field, &sub, err);
}

static int
s_decode_fields(br_msg_t *self, const bson_t *doc, br_errmsg_t *err)
{
    const char *name = self->model->name;
    bool seen_v = false, seen_t = false;
    bson_iter_t it;
    if (!bson_iter_init(&it, doc)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "%s: not a BSON document", name);
    }
    while (bson_iter_next(&it)) {
        const char *key = bson_iter_key(&it);
        bool *seen = strcmp(key, "v") == 0 ? &seen_v : strcmp(key, "t") == 0 ? &seen_t : NULL;
        int rc = 0;
        if (seen && *seen) {
            rc = br_errmsg_set(err, BR_ERR_FIELD, "%s: duplicate field '%s'", name, key);
        } else if (seen) {
            *seen = true;
        } else {
            rc = s_decode_field(self, &it, err);
        }
        if (rc) {
            return rc;
        }
    }
    uint32_t missing = self->model->required & ~self->present;
    for (int field = 0; field < BR_FIELD_COUNT; field++) {
        if (missing & BR_FIELD_BIT(field)) {
            return br_errmsg_set(err, BR_ERR_FIELD, "%s: missing field '%s'", name,
                                 br_msg_field((br_field_t)field)->key);
        }
    }
    //  Readers of a hello can rely on grains being a document
    uint32_t absent = self->model->empty_doc & ~self->present;
    for (int field = 0; field < BR_FIELD_COUNT; field++) {
        if (absent & BR_FIELD_BIT(field)) {
            self->values[field].doc = bson_new();
            self->present |= BR_FIELD_BIT(field);
        }
    }
    return 0;
}

int
br_msg_decode(br_msg_t **self_p, const uint8_t *data, size_t size, br_errmsg_t *err)
{
    if (!self_p) {
        return br_errmsg_set(err, BR_ERR_INVALID, "message: nowhere to decode into");
    }
    *self_p = NULL;
    if (!data) {
        return br_errmsg_set(err, BR_ERR_INVALID, "message: no data");
    }
    bson_t doc;
    br_msg_type_t type = 0;
    int rc = s_open(&doc, data, size, err);
    if (rc == 0) {
        rc = s_header(&doc, &type, err);
    }
    if (rc) {
        return rc;
    }
    br_msg_t *self = br_msg_new(type);
    if (!self) {
        return br_errmsg_set(err, BR_ERR_NOMEM, "message: out of memory");
    }
    rc = s_decode_fields(self, &doc, err);
    if (rc) {
        br_msg_destroy(&self);
        return rc;
    }
    *self_p = self;
    return 0;
}

//  --------------------------------------------------------------------------
//  Encoding

static bool
s_append(bson_t *doc, br_field_t field, const s_value_t *value)
{
    const char *key = br_msg_field(field)->key;
    switch (br_msg_field(field)->kind) {
    case BR_KIND_STRING:
        return bson_append_utf8(doc, key, -1, value->str, -1);
    case BR_KIND_INT32:
        return bson_append_int32(doc, key, -1, value->i32);
    case BR_KIND_INT64:
        return bson_append_int64(doc, key, -1, value->i64);
    case BR_KIND_BOOL:
        return bson_append_bool(doc, key, -1, value->b);
    case BR_KIND_DOCUMENT:
        return bson_append_document(doc, key, -1, value->doc);
    case BR_KIND_ARRAY:
        return bson_append_array(doc, key, -1, value->doc);
    case BR_KIND_SECRETS:
        break;
    }
    return false;
}

static bool
s_append_secrets(const br_msg_t *self, bson_t *doc)
{
    bson_t array;
    if (!bson_append_array_begin(doc, "sec", -1, &array)) {
        return false;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < self->nsecrets; i++) {
        char buf[16];
        const char *key;
        size_t keylen = bson_uint32_to_string((uint32_t)i, &key, buf, sizeof buf);
        const br_secret_t *secret = self->secrets[i];
        ok = bson_append_binary(&array, key, (int)keylen, BSON_SUBTYPE_BINARY,
                                br_secret_cdata(secret), (uint32_t)br_secret_size(secret));
    }
    return bson_append_array_end(doc, &array) && ok;
}

//  False when a required field is unset, when secrets would be written to
//  memory that is not wiped, or when the result is too big for the peer
static bool
s_build(const br_msg_t *self, bson_t *doc, bool with_secrets)
{
    if ((self->model->required & ~self->present) || (self->nsecrets && !with_secrets)) {
        return false;
    }
    bool ok = bson_append_int32(doc, "v", -1, BR_PROTO_VERSION) &&
              bson_append_utf8(doc, "t", -1, self->model->name, -1);
    for (int field = 0; ok && field < BR_FIELD_COUNT; field++) {
        if ((self->present & BR_FIELD_BIT(field)) && field != BR_FIELD_SEC) {
            ok = s_append(doc, (br_field_t)field, &self->values[field]);
        }
    }
    if (ok && self->nsecrets) {
        ok = s_append_secrets(self, doc);
    }
    return ok && doc->len <= BR_MSG_MAX;
}

zframe_t *
br_msg_encode(const br_msg_t *self)
{
    if (!self) {
        return NULL;
    }
    bson_t *doc = bson_new();
    zframe_t *frame = NULL;
    if (s_build(self, doc, false)) {
        frame = zframe_new(bson_get_data(doc), doc->len);
    }
    bson_destroy(doc);
    return frame;
}

typedef struct {
    size_t size;     //  bytes in the buffer libbson holds now
    size_t capacity; //  bytes the locked allocation behind it can hold
} s_locked_t;

//  A locked allocation spends whole pages (and guard pages, and several
//  system calls to map, protect and lock them) however few bytes it is
//  asked for. So ask for the rest of the last page too, and let libbson
//  grow into it: its doubling from a few bytes would otherwise cost a new
//  locked allocation per step, for every body the master seals.
static size_t
s_locked_capacity(size_t size)
{
    //  What sodium_malloc keeps beside the caller's bytes on their pages
    const size_t overhead = 64;
    size_t page = 4096;
    size_t whole = (size + overhead + page - 1) / page * page;
    return whole - overhead;
}

//  libbson grows its buffer through this function. Every generation of the
//  buffer is locked memory, and sodium_free wipes the one it replaces, so a
//  body never leaves a plaintext copy on the heap.
static void *
s_locked_realloc(void *mem, size_t size, void *ctx)
{
    s_locked_t *locked = ctx;
    if (mem && size && size <= locked->capacity) {
        locked->size = size;
        return mem;
    }
    void *fresh = NULL;
    size_t capacity = 0;
    if (size) {
        capacity = s_locked_capacity(size);
        fresh = sodium_malloc(capacity);
        //  libbson does not check for NULL here; its own allocator aborts
        if (!fresh) {
            abort();
        }
        if (mem) {
            memcpy(fresh, mem, locked->size < size ? locked->size : size);
        }
    }
    sodium_free(mem);
    locked->size = size;
    locked->capacity = capacity;
    return fresh;
}

br_secret_t *
br_msg_encode_secret(const br_msg_t *self)
{
    if (!self || sodium_init() < 0) {
        return NULL;
    }
    s_locked_t locked = {0};
    uint8_t *buf = NULL;
    size_t buflen = 0;
    bson_t *doc = bson_new_from_buffer(&buf, &buflen, s_locked_realloc, &locked);
    br_secret_t *secret = NULL;
    size_t len = doc && s_build(self, doc, true) ? doc->len : 0;
    //  The buffer belongs to us, not to doc: it becomes the secret as it is
    bson_destroy(doc);
    if (len) {
        secret = br_secret_adopt(&buf, len);
    }
    sodium_free(buf);
    return secret;
}

//  --------------------------------------------------------------------------
//  Accessors

static const char *
s_str(const br_msg_t *self, br_field_t field)
{
    return self && (self->present & BR_FIELD_BIT(field)) ? self->values[field].str : NULL;
}

static const bson_t *
s_doc(const br_msg_t *self, br_field_t field)
{
    return self && (self->present & BR_FIELD_BIT(field)) ? self->values[field].doc : NULL;
}

static const s_value_t *
s_num(const br_msg_t *self, br_field_t field)
{
    static const s_value_t zero;
    return self && (self->present & BR_FIELD_BIT(field)) ? &self->values[field] : &zero;
}

static int
s_put_str(br_msg_t *self, br_field_t field, const char *value)
{
    if (!self || !value) {
        return BR_ERR_INVALID;
    }
    if (!s_allowed(self, field)) {
        return BR_ERR_FIELD;
    }
    //  One byte past the limit is enough to see that a value is too long
    size_t len = strnlen(value, br_msg_field(field)->max + 1);
    return s_set_string(self, field, value, len, NULL);
}

static int
s_put_doc(br_msg_t *self, br_field_t field, const bson_t *doc)
{
    if (!self || !doc) {
        return BR_ERR_INVALID;
    }
    if (!s_allowed(self, field)) {
        return BR_ERR_FIELD;
    }
    //  Size first, so an oversized document is not walked; the document
    //  sits one level below the message
    int rc = br_msg_check_document(self->model->name, field, doc, NULL);
    if (rc == 0) {
        rc = br_msg_check_structure(doc, BR_MSG_DEPTH_MAX - 1, NULL);
    }
    return rc ? rc : s_set_doc(self, field, doc, NULL);
}

static int
s_put_num(br_msg_t *self, br_field_t field, int64_t value)
{
    if (!self) {
        return BR_ERR_INVALID;
    }
    if (!s_allowed(self, field)) {
        return BR_ERR_FIELD;
    }
    return s_set_number(self, field, value, NULL);
}

const char *
br_msg_id(const br_msg_t *self)
{
    return s_str(self, BR_FIELD_ID);
}

int
br_msg_set_id(br_msg_t *self, const char *id)
{
    return s_put_str(self, BR_FIELD_ID, id);
}

const char *
br_msg_ver(const br_msg_t *self)
{
    return s_str(self, BR_FIELD_VER);
}

int
br_msg_set_ver(br_msg_t *self, const char *ver)
{
    return s_put_str(self, BR_FIELD_VER, ver);
}

const char *
br_msg_seal(const br_msg_t *self)
{
    return s_str(self, BR_FIELD_SEAL);
}

int
br_msg_set_seal(br_msg_t *self, const char *z85)
{
    return s_put_str(self, BR_FIELD_SEAL, z85);
}

const bson_t *
br_msg_grains(const br_msg_t *self)
{
    return s_doc(self, BR_FIELD_GRAINS);
}

int
br_msg_set_grains(br_msg_t *self, const bson_t *grains)
{
    return s_put_doc(self, BR_FIELD_GRAINS, grains);
}

const char *
br_msg_state(const br_msg_t *self)
{
    return s_str(self, BR_FIELD_STATE);
}

int
br_msg_set_state(br_msg_t *self, const char *state)
{
    return s_put_str(self, BR_FIELD_STATE, state);
}

int32_t
br_msg_pub_port(const br_msg_t *self)
{
    return s_num(self, BR_FIELD_PUB_PORT)->i32;
}

int
br_msg_set_pub_port(br_msg_t *self, int32_t port)
{
    return s_put_num(self, BR_FIELD_PUB_PORT, port);
}

const char *
br_msg_jid(const br_msg_t *self)
{
    return s_str(self, BR_FIELD_JID);
}

int
br_msg_set_jid(br_msg_t *self, const char *jid)
{
    return s_put_str(self, BR_FIELD_JID, jid);
}

int64_t
br_msg_exp(const br_msg_t *self)
{
    return s_num(self, BR_FIELD_EXP)->i64;
}

int
br_msg_set_exp(br_msg_t *self, int64_t exp)
{
    return s_put_num(self, BR_FIELD_EXP, exp);
}

const char *
br_msg_fun(const br_msg_t *self)
{
    return s_str(self, BR_FIELD_FUN);
}

int
br_msg_set_fun(br_msg_t *self, const char *fun)
{
    return s_put_str(self, BR_FIELD_FUN, fun);
}

const bson_t *
br_msg_arg(const br_msg_t *self)
{
    return s_doc(self, BR_FIELD_ARG);
}

int
br_msg_set_arg(br_msg_t *self, const bson_t *arg)
{
    return s_put_doc(self, BR_FIELD_ARG, arg);
}

const bson_t *
br_msg_kwarg(const br_msg_t *self)
{
    return s_doc(self, BR_FIELD_KWARG);
}

int
br_msg_set_kwarg(br_msg_t *self, const bson_t *kwarg)
{
    return s_put_doc(self, BR_FIELD_KWARG, kwarg);
}

const bson_t *
br_msg_ret(const br_msg_t *self)
{
    return s_doc(self, BR_FIELD_RET);
}

int
br_msg_set_ret(br_msg_t *self, const bson_t *ret)
{
    return s_put_doc(self, BR_FIELD_RET, ret);
}

bool
br_msg_ok(const br_msg_t *self)
{
    return s_num(self, BR_FIELD_OK)->b;
}

int
br_msg_set_ok(br_msg_t *self, bool ok)
{
    return s_put_num(self, BR_FIELD_OK, ok);
}

int64_t
br_msg_dur(const br_msg_t *self)
{
    return s_num(self, BR_FIELD_DUR)->i64;
}

int
br_msg_set_dur(br_msg_t *self, int64_t dur)
{
    return s_put_num(self, BR_FIELD_DUR, dur);
}

int32_t
br_msg_code(const br_msg_t *self)
{
    return s_num(self, BR_FIELD_CODE)->i32;
}

int
br_msg_set_code(br_msg_t *self, int32_t code)
{
    return s_put_num(self, BR_FIELD_CODE, code);
}

const char *
br_msg_text(const br_msg_t *self)
{
    return s_str(self, BR_FIELD_TEXT);
}

int
br_msg_set_text(br_msg_t *self, const char *text)
{
    return s_put_str(self, BR_FIELD_TEXT, text);
}

size_t
br_msg_secret_count(const br_msg_t *self)
{
    return self ? self->nsecrets : 0;
}

br_secret_t *
br_msg_secret(br_msg_t *self, size_t index)
{
    return self && index < self->nsecrets ? self->secrets[index] : NULL;
}

int
br_msg_add_secret(br_msg_t *self, br_secret_t **secret_p)
{
    if (!secret_p || !*secret_p) {
        return BR_ERR_INVALID;
    }
    if (!self) {
        br_secret_destroy(secret_p);
        return BR_ERR_INVALID;
    }
    return s_add_secret(self, secret_p, NULL);
}

const bson_t *
br_msg_low(const br_msg_t *self)
{
    return s_doc(self, BR_FIELD_LOW);
}

int
br_msg_set_low(br_msg_t *self, const bson_t *low)
{
    return s_put_doc(self, BR_FIELD_LOW, low);
}

const char *
br_msg_tgt(const br_msg_t *self)
{
    return s_str(self, BR_FIELD_TGT);
}

int
br_msg_set_tgt(br_msg_t *self, const char *tgt)
{
    return s_put_str(self, BR_FIELD_TGT, tgt);
}

const char *
br_msg_tgt_type(const br_msg_t *self)
{
    return s_str(self, BR_FIELD_TGT_TYPE);
}

int
br_msg_set_tgt_type(br_msg_t *self, const char *tgt_type)
{
    return s_put_str(self, BR_FIELD_TGT_TYPE, tgt_type);
}

int32_t
br_msg_timeout(const br_msg_t *self)
{
    return s_num(self, BR_FIELD_TIMEOUT)->i32;
}

int
br_msg_set_timeout(br_msg_t *self, int32_t timeout)
{
    return s_put_num(self, BR_FIELD_TIMEOUT, timeout);
}

const bson_t *
br_msg_minions(const br_msg_t *self)
{
    return s_doc(self, BR_FIELD_MINIONS);
}

int
br_msg_set_minions(br_msg_t *self, const bson_t *minions)
{
    return s_put_doc(self, BR_FIELD_MINIONS, minions);
}

const bson_t *
br_msg_missing(const br_msg_t *self)
{
    return s_doc(self, BR_FIELD_MISSING);
}

int
br_msg_set_missing(br_msg_t *self, const bson_t *missing)
{
    return s_put_doc(self, BR_FIELD_MISSING, missing);
}
