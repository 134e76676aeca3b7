/*  fuzz_driver: runs a fuzz target over files, without libFuzzer.
 *
 *      fuzz_NAME FILE|DIR...
 *
 *  The same harness that libFuzzer drives (tools/fuzz) is built with this
 *  main() in every build, so `ctest -L fuzz` replays the seed corpora and
 *  every input the fuzzers ever found, under the sanitizers of that build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
s_run_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "fuzz: cannot open %s\n", path);
        return -1;
    }
    uint8_t *data = NULL;
    size_t size = 0, room = 0;
    for (;;) {
        if (size == room) {
            room = room ? room * 2 : 4096;
            uint8_t *bigger = realloc(data, room);
            if (!bigger) {
                free(data);
                fclose(file);
                return -1;
            }
            data = bigger;
        }
        size_t got = fread(data + size, 1, room - size, file);
        if (got == 0) {
            break;
        }
        size += got;
    }
    fclose(file);
    //  An exact-size copy, so that ASan sees a read past the input's end
    uint8_t *exact = malloc(size ? size : 1);
    if (!exact) {
        free(data);
        return -1;
    }
    memcpy(exact, data, size);
    free(data);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    return 0;
}

static int
s_run(const char *path, size_t *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz: no such file or folder: %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return s_run_file(path);
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            char child[4096];
            snprintf(child, sizeof child, "%s/%s", path, names[i]->d_name);
            if (s_run(child, count) != 0) {
                rc = -1;
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        if (s_run(argv[i], &count) != 0) {
            return 1;
        }
    }
    printf("%s: %zu inputs, no crash\n", argv[0], count);
    return count ? 0 : 1;
}
