/*  standin: starts and stops the MongoDB wire-compatible stand-in server
    (mongo_standin.py, python3-mockupdb + python3-mongomock) for tests of
    code that talks to MongoDB through libmongoc.

    Debian 12 packages no MongoDB server; the stand-in is a test double and
    is named so. It binds 127.0.0.1 only.

        standin_t *db = standin_new(dir, 0);     // free port, data in dir
        standin_start(db, 0);                    // returns once it accepts
        ... mongoc_client_new(standin_uri(db)) ...
        standin_stop(db);                        // SIGTERM: saves, exits
        standin_start(db, 0);                    // same port, same data
        standin_destroy(&db);                    // stops it if running

    standin_start(db, delay_ms) with a delay forks a child that sleeps, then
    becomes the server; it returns at once (the port must be fixed, given to
    standin_new) so a test can check a client that waits for the database.
    standin_wait() then waits until it accepts. standin_set_users() makes
    it require logins (SCRAM-SHA-256).

    The script is found through $BRINE_MONGO_STANDIN, else the path compiled
    in as BRINE_MONGO_STANDIN_SCRIPT; it runs under /usr/bin/python3, which
    sees Debian's Python packages. Its stderr goes to the test's stderr. */
#ifndef STANDIN_H
#define STANDIN_H

#include <sys/types.h>

typedef struct _standin_t standin_t;

//  dbpath: directory kept across restarts (NULL: data in memory only).
//  port: TCP port on 127.0.0.1, 0 for a free one picked at the first start.
//  Starts nothing. NULL when out of memory.
standin_t *standin_new(const char *dbpath, int port);

//  Makes the server require SCRAM-SHA-256 logins of the users in file
//  (lines "user:password") from the next start on. 0, or -1 (no memory).
int standin_set_users(standin_t *self, const char *file);

//  Stops the server if it runs (SIGTERM, then SIGKILL after 10 s), frees.
void standin_destroy(standin_t **self_p);

//  Starts the server. delay_ms 0: returns 0 once it accepts connections,
//  -1 if it did not within 10 s (it is killed then). delay_ms > 0: the
//  server starts after that delay; returns 0 at once (needs a fixed port).
int standin_start(standin_t *self, int delay_ms);

//  Waits until a started server accepts; 0, or -1 after timeout_ms.
int standin_wait(standin_t *self, int timeout_ms);

//  SIGTERM (the server saves its data, then exits) and reaps it. Returns
//  the server's exit status (0 for a clean stop), or -1 if none ran.
int standin_stop(standin_t *self);

//  SIGKILL and reap: a crash, nothing saved since the last save.
void standin_kill(standin_t *self);

//  The port (0 before the first start with port 0), the server's pid (0
//  when not running), and "mongodb://127.0.0.1:PORT".
int standin_port(standin_t *self);
pid_t standin_pid(standin_t *self);
const char *standin_uri(standin_t *self);

#endif
