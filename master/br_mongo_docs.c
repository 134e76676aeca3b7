/*  br_mongo_docs: job cache documents to MongoDB documents and back. */
#include "br_mongo_docs.h"

#include <stdio.h>

static const char *
s_str(const bson_t *doc, const char *key)
{
    bson_iter_t it;
    return bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it)
               ? bson_iter_utf8(&it, NULL)
               : NULL;
}

static int64_t
s_int(const bson_t *doc, const char *key, int64_t def)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, doc, key)) {
        return def;
    }
    if (BSON_ITER_HOLDS_DATE_TIME(&it)) {
        return bson_iter_date_time(&it);
    }
    return BSON_ITER_HOLDS_NUMBER(&it) ? bson_iter_as_int64(&it) : def;
}

//  Copies doc[key] (any type) into out under name, when there
static void
s_copy(bson_t *out, const char *name, const bson_t *doc, const char *key)
{
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, key)) {
        bson_append_iter(out, name, -1, &it);
    }
}

//  Keys of a return as MongoDB can take them, and back: state results are
//  keyed by state ids and names, which hold dots and dollars (/etc/my.cnf),
//  which MongoDB before 5.0 and most tools refuse in a key. As Salt's
//  mongo returner does, they are escaped; here reversibly, by percent
//  encoding: % . $ become %25 %2E %24. NULL when out of memory
static char *
s_key(const char *key, bool escape)
{
    size_t len = strlen(key);
    char *out = malloc(len * 3 + 1), *o = out;
    for (size_t i = 0; out && i < len; i++) {
        char c = key[i];
        if (escape && (c == '%' || c == '.' || c == '$')) {
            o += sprintf(o, "%%%02X", (unsigned char)c);
        } else if (!escape && c == '%' && i + 2 < len && key[i + 1] == '2' &&
                   (key[i + 2] == '5' || key[i + 2] == 'E' || key[i + 2] == '4')) {
            *o++ = key[i + 2] == '5' ? '%' : key[i + 2] == 'E' ? '.' : '$';
            i += 2;
        } else {
            *o++ = c;
        }
    }
    if (out) {
        *o = '\0';
    }
    return out;
}

//  Appends the value at it under key, escaping (or unescaping) the keys of
//  every document inside it
static void
s_copy_keys(bson_t *out, const char *key, const bson_iter_t *it, bool escape)
{
    bool array = BSON_ITER_HOLDS_ARRAY(it);
    bson_iter_t sub;
    if (!(array || BSON_ITER_HOLDS_DOCUMENT(it)) || !bson_iter_recurse(it, &sub)) {
        bson_append_iter(out, key, -1, it);
        return;
    }
    bson_t child;
    if (array) {
        bson_append_array_begin(out, key, -1, &child);
    } else {
        bson_append_document_begin(out, key, -1, &child);
    }
    while (bson_iter_next(&sub)) {
        char *name = array ? NULL : s_key(bson_iter_key(&sub), escape);
        s_copy_keys(&child, array ? bson_iter_key(&sub) : name ? name : "", &sub, escape);
        free(name);
    }
    if (array) {
        bson_append_array_end(out, &child);
    } else {
        bson_append_document_end(out, &child);
    }
}

//  The fields a job document and a job cache document have alike
static void
s_copy_job(bson_t *out, const bson_t *job)
{
    static const char *keys[] = {"fun", "arg", "tgt", "tgt_type"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        s_copy(out, keys[i], job, keys[i]);
    }
}

bson_t *
br_mongo_return_doc(const char *master, const char *jid, const char *fun, const char *minion,
                    const bson_t *entry)
{
    bson_iter_t it, ret;
    bson_t *doc = bson_new();
    char id[BR_JID_LEN + BR_ID_MAX + 2];
    snprintf(id, sizeof id, "%s/%s", jid, minion);
    BSON_APPEND_UTF8(doc, "_id", id);
    BSON_APPEND_UTF8(doc, "jid", jid);
    BSON_APPEND_UTF8(doc, "minion", minion);
    BSON_APPEND_UTF8(doc, "fun", fun);
    //  Salt's return is what the function gave, without the envelope
    if (bson_iter_init_find(&it, entry, "ret") && bson_iter_recurse(&it, &ret) &&
        bson_iter_find(&ret, "return")) {
        s_copy_keys(doc, "return", &ret, true);
    } else {
        BSON_APPEND_NULL(doc, "return");
    }
    bool ok =
        bson_iter_init_find(&it, entry, "ok") && BSON_ITER_HOLDS_BOOL(&it) && bson_iter_bool(&it);
    BSON_APPEND_BOOL(doc, "success", ok);
    //  Milliseconds, as Salt gives a state's duration (the wire has µs)
    BSON_APPEND_DOUBLE(doc, "duration", (double)s_int(entry, "dur", 0) / 1000.0);
    BSON_APPEND_DATE_TIME(doc, "time", s_int(entry, "time", 0));
    BSON_APPEND_UTF8(doc, "master", master);
    return doc;
}

