/*  mongo_dump: prints a collection of the MongoDB stand-in (or any
    MongoDB) through libmongoc, one document a line in relaxed extended
    JSON, sorted by _id; with --indexes its index specifications instead.
    The mongo tests read what the master wrote with it.
      mongo_dump URI DB COLLECTION [--indexes] */
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
    if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "--indexes") != 0)) {
        fprintf(stderr, "usage: mongo_dump URI DB COLLECTION [--indexes]\n");
        return 2;
    }
    mongoc_init();
    bson_error_t error;
    mongoc_uri_t *uri = mongoc_uri_new_with_error(argv[1], &error);
    mongoc_client_t *client = uri ? mongoc_client_new_from_uri(uri) : NULL;
    int status = 1;
    if (!client) {
        fprintf(stderr, "mongo_dump: %s\n", error.message);
        goto out;
    }
    mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
    mongoc_collection_t *coll = mongoc_client_get_collection(client, argv[2], argv[3]);
    bson_t filter = BSON_INITIALIZER;
    bson_t *opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}");
    mongoc_cursor_t *cursor = argc == 5
                                  ? mongoc_collection_find_indexes_with_opts(coll, NULL)
                                  : mongoc_collection_find_with_opts(coll, &filter, opts, NULL);
    const bson_t *doc;
    while (mongoc_cursor_next(cursor, &doc)) {
        char *json = bson_as_relaxed_extended_json(doc, NULL);
        printf("%s\n", json);
        bson_free(json);
    }
    if (mongoc_cursor_error(cursor, &error)) {
        fprintf(stderr, "mongo_dump: %s\n", error.message);
    } else {
        status = 0;
    }
    mongoc_cursor_destroy(cursor);
    bson_destroy(opts);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(client);
out:
    mongoc_uri_destroy(uri);
    mongoc_cleanup();
    return status;
}
