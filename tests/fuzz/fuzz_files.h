/*  fuzz_files: the harnesses that fuzz file parsers write each input to a
 *  file in one private folder (made once per process) and load it from
 *  there, as the programs do. */
#ifndef FUZZ_FILES_H
#define FUZZ_FILES_H

#include <stddef.h>
#include <stdint.h>

//  The process's folder, e.g. /tmp/brine-fuzz.XXXXXX (aborts if it cannot
//  be made: a harness without it tests nothing)
const char *fuzz_dir(void);

//  Writes data to fuzz_dir()/name (replacing it); aborts on failure.
void fuzz_write(const char *name, const uint8_t *data, size_t size);

#endif