bson_t *
br_mongo_job_doc(const char *master, const bson_t *job)
{
    const char *jid = s_str(job, "jid");
    if (!jid) {
        return NULL;
    }
    bson_t *doc = bson_new();
    BSON_APPEND_UTF8(doc, "_id", jid);
    BSON_APPEND_UTF8(doc, "jid", jid);
    s_copy_job(doc, job);
    s_copy(doc, "minions", job, "minions");
    BSON_APPEND_DATE_TIME(doc, "started", s_int(job, "started", 0));
    bson_iter_t it;
    if (bson_iter_init_find(&it, job, "finished")) {
        BSON_APPEND_DATE_TIME(doc, "finished", s_int(job, "finished", 0));
        uint32_t returned = 0;
        bson_iter_t ret;
        if (bson_iter_init_find(&it, job, "returns") && bson_iter_recurse(&it, &ret)) {
            while (bson_iter_next(&ret)) {
                returned++;
            }
        }
        BSON_APPEND_INT32(doc, "returned", (int32_t)returned);
        s_copy(doc, "missing", job, "missing");
    }
    BSON_APPEND_UTF8(doc, "master", master);
    return doc;
}

static void
s_index(bson_t *indexes, int n, const char *field, int order)
{
    char key[16], name[64];
    snprintf(key, sizeof key, "%d", n);
    snprintf(name, sizeof name, "%s_%d", field, order);
    bson_t index, spec;
    BSON_APPEND_DOCUMENT_BEGIN(indexes, key, &index);
    BSON_APPEND_DOCUMENT_BEGIN(&index, "key", &spec);
    BSON_APPEND_INT32(&spec, field, order);
    bson_append_document_end(&index, &spec);
    BSON_APPEND_UTF8(&index, "name", name);
    bson_append_document_end(indexes, &index);
}

bson_t *
br_mongo_index_cmd(const char *collection)
{
    bson_t *cmd = bson_new(), indexes;
    BSON_APPEND_UTF8(cmd, "createIndexes", collection);
    BSON_APPEND_ARRAY_BEGIN(cmd, "indexes", &indexes);
    if (strcmp(collection, BR_MONGO_RETURNS) == 0) {
        s_index(&indexes, 0, "jid", 1);
        s_index(&indexes, 1, "minion", 1);
        s_index(&indexes, 2, "time", -1);
    } else {
        s_index(&indexes, 0, "started", -1);
        s_index(&indexes, 1, "master", 1);
    }
    bson_append_array_end(cmd, &indexes);
    return cmd;
}

bson_t *
br_mongo_cache_doc(const bson_t *job, zlistx_t *returns)
{
    bson_t *doc = bson_new(), entries, entry, ret;
    s_copy(doc, "jid", job, "jid");
    s_copy_job(doc, job);
    BSON_APPEND_INT64(doc, "started", s_int(job, "started", 0));
    bson_iter_t it;
    if (bson_iter_init_find(&it, job, "finished")) {
        BSON_APPEND_INT64(doc, "finished", s_int(job, "finished", 0));
    }
    s_copy(doc, "minions", job, "minions");
    BSON_APPEND_DOCUMENT_BEGIN(doc, "returns", &entries);
    for (bson_t *r = zlistx_first(returns); r; r = zlistx_next(returns)) {
        const char *minion = s_str(r, "minion");
        if (!minion) {
            continue;
        }
        BSON_APPEND_DOCUMENT_BEGIN(&entries, minion, &entry);
        bson_iter_t ok;
        BSON_APPEND_BOOL(&entry, "ok",
                         bson_iter_init_find(&ok, r, "success") && BSON_ITER_HOLDS_BOOL(&ok) &&
                             bson_iter_bool(&ok));
        BSON_APPEND_DOCUMENT_BEGIN(&entry, "ret", &ret);
        bson_iter_t value;
        if (bson_iter_init_find(&value, r, "return")) {
            s_copy_keys(&ret, "return", &value, false);
        }
        bson_append_document_end(&entry, &ret);
        bson_iter_t d;
        BSON_APPEND_INT64(&entry, "dur",
                          bson_iter_init_find(&d, r, "duration") && BSON_ITER_HOLDS_NUMBER(&d)
                              ? (int64_t)(bson_iter_as_double(&d) * 1000.0 + 0.5)
                              : 0);
        BSON_APPEND_INT64(&entry, "time", s_int(r, "time", 0));
        bson_append_document_end(&entries, &entry);
    }
    bson_append_document_end(doc, &entries);
    s_copy(doc, "missing", job, "missing");
    s_copy(doc, "master", job, "master");
    return doc;
}

void
br_mongo_bson_free(void **item)
{
    bson_destroy((bson_t *)*item);
    *item = NULL;
}
