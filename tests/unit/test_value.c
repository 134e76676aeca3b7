/*  Unit tests for br_value and br_value_pool: maps in order with their
    index, the slots of br_value_map_append/put/take, values made in a pool
    living on after the pool's maker and the document let go, arrays that
    outgrow the pool, and a wiped pool leaving no trace of keys or text. */
#include "br_value.h"
#include "testutil.h"

//  Keys in order, lookups through the index (past a few keys) and without,
//  replacement keeping the place and line, removal, take and put.
static void
s_test_map(br_value_pool_t *pool)
{
    char key[32];
    br_value_t *map = br_value_map_in(pool);
    CHECK(map != NULL);
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "key_%d", i);
        br_value_t *item = br_value_int_in(pool, i);
        CHECK_EQ_INT(br_value_map_set(map, key, &item), BR_OK);
        CHECK(item == NULL);
        br_value_map_set_key_line(map, (size_t)i, i + 1);
        //  Every earlier key is still found as the map grows (and reindexes)
        if (i == 3 || i == 7 || i == 8 || i == 64 || i == 999) {
            for (int j = 0; j <= i; j++) {
                snprintf(key, sizeof key, "key_%d", j);
                CHECK_EQ_INT(br_value_as_int(br_value_map_get(map, key)), j);
            }
        }
    }
    CHECK_EQ_INT(br_value_map_size(map), 1000);
    CHECK_STR(br_value_map_key(map, 500), "key_500");
    CHECK(br_value_map_get(map, "key_1000") == NULL);
    CHECK(br_value_map_get(map, "") == NULL);

    //  Replacing keeps the place and the key's line
    br_value_t *text = br_value_str("replaced");
    CHECK_EQ_INT(br_value_map_set(map, "key_10", &text), BR_OK);
    CHECK_STR(br_value_map_key(map, 10), "key_10");
    CHECK_EQ_INT(br_value_map_key_line(map, 10), 11);
    CHECK_STR(br_value_as_str(br_value_map_get(map, "key_10")), "replaced");

    //  Removing moves the later keys up and keeps them findable
    CHECK_EQ_INT(br_value_map_remove(map, "key_0"), BR_OK);
    CHECK_EQ_INT(br_value_map_remove(map, "key_0"), BR_ERR_NOTFOUND);
    CHECK_EQ_INT(br_value_map_size(map), 999);
    CHECK_STR(br_value_map_key(map, 0), "key_1");
    CHECK_EQ_INT(br_value_map_key_line(map, 0), 2);
    CHECK_EQ_INT(br_value_as_int(br_value_map_get(map, "key_999")), 999);

    //  Append: a new key with an empty slot, or the place of the one there
    size_t at = 0;
    CHECK_EQ_INT(br_value_map_append(map, "key_5", 5, 77, &at), BR_ERR_EXISTS);
    CHECK_EQ_INT(at, 4);
    CHECK_EQ_INT(br_value_map_append(map, "newer", 3, 77, &at), BR_OK);
    CHECK_EQ_INT(at, 999);
    CHECK_STR(br_value_map_key(map, at), "new"); //  the first 3 bytes
    CHECK_EQ_INT(br_value_map_key_line(map, at), 77);
    CHECK(br_value_map_at(map, at) == NULL);
    br_value_t *item = br_value_bool_in(pool, true);
    CHECK_EQ_INT(br_value_map_put(map, at, &item), BR_OK);
    CHECK(item == NULL);
    CHECK(br_value_as_bool(br_value_map_get(map, "new")));
    item = br_value_null_in(pool);
    CHECK_EQ_INT(br_value_map_put(map, at, &item), BR_ERR_INVALID); //  not empty
    CHECK_EQ_INT(br_value_map_put(map, 5000, &item), BR_ERR_INVALID);
    br_value_destroy(&item);

    //  Take leaves an empty slot that put fills again
    br_value_t *taken = br_value_map_take(map, 1);
    CHECK_EQ_INT(br_value_as_int(taken), 2);
    CHECK(br_value_map_at(map, 1) == NULL);
    CHECK_STR(br_value_map_key(map, 1), "key_2");
    CHECK_EQ_INT(br_value_map_put(map, 1, &taken), BR_OK);
    CHECK_EQ_INT(br_value_as_int(br_value_map_get(map, "key_2")), 2);

    //  A copy is equal, on the heap, and keeps key lines
    br_value_t *copy = br_value_dup(map);
    CHECK(br_value_equal(copy, map));
    CHECK_EQ_INT(br_value_map_key_line(copy, 0), 2);
    br_value_destroy(&map);
    CHECK(map == NULL);
    CHECK_EQ_INT(br_value_as_int(br_value_map_get(copy, "key_999")), 999);
    br_value_destroy(&copy);
}

