#!/usr/bin/python3
"""A MongoDB wire-compatible STAND-IN server, for tests only.

Debian 12 packages no MongoDB server, so the tests of brine's MongoDB
code (the mongo returner, mongodb.available) run the real libmongoc
against this process instead. It joins two Debian packages:
python3-mockupdb speaks the wire protocol (legacy OP_QUERY handshake,
OP_MSG) and python3-mongomock stores the data; the code below routes each
command from one to the other.

Run it with Debian's interpreter, /usr/bin/python3 (another python3 first
on PATH may not see Debian's packages):

    /usr/bin/python3 mongo_standin.py --port 0 --port-file F [--dbpath DIR]
                                      [--users FILE]

It binds 127.0.0.1 only. --port 0 picks a free port; the bound port is
written to --port-file (atomically, once the socket accepts) and to stdout,
so a test waits for the file instead of sleeping. With --dbpath the data
survives a restart: SIGTERM or SIGINT saves it (temp file, fsync, rename)
and exits, the next start on the same DIR loads it, and the fsync command
saves it too. SIGKILL loses what was written since the last save.

What it answers: isMaster/hello (OP_QUERY and OP_MSG), ping, buildInfo,
endSessions, killCursors, fsync, insert, find, getMore, update, delete,
findAndModify, count, distinct, aggregate, createIndexes, listIndexes,
dropIndexes, listCollections, drop, dropDatabase. Cursors come back with
firstBatch/nextBatch; a unique index violation is a write error with code
11000 and an "E11000 duplicate key error" message; write concerns are
acknowledged and otherwise ignored; w:0 (moreToCome) gets no reply.
With --users FILE (lines "user:password", for the admin database) a
connection must log in with SCRAM-SHA-256 (standin_scram.py) before any
command but the handshake, ping and buildInfo; a wrong password gets code
18 AuthenticationFailed. Passwords are taken as they are (no SASLprep).
It reports maxWireVersion 13 (MongoDB 5.0). It is not a database: one
lock serialises every request; there are no roles, no replication, no TLS.
"""

import argparse
import collections
import datetime
import os
import signal
import sys
import threading
import weakref

# pymongo (imported by mockupdb) pulls pyOpenSSL for TLS, which the
# stand-in never uses; not importing it halves the start time.
sys.modules.setdefault("OpenSSL", None)

import bson  # noqa: E402
import mockupdb  # noqa: E402
import mongomock  # noqa: E402
from standin_scram import ScramLogins  # noqa: E402
from pymongo import ReturnDocument  # noqa: E402

MAX_WIRE_VERSION = 13
DEFAULT_BATCH = 101
# A reply batch stays well under maxMessageSizeBytes.
BATCH_BYTES = 4 * 1024 * 1024
SNAPSHOT = "standin.bson"

# Fields of a command that are about sessions, routing and durability,
# which the stand-in accepts and ignores.
IGNORED_FIELDS = ("$db", "lsid", "txnNumber", "$clusterTime", "$readPreference",
                  "writeConcern", "readConcern", "autocommit", "startTransaction",
                  "apiVersion", "apiStrict", "apiDeprecationErrors", "comment",
                  "maxTimeMS", "$query")


# Commands a connection may send before it has authenticated
OPEN_COMMANDS = ("ismaster", "isMaster", "hello", "ping", "buildInfo", "buildinfo",
                 "saslStart", "saslContinue", "endSessions")


class CommandError(Exception):
    def __init__(self, code, code_name, msg):
        super().__init__(msg)
        self.code = code
        self.code_name = code_name


def err_reply(code, code_name, msg):
    return {"ok": 0, "errmsg": msg, "code": code, "codeName": code_name}


def op_failure(exc):
    code = getattr(exc, "code", None) or 2
    return CommandError(code, "BadValue" if code == 2 else "Location%d" % code,
                        str(exc) or type(exc).__name__)


