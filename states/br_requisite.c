/*  br_requisite: requisites to edges between compiled states, Salt's
    order values, and the execution order (each state after what it
    needs), for br_compile.

    Targets are found through indexes of the states by ID, by name and by
    SLS that cost no allocation per state, and edges are appended as found
    and made unique once at the end, so that resolving stays linear even
    when one requisite names a whole SLS of 10,000 states. */
#include "br_state_int.h"

#include <stddef.h>
#include <stdio.h>

//  Salt's auto order starts here and counts up in definition order; 'last'
//  (and a negative N) sorts after everything, 'first' before.
#define BR_ORDER_AUTO 10000.0
#define BR_ORDER_LAST_PAD 1000000.0

const br_req_arg_t br_req_args[BR_REQ_ARGS] = {
    {"require", BR_REQ_REQUIRE, false},     {"require_in", BR_REQ_REQUIRE, true},
    {"watch", BR_REQ_WATCH, false},         {"watch_in", BR_REQ_WATCH, true},
    {"onchanges", BR_REQ_ONCHANGES, false}, {"onchanges_in", BR_REQ_ONCHANGES, true},
    {"onfail", BR_REQ_ONFAIL, false},       {"onfail_in", BR_REQ_ONFAIL, true},
};

//  One distinct string of a table.
typedef struct {
    uint32_t hash;
    uint32_t first; //  its first chunk + 1; 0 for an empty slot
    uint32_t last;  //  its last chunk
} s_slot_t;

//  Chunks by one of their strings (ID, name or SLS): an open-addressing
//  table of each string's first and last chunk, and per chunk the next one
//  with the same string, in definition order.
typedef struct {
    s_slot_t *slots;
    size_t mask;    //  slots - 1; slots is a power of two, at least twice the chunks
    uint32_t *next; //  per chunk: the next chunk + 1 with the same string, or 0
    size_t field;   //  offsetof(br_chunk_t, id), name or sls
} s_table_t;

typedef struct {
    s_table_t by_id, by_name, by_sls;
} s_index_t;

static uint32_t
s_hash(const char *key)
{
    uint32_t hash = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        hash = (hash ^ *p) * 16777619u;
    }
    return hash;
}

static const char *
s_key(const br_low_t *low, const s_table_t *table, size_t chunk)
{
    return *(const char *const *)((const char *)&low->chunks[chunk] + table->field);
}

//  The slot of key (hash): its own, or the empty one where it would go.
static s_slot_t *
s_slot(const br_low_t *low, const s_table_t *table, const char *key, uint32_t hash)
{
    for (size_t at = hash & table->mask;; at = (at + 1) & table->mask) {
        s_slot_t *slot = &table->slots[at];
        if (!slot->first ||
            (slot->hash == hash && strcmp(s_key(low, table, slot->first - 1), key) == 0)) {
            return slot;
        }
    }
}

static int
s_table_init(s_table_t *table, size_t chunks, size_t field)
{
    size_t slots = 16;
    while (slots < chunks * 2) {
        slots *= 2;
    }
    table->slots = calloc(slots, sizeof *table->slots);
    table->next = calloc(chunks ? chunks : 1, sizeof *table->next);
    table->mask = slots - 1;
    table->field = field;
    return table->slots && table->next ? BR_OK : BR_ERR_NOMEM;
}

static void
s_table_add(const br_low_t *low, s_table_t *table, size_t chunk)
{
    const char *key = s_key(low, table, chunk);
    uint32_t hash = s_hash(key);
    s_slot_t *slot = s_slot(low, table, key, hash);
    if (slot->first) {
        table->next[slot->last] = (uint32_t)(chunk + 1);
    } else {
        slot->hash = hash;
        slot->first = (uint32_t)(chunk + 1);
    }
    slot->last = (uint32_t)chunk;
}

//  The first chunk + 1 with string key, or 0; the others follow by next.
static size_t
s_table_first(const br_low_t *low, const s_table_t *table, const char *key)
{
    return s_slot(low, table, key, s_hash(key))->first;
}

static void
s_table_clear(s_table_t *table)
{
    free(table->slots);
    free(table->next);
}

//  The edge of requisite argument req between chunk i and chunk t.
static int
s_link(br_low_t *low, size_t i, const br_req_arg_t *req, size_t t)
{
    return req->in ? br_idxs_push(&low->chunks[t].reqs[req->kind], i)
                   : br_idxs_push(&low->chunks[i].reqs[req->kind], t);
}