//  A pooled document whose maker and root go first: what was taken out of
//  it stays valid, heap values inside it are freed with it, and its lists
//  and maps grow past what the pool keeps.
static void
s_test_pool_lifetime(void)
{
    br_value_pool_t *pool = br_value_pool_new();
    CHECK(pool != NULL);
    br_value_t *doc = br_value_map_in(pool);
    br_value_t *list = br_value_list_in(pool);
    for (int i = 0; i < 5000; i++) {
        br_value_t *item = i % 2 ? br_value_str_in(pool, "text", 4) : br_value_str("heap");
        CHECK_EQ_INT(br_value_list_append(list, &item), BR_OK);
    }
    //  One string larger than a block
    size_t big_len = 300 * 1024;
    char *big = malloc(big_len);
    CHECK(big != NULL);
    if (!big) {
        return;
    }
    memset(big, 'b', big_len);
    br_value_t *large = br_value_str_in(pool, big, big_len);
    free(big);
    CHECK_EQ_INT(br_value_str_len(large), big_len);
    CHECK_EQ_INT(br_value_map_set(doc, "large", &large), BR_OK);
    CHECK_EQ_INT(br_value_map_set(doc, "list", &list), BR_OK);
    br_value_t *inner = br_value_map_in(pool);
    br_value_t *word = br_value_str_in(pool, "kept", 4);
    br_value_set_line(word, 12);
    br_value_set_quoted(word, true);
    CHECK_EQ_INT(br_value_map_set(inner, "word", &word), BR_OK);
    CHECK_EQ_INT(br_value_map_set(doc, "inner", &inner), BR_OK);
    br_value_pool_destroy(&pool);
    CHECK(pool == NULL);

    CHECK_EQ_INT(br_value_list_size(br_value_map_get(doc, "list")), 5000);
    CHECK_STR(br_value_as_str(br_value_list_at(br_value_map_get(doc, "list"), 4999)), "text");
    CHECK_STR(br_value_as_str(br_value_list_at(br_value_map_get(doc, "list"), 4998)), "heap");
    br_value_t *kept = br_value_map_take(doc, 2);
    br_value_destroy(&doc);
    //  The pool's memory is still there for what was taken
    CHECK_STR(br_value_as_str(br_value_map_get(kept, "word")), "kept");
    CHECK_EQ_INT(br_value_line(br_value_map_get(kept, "word")), 12);
    CHECK(br_value_quoted(br_value_map_get(kept, "word")));
    //  Keys added later to a pooled map go to its pool too
    br_value_t *more = br_value_float(1.5);
    CHECK_EQ_INT(br_value_map_set(kept, "more", &more), BR_OK);
    CHECK_STR(br_value_map_key(kept, 1), "more");
    br_value_destroy(&kept);
}

//  Builds the needle from its bit-inverted form, so that the test's own
//  data holds no copy of it.
static void
s_needle(const uint8_t *inverted, size_t size, char *out)
{
    for (size_t i = 0; i < size; i++) {
        out[i] = (char)~inverted[i];
    }
    out[size] = 0;
}

//  A wiped pooled tree leaves neither its text nor its keys in memory once
//  it is destroyed, even where a value replaced another or was removed.
static void
s_test_pool_wipe(void)
{
    static const uint8_t inverted[] = {0x8d, 0x90, 0x90, 0x93, 0xd2, 0x8c, 0x9a, 0x9c, 0x8d,
                                       0x9a, 0x8b, 0xd2, 0x8f, 0x9e, 0x8c, 0x8c, 0xd2, 0xcb};
    char needle[sizeof inverted + 1];
    br_value_pool_t *pool = br_value_pool_new();
    br_value_t *doc = br_value_map_in(pool);
    s_needle(inverted, sizeof inverted, needle);
    br_value_t *value = br_value_str_in(pool, needle, sizeof inverted);
    CHECK_EQ_INT(br_value_map_set(doc, needle, &value), BR_OK);
    value = br_value_str_in(pool, needle, sizeof inverted);
    CHECK_EQ_INT(br_value_map_set(doc, "gone", &value), BR_OK);
    CHECK_EQ_INT(br_value_map_remove(doc, "gone"), BR_OK);
    br_wipe(needle, sizeof needle);
    br_value_pool_destroy(&pool);
    CHECK(test_memscan(0, inverted, sizeof inverted) >= 1);
    br_value_wipe(doc);
    br_value_destroy(&doc);
    CHECK_EQ_INT(test_memscan(0, inverted, sizeof inverted), 0);
}

int
main(void)
{
    s_test_map(NULL);
    br_value_pool_t *pool = br_value_pool_new();
    s_test_map(pool);
    br_value_pool_destroy(&pool);
    s_test_pool_lifetime();
    s_test_pool_wipe();
    return test_done("unit_value");
}