class StandinServer(ScramLogins, mockupdb.MockupDB):
    """mockupdb bound to 127.0.0.1 with every request routed to mongomock."""

    def __init__(self, port, dbpath, users=None):
        super().__init__(port=port, request_timeout=int(1e6))
        self.users = users
        # connection (socket) -> authenticated user, or the SCRAM exchange
        self.authed = weakref.WeakKeyDictionary()
        self.scram = weakref.WeakKeyDictionary()
        self._address = ("127.0.0.1", port)
        self.dbpath = dbpath
        self.client = mongomock.MongoClient()
        self.cursors = {}
        self.next_cursor = 1
        self.started = datetime.datetime.utcnow()
        self.autoresponds(self.handle)
        self.commands = {
            "ismaster": self.cmd_hello, "isMaster": self.cmd_hello,
            "hello": self.cmd_hello, "ping": self.cmd_ok,
            "buildInfo": self.cmd_build_info, "buildinfo": self.cmd_build_info,
            "endSessions": self.cmd_ok, "killCursors": self.cmd_kill_cursors,
            "fsync": self.cmd_fsync, "getLastError": self.cmd_ok,
            "insert": self.cmd_insert, "find": self.cmd_find,
            "getMore": self.cmd_get_more, "update": self.cmd_update,
            "delete": self.cmd_delete, "findAndModify": self.cmd_find_and_modify,
            "findandmodify": self.cmd_find_and_modify, "count": self.cmd_count,
            "distinct": self.cmd_distinct, "aggregate": self.cmd_aggregate,
            "createIndexes": self.cmd_create_indexes,
            "listIndexes": self.cmd_list_indexes,
            "dropIndexes": self.cmd_drop_indexes,
            "listCollections": self.cmd_list_collections,
            "drop": self.cmd_drop, "dropDatabase": self.cmd_drop_database,
            "create": self.cmd_create,
            "saslStart": self.cmd_sasl_start, "saslContinue": self.cmd_sasl_continue,
        }

    # -- dispatch ---------------------------------------------------------

    def handle(self, request):
        """Answers one request; mockupdb holds its lock around this call."""
        doc = request.doc
        name = next(iter(doc), None) if doc else None
        if isinstance(request, mockupdb.OpMsg):
            db = request.namespace
        else:
            db = (request.namespace or "admin").split(".", 1)[0]
        try:
            fn = self.commands.get(name)
            if fn is None:
                raise CommandError(59, "CommandNotFound",
                                   "no such command: '%s'" % name)
            if (self.users is not None and name not in OPEN_COMMANDS
                    and request._client not in self.authed):
                raise CommandError(13, "Unauthorized",
                                   "command %s requires authentication" % name)
            self.conn = request._client
            reply = fn(db, doc)
        except CommandError as exc:
            reply = err_reply(exc.code, exc.code_name, str(exc))
        except (mongomock.OperationFailure, NotImplementedError, TypeError,
                ValueError, KeyError) as exc:
            e = op_failure(exc)
            reply = err_reply(e.code, e.code_name, str(e))
        more_to_come = mockupdb.OP_MSG_FLAGS["moreToCome"]
        if isinstance(request, mockupdb.OpMsg) and request.flags & more_to_come:
            return True  # unacknowledged write: the client reads no reply
        request.replies(reply)
        return True

    def coll(self, db, doc, field):
        name = doc.get(field)
        if not isinstance(name, str) or not name:
            raise CommandError(73, "InvalidNamespace",
                               "collection name must be a non-empty string")
        return self.client[db][name]

    # -- handshake and administration -------------------------------------

    def cmd_hello(self, db, doc):
        reply = self.hello_doc()
        mechs = doc.get("saslSupportedMechs")
        if self.users is not None and isinstance(mechs, str):
            if mechs.split(".", 1)[-1] in self.users:
                reply["saslSupportedMechs"] = ["SCRAM-SHA-256"]
        return reply

    def hello_doc(self):
        return {"ismaster": True, "isWritablePrimary": True, "helloOk": True,
                "maxBsonObjectSize": 16 * 1024 * 1024,
                "maxMessageSizeBytes": 48000000, "maxWriteBatchSize": 100000,
                "localTime": datetime.datetime.utcnow(),
                "logicalSessionTimeoutMinutes": 30, "connectionId": 1,
                "minWireVersion": 0, "maxWireVersion": MAX_WIRE_VERSION,
                "readOnly": False, "ok": 1}

    def cmd_ok(self, db, doc):
        return {"ok": 1}

    def cmd_build_info(self, db, doc):
        return {"version": "5.0.0-standin", "versionArray": [5, 0, 0, 0],
                "gitVersion": "standin", "bits": 64, "maxBsonObjectSize":
                16 * 1024 * 1024, "ok": 1}

    def cmd_fsync(self, db, doc):
        if self.dbpath:
            self.save()
        return {"numFiles": 1, "ok": 1}

    # -- cursors ----------------------------------------------------------

    def batch(self, docs, size):
        out, total = [], 0
        while docs and (size <= 0 or len(out) < size):
            n = len(bson.encode(docs[0]))
            if out and total + n > BATCH_BYTES:
                break
            out.append(docs.pop(0))
            total += n
        return out

    def cursor_reply(self, ns, docs, batch_size, single=False):
        docs = list(docs)
        first = self.batch(docs, DEFAULT_BATCH if batch_size is None else batch_size)
        cid = 0
        if docs and not single:
            cid = self.next_cursor
            self.next_cursor += 1
            self.cursors[cid] = (ns, docs)
        return {"cursor": {"id": bson.int64.Int64(cid), "ns": ns,
                           "firstBatch": first}, "ok": 1}

    def cmd_get_more(self, db, doc):
        cid = int(doc["getMore"])
        ns = "%s.%s" % (db, doc.get("collection"))
        entry = self.cursors.get(cid)
        if entry is None or entry[0] != ns:
            raise CommandError(43, "CursorNotFound", "cursor id %d not found" % cid)
        docs = entry[1]
        out = self.batch(docs, int(doc.get("batchSize", 0)))
        if not docs:
            del self.cursors[cid]
            cid = 0
        return {"cursor": {"id": bson.int64.Int64(cid), "ns": ns,
                           "nextBatch": out}, "ok": 1}

    def cmd_kill_cursors(self, db, doc):
        killed, missing = [], []
        for cid in doc.get("cursors", []):
            (killed if self.cursors.pop(int(cid), None) else missing).append(cid)
        return {"cursorsKilled": killed, "cursorsNotFound": missing,
                "cursorsAlive": [], "cursorsUnknown": [], "ok": 1}

    # -- reads ------------------------------------------------------------

    def cmd_find(self, db, doc):
        coll = self.coll(db, doc, "find")
        sort = doc.get("sort")
        cur = coll.find(doc.get("filter") or {}, doc.get("projection"))
        if sort:
            cur = cur.sort(list(sort.items()))
        if doc.get("skip"):
            cur = cur.skip(int(doc["skip"]))
        limit = int(doc.get("limit", 0))
        if limit:
            cur = cur.limit(abs(limit))
        return self.cursor_reply(coll.full_name, cur, doc.get("batchSize"),
                                 single=bool(doc.get("singleBatch")) or limit < 0)

    def cmd_count(self, db, doc):
        coll = self.coll(db, doc, "count")
        kw = {}
        if doc.get("skip"):
            kw["skip"] = int(doc["skip"])
        if doc.get("limit"):
            kw["limit"] = abs(int(doc["limit"]))
        return {"n": coll.count_documents(doc.get("query") or {}, **kw), "ok": 1}

    def cmd_distinct(self, db, doc):
        coll = self.coll(db, doc, "distinct")
        return {"values": coll.distinct(doc["key"], doc.get("query") or {}), "ok": 1}

    def cmd_aggregate(self, db, doc):
        coll = self.coll(db, doc, "aggregate")
        docs = coll.aggregate(list(doc.get("pipeline", [])))
        batch = (doc.get("cursor") or {}).get("batchSize")
        return self.cursor_reply(coll.full_name, docs, batch)

    # -- writes -----------------------------------------------------------

    def write_error(self, coll, index, exc):
        code = getattr(exc, "code", None) or 2
        msg = str(exc)
        if code == 11000:
            msg = "E11000 duplicate key error collection: %s (%s)" % (
                coll.full_name, msg)
        return {"index": index, "code": code, "errmsg": msg}

    def cmd_insert(self, db, doc):
        coll = self.coll(db, doc, "insert")
        ordered = doc.get("ordered", True)
        n, errors = 0, []
        for i, d in enumerate(doc.get("documents", [])):
            try:
                coll.insert_one(d)
                n += 1
            except mongomock.OperationFailure as exc:
                errors.append(self.write_error(coll, i, exc))
                if ordered:
                    break
        reply = {"n": n, "ok": 1}
        if errors:
            reply["writeErrors"] = errors
        return reply

    def cmd_update(self, db, doc):
        coll = self.coll(db, doc, "update")
        ordered = doc.get("ordered", True)
        n = modified = 0
        upserted, errors = [], []
        for i, u in enumerate(doc.get("updates", [])):
            try:
                spec = u["u"]
                kw = {"upsert": bool(u.get("upsert"))}
                if u.get("arrayFilters"):
                    kw["array_filters"] = u["arrayFilters"]
                is_op = bool(spec) and next(iter(spec)).startswith("$")
                if not is_op:
                    if u.get("multi"):
                        raise CommandError(9, "FailedToParse",
                                           "multi update requires $ operators")
                    res = coll.replace_one(u.get("q") or {}, spec, upsert=kw["upsert"])
                elif u.get("multi"):
                    res = coll.update_many(u.get("q") or {}, spec, **kw)
                else:
                    res = coll.update_one(u.get("q") or {}, spec, **kw)
                n += res.matched_count
                modified += res.modified_count
                if res.upserted_id is not None:
                    n += 1
                    upserted.append({"index": i, "_id": res.upserted_id})
            except (mongomock.OperationFailure, CommandError) as exc:
                errors.append(self.write_error(coll, i, exc))
                if ordered:
                    break
        reply = {"n": n, "nModified": modified, "ok": 1}
        if upserted:
            reply["upserted"] = upserted
        if errors:
            reply["writeErrors"] = errors
        return reply

    def cmd_delete(self, db, doc):
        coll = self.coll(db, doc, "delete")
        n = 0
        for d in doc.get("deletes", []):
            q = d.get("q") or {}
            if int(d.get("limit", 0)) == 1:
                n += coll.delete_one(q).deleted_count
            else:
                n += coll.delete_many(q).deleted_count
        return {"n": n, "ok": 1}

    def cmd_find_and_modify(self, db, doc):
        coll = self.coll(db, doc, next(iter(doc)))
        query = doc.get("query") or {}
        sort = list(doc["sort"].items()) if doc.get("sort") else None
        fields = doc.get("fields")
        before = coll.find_one(query, sort=sort)
        last = {"n": 0, "updatedExisting": False}
        if doc.get("remove"):
            value = coll.find_one_and_delete(query, projection=fields, sort=sort)
            last["n"] = 1 if value is not None else 0
            return {"value": value, "lastErrorObject": last, "ok": 1}
        spec = doc.get("update")
        if spec is None:
            raise CommandError(9, "FailedToParse", "need remove or update")
        is_op = bool(spec) and next(iter(spec)).startswith("$")
        fn = coll.find_one_and_update if is_op else coll.find_one_and_replace
        new = bool(doc.get("new"))
        upsert = bool(doc.get("upsert"))
        if before is not None or not upsert:
            value = fn(query, spec, projection=fields, sort=sort, upsert=False,
                       return_document=ReturnDocument.AFTER if new else ReturnDocument.BEFORE)
            if before is not None:
                last = {"n": 1, "updatedExisting": True}
        else:
            after = fn(query, spec, sort=sort, upsert=True,
                       return_document=ReturnDocument.AFTER)
            last = {"n": 1, "updatedExisting": False, "upserted": after["_id"]}
            value = None
            if new:
                value = coll.find_one({"_id": after["_id"]}, fields)
        return {"value": value, "lastErrorObject": last, "ok": 1}

    # -- indexes and collections ------------------------------------------

    def cmd_create_indexes(self, db, doc):
        coll = self.coll(db, doc, "createIndexes")
        created = coll.name not in self.client[db].list_collection_names()
        before = len(coll.index_information()) if not created else 1
        for spec in doc.get("indexes", []):
            key = spec.get("key")
            if not isinstance(key, dict) or not key or not spec.get("name"):
                raise CommandError(9, "FailedToParse",
                                   "an index needs a key document and a name")
            kw = {k: spec[k] for k in ("unique", "sparse", "expireAfterSeconds",
                                       "partialFilterExpression") if k in spec}
            try:
                coll.create_index(list(key.items()), name=spec["name"], **kw)
            except mongomock.DuplicateKeyError as exc:
                raise CommandError(11000, "DuplicateKey",
                                   "E11000 duplicate key error: %s" % exc)
        return {"createdCollectionAutomatically": created,
                "numIndexesBefore": before,
                "numIndexesAfter": len(coll.index_information()), "ok": 1}

    def index_docs(self, coll):
        out = []
        for name, info in coll.index_information().items():
            d = collections.OrderedDict(v=2, key=collections.OrderedDict(info["key"]),
                                        name=name)
            for k in ("unique", "sparse", "expireAfterSeconds",
                      "partialFilterExpression"):
                if k in info:
                    d[k] = info[k]
            out.append(d)
        return out

    def cmd_list_indexes(self, db, doc):
        coll = self.coll(db, doc, "listIndexes")
        if coll.name not in self.client[db].list_collection_names():
            raise CommandError(26, "NamespaceNotFound",
                               "ns does not exist: %s" % coll.full_name)
        batch = (doc.get("cursor") or {}).get("batchSize")
        return self.cursor_reply(coll.full_name, self.index_docs(coll), batch)

    def cmd_drop_indexes(self, db, doc):
        coll = self.coll(db, doc, "dropIndexes")
        if doc.get("index") == "*":
            coll.drop_indexes()
        else:
            coll.drop_index(doc.get("index"))
        return {"ok": 1}

    def cmd_list_collections(self, db, doc):
        names = self.client[db].list_collection_names()
        docs = [{"name": n, "type": "collection", "options": {}} for n in names]
        batch = (doc.get("cursor") or {}).get("batchSize")
        return self.cursor_reply("%s.$cmd.listCollections" % db, docs, batch)

    def cmd_drop(self, db, doc):
        coll = self.coll(db, doc, "drop")
        if coll.name not in self.client[db].list_collection_names():
            raise CommandError(26, "NamespaceNotFound", "ns not found")
        coll.drop()
        return {"ok": 1}

    def cmd_drop_database(self, db, doc):
        self.client.drop_database(db)
        return {"dropped": db, "ok": 1}

    def cmd_create(self, db, doc):
        name = doc.get("create")
        if name in self.client[db].list_collection_names():
            raise CommandError(48, "NamespaceExists", "collection already exists")
        self.client[db].create_collection(name)
        return {"ok": 1}

    # -- persistence ------------------------------------------------------

    def save(self):
        """Writes every collection to DBPATH/standin.bson atomically."""
        path = os.path.join(self.dbpath, SNAPSHOT)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            for dbname in self.client.list_database_names():
                db = self.client[dbname]
                for cname in db.list_collection_names():
                    coll = db[cname]
                    idx = [d for d in self.index_docs(coll) if d["name"] != "_id_"]
                    f.write(bson.encode({"db": dbname, "coll": cname, "indexes": idx}))
                    for d in coll.find():
                        f.write(bson.encode({"db": dbname, "coll": cname, "doc": d}))
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
        fd = os.open(self.dbpath, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def load(self):
        path = os.path.join(self.dbpath, SNAPSHOT)
        if not os.path.exists(path):
            return 0
        n = 0
        opts = bson.codec_options.CodecOptions(document_class=collections.OrderedDict)
        with open(path, "rb") as f:
            for rec in bson.decode_file_iter(f, opts):
                coll = self.client[rec["db"]][rec["coll"]]
                if "indexes" in rec:
                    self.client[rec["db"]].create_collection(rec["coll"])
                    for spec in rec["indexes"]:
                        kw = {k: spec[k] for k in ("unique", "sparse",
                                                   "expireAfterSeconds",
                                                   "partialFilterExpression")
                              if k in spec}
                        coll.create_index(list(spec["key"].items()),
                                          name=spec["name"], **kw)
                else:
                    coll.insert_one(rec["doc"])
                    n += 1
        return n


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="MongoDB wire-compatible stand-in "
                                 "server for tests (127.0.0.1 only)")
    ap.add_argument("--port", type=int, default=27017,
                    help="TCP port on 127.0.0.1; 0 picks a free one")
    ap.add_argument("--port-file", help="write the bound port here when ready")
    ap.add_argument("--dbpath", help="keep the data here across restarts")
    ap.add_argument("--users", help='require SCRAM-SHA-256 logins: a file of '
                    '"user:password" lines')
    ap.add_argument("--verbose", action="store_true", help="log every request")
    args = ap.parse_args()
    if not 0 <= args.port <= 65535:
        ap.error("--port: %d is not a TCP port" % args.port)
    if args.dbpath and not os.path.isdir(args.dbpath):
        ap.error("--dbpath: %s is not a directory" % args.dbpath)

    users = None
    if args.users:
        try:
            with open(args.users) as f:
                lines = [l.rstrip("\n") for l in f if l.strip()]
        except OSError as exc:
            ap.error("--users: %s" % exc)
        users = {}
        for i, line in enumerate(lines, 1):
            if ":" not in line:
                ap.error("--users: %s:%d: expected user:password" % (args.users, i))
            user, password = line.split(":", 1)
            users[user] = password
    server = StandinServer(args.port, args.dbpath, users)
    server.verbose = args.verbose
    if args.dbpath:
        try:
            loaded = server.load()
        except (OSError, bson.errors.BSONError, mongomock.OperationFailure) as exc:
            sys.stderr.write("mongo_standin: cannot load %s: %s\n"
                             % (os.path.join(args.dbpath, SNAPSHOT), exc))
            return 1
        if args.verbose:
            sys.stderr.write("mongo_standin: loaded %d documents\n" % loaded)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        port = server.run()
    except OSError as exc:
        sys.stderr.write("mongo_standin: cannot bind 127.0.0.1:%d: %s\n"
                         % (args.port, exc))
        return 1
    if args.port_file:
        write_port_file(args.port_file, port)
    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()

    while not stop.wait(3600):
        pass
    # mockupdb holds this lock while it answers a request: taking it means
    # no write is half done when the data is saved.
    with server._lock:
        if args.dbpath:
            server.save()
        server._listening_sock.close()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