//  Links chunk i to the chunks a requisite item refers to: "ID" (or a
//  name), {module: ID-or-name} or {sls: name}. *found counts them.
static int
s_targets(br_low_t *low, const s_index_t *index, size_t i, const br_req_arg_t *req,
          const char *module, const char *target, size_t *found)
{
    if (module && strcmp(module, "sls") == 0) {
        for (size_t at = s_table_first(low, &index->by_sls, target); at;
             at = index->by_sls.next[at - 1]) {
            if (s_link(low, i, req, at - 1) != BR_OK) {
                return BR_ERR_NOMEM;
            }
            ++*found;
        }
        return BR_OK;
    }
    const s_table_t *tables[] = {&index->by_id, &index->by_name};
    for (int t = 0; t < 2; t++) {
        for (size_t at = s_table_first(low, tables[t], target); at; at = tables[t]->next[at - 1]) {
            if (module && strcmp(module, "id") != 0 &&
                strcmp(low->chunks[at - 1].module->name, module) != 0) {
                continue;
            }
            if (s_link(low, i, req, at - 1) != BR_OK) {
                return BR_ERR_NOMEM;
            }
            ++*found;
        }
        //  IDs win over names, as in Salt
        if (*found && !module) {
            break;
        }
    }
    return BR_OK;
}

//  The items of requisite argument req of state i (value v).
static int
s_resolve(br_low_t *low, const s_index_t *index, size_t i, const br_hstate_t *h,
          const br_req_arg_t *req, const br_value_t *v, br_errmsg_t *err)
{
    char text[512];
    //  Salt wants a list; a single item is accepted as a list of one
    bool list = br_value_kind(v) == BR_V_LIST;
    size_t count = list ? br_value_list_size(v) : 1;
    for (size_t n = 0; n < count; n++) {
        const br_value_t *item = list ? br_value_list_at(v, n) : v;
        const char *module = NULL, *target = NULL;
        if (br_value_kind(item) == BR_V_STR) {
            target = br_value_as_str(item);
        } else if (br_value_kind(item) == BR_V_MAP && br_value_map_size(item) == 1 &&
                   br_value_kind(br_value_map_at(item, 0)) == BR_V_STR) {
            module = br_value_map_key(item, 0);
            target = br_value_as_str(br_value_map_at(item, 0));
        } else {
            snprintf(text, sizeof text, "%s: each item must be an ID or a single 'module: ID' pair",
                     req->name);
            return br_state_fail(err, BR_ERR_TYPE, h, item ? item : v, text);
        }
        size_t found = 0;
        int rc = s_targets(low, index, i, req, module, target, &found);
        if (rc == BR_OK && found == 0) {
            snprintf(text, sizeof text, "%s: no state matches '%s%s%s'", req->name,
                     module ? module : "", module ? ": " : "", target);
            rc = br_state_fail(err, BR_ERR_NOTFOUND, h, item, text);
        }
        if (rc != BR_OK) {
            return rc;
        }
    }
    return BR_OK;
}

//  Keeps the first of each chunk in every requisite list, in order (one
//  state named twice, by ID and by name or by two items, is one edge).
static int
s_unique(br_low_t *low)
{
    //  Per chunk: the list that last kept it, + 1
    size_t *kept = calloc(low->size ? low->size : 1, sizeof *kept);
    if (!kept) {
        return BR_ERR_NOMEM;
    }
    for (size_t i = 0; i < low->size; i++) {
        for (int k = 0; k < BR_REQ_KINDS; k++) {
            br_idxs_t *reqs = &low->chunks[i].reqs[k];
            size_t list = i * BR_REQ_KINDS + (size_t)k + 1, size = 0;
            for (size_t r = 0; r < reqs->size; r++) {
                if (kept[reqs->items[r]] != list) {
                    kept[reqs->items[r]] = list;
                    reqs->items[size++] = reqs->items[r];
                }
            }
            reqs->size = size;
        }
    }
    free(kept);
    return BR_OK;
}

int
br_requisites(br_low_t *low, const br_high_t *high, const uint8_t *reqs, br_errmsg_t *err)
{
    s_index_t index = {{0}, {0}, {0}};
    int rc = BR_ERR_NOMEM;
    if (low->size >= UINT32_MAX / 2) {
        return br_errmsg_set(err, BR_ERR_TOOBIG, "more than %u states", UINT32_MAX / 2);
    }
    if (s_table_init(&index.by_id, low->size, offsetof(br_chunk_t, id)) != BR_OK ||
        s_table_init(&index.by_name, low->size, offsetof(br_chunk_t, name)) != BR_OK ||
        s_table_init(&index.by_sls, low->size, offsetof(br_chunk_t, sls)) != BR_OK) {
        goto out;
    }
    for (size_t i = 0; i < low->size; i++) {
        s_table_add(low, &index.by_id, i);
        s_table_add(low, &index.by_name, i);
        s_table_add(low, &index.by_sls, i);
    }
    rc = BR_OK;
    for (size_t i = 0; rc == BR_OK && i < low->size; i++) {
        const br_hstate_t *h = br_high_at(high, i);
        for (size_t r = 0; rc == BR_OK && reqs[i] && r < BR_REQ_ARGS; r++) {
            if (reqs[i] & (1u << r)) {
                rc = s_resolve(low, &index, i, h, &br_req_args[r],
                               br_value_map_get(h->args, br_req_args[r].name), err);
            }
        }
    }
    if (rc == BR_OK) {
        rc = s_unique(low);
    }
out:
    s_table_clear(&index.by_id);
    s_table_clear(&index.by_name);
    s_table_clear(&index.by_sls);
    return rc;
}

//  Salt's order_chunks: explicit N as given, unset in definition order from
//  BR_ORDER_AUTO, first before all, last (and negative N) after all.
void
br_order_assign(br_low_t *low)
{
    double cap = BR_ORDER_AUTO + (double)low->size;
    for (size_t i = 0; i < low->size; i++) {
        br_chunk_t *c = &low->chunks[i];
        if (c->order_kind == BR_ORDER_NUMBER && c->order + 100 > cap) {
            cap = c->order + 100;
        }
    }
    for (size_t i = 0; i < low->size; i++) {
        br_chunk_t *c = &low->chunks[i];
        switch (c->order_kind) {
        case BR_ORDER_UNSET:
            c->order = BR_ORDER_AUTO + (double)i;
            break;
        case BR_ORDER_FIRST:
            c->order = 0;
            break;
        case BR_ORDER_LAST:
            c->order = cap + BR_ORDER_LAST_PAD;
            break;
        default:
            if (c->order < 0) {
                c->order = cap + BR_ORDER_LAST_PAD + c->order;
            }
        }
    }
}

static int
s_by_order(const void *a, const void *b, void *arg)
{
    const br_low_t *low = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    double ox = low->chunks[x].order, oy = low->chunks[y].order;
    if (ox != oy) {
        return ox < oy ? -1 : 1;
    }
    return x < y ? -1 : (x > y ? 1 : 0);
}

//  The chunks by order, then definition order. Orders left to Salt's
//  defaults already are in that order, and need no sort.
static void
s_sorted(br_low_t *low, size_t *sorted)
{
    bool in_order = true;
    for (size_t i = 0; i < low->size; i++) {
        sorted[i] = i;
        in_order = in_order && (i == 0 || low->chunks[i - 1].order <= low->chunks[i].order);
    }
    if (!in_order) {
        qsort_r(sorted, low->size, sizeof *sorted, s_by_order, low);
    }
}

//  Depth-first from each state in order: requisites run before the state
//  that needs them (Salt pulls them forward the same way). A state met again
//  while still on the path closes a cycle, which is named in full.
int
br_order_exec(br_low_t *low, br_errmsg_t *err)
{
    int rc = BR_ERR_NOMEM;
    size_t count = low->size ? low->size : 1;
    size_t *sorted = malloc(count * sizeof *sorted);
    uint8_t *mark = calloc(count, 1);            //  0 new, 1 on path, 2 done
    size_t *path = malloc(count * sizeof *path); //  the DFS stack
    size_t *next = calloc(count, sizeof *next);  //  next edge per chunk
    if (!sorted || !path || !mark || !next) {
        goto out;
    }
    s_sorted(low, sorted);
    size_t emitted = 0;
    for (size_t s = 0; s < low->size; s++) {
        if (mark[sorted[s]]) {
            continue;
        }
        size_t depth = 0;
        path[depth++] = sorted[s];
        mark[sorted[s]] = 1;
        while (depth) {
            br_chunk_t *c = &low->chunks[path[depth - 1]];
            //  Edges of every kind, in declaration order within a kind
            size_t edge = next[path[depth - 1]]++, kind = 0;
            while (kind < BR_REQ_KINDS && edge >= c->reqs[kind].size) {
                edge -= c->reqs[kind].size;
                kind++;
            }
            if (kind == BR_REQ_KINDS) {
                mark[path[depth - 1]] = 2;
                low->exec[emitted++] = path[--depth];
                continue;
            }
            size_t dep = c->reqs[kind].items[edge];
            if (mark[dep] == 1) {
                char text[400] = "";
                size_t from = 0;
                while (path[from] != dep) {
                    from++;
                }
                for (size_t p = from; p < depth; p++) {
                    size_t used = strlen(text);
                    snprintf(text + used, sizeof text - used, "%s -> ", low->chunks[path[p]].id);
                }
                size_t used = strlen(text);
                snprintf(text + used, sizeof text - used, "%s", low->chunks[dep].id);
                rc = br_errmsg_set(err, BR_ERR_INVALID, "%s:%d: requisite cycle between states: %s",
                                   c->file, c->line, text);
                goto out;
            }
            if (mark[dep] == 0) {
                mark[dep] = 1;
                path[depth++] = dep;
            }
        }
    }
    rc = BR_OK;
out:
    free(sorted);
    free(mark);
    free(path);
    free(next);
    return rc;
}
