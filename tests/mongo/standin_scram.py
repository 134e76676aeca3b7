"""SCRAM-SHA-256 logins (RFC 5802, RFC 7677) for the MongoDB stand-in
server (mongo_standin.py), for tests only: saslStart and saslContinue as
mongod answers them, against a table of user -> password. Passwords are
taken as they are (no SASLprep); the salt is derived from the user name.
"""

import base64
import hashlib
import hmac
import os

import bson

SCRAM_ITERATIONS = 4096


def err_reply(code, code_name, msg):
    return {"ok": 0, "errmsg": msg, "code": code, "codeName": code_name}


class ScramLogins:
    """Mixed into the server: self.users (user -> password, or None for no
    logins), self.scram and self.authed (per connection), self.conn (the
    connection of the request being answered)."""

    def auth_failed(self):
        self.scram.pop(self.conn, None)
        return err_reply(18, "AuthenticationFailed", "Authentication failed.")

    def cmd_sasl_start(self, db, doc):
        if self.users is None or doc.get("mechanism") != "SCRAM-SHA-256":
            return err_reply(2, "BadValue", "mechanism not supported")
        first = bytes(doc.get("payload", b"")).decode("utf-8", "replace")
        if not first.startswith("n,,"):
            return self.auth_failed()
        bare = first[3:]
        fields = dict(f.split("=", 1) for f in bare.split(",") if "=" in f)
        user, cnonce = fields.get("n"), fields.get("r")
        if user not in self.users or not cnonce:
            return self.auth_failed()
        nonce = cnonce + base64.b64encode(os.urandom(18)).decode()
        salt = hashlib.sha256(("standin:" + user).encode()).digest()[:28]
        server_first = "r=%s,s=%s,i=%d" % (nonce, base64.b64encode(salt).decode(),
                                           SCRAM_ITERATIONS)
        self.scram[self.conn] = (user, bare, server_first, nonce, salt)
        return {"conversationId": 1, "done": False,
                "payload": bson.binary.Binary(server_first.encode()), "ok": 1}

    def cmd_sasl_continue(self, db, doc):
        state = self.scram.get(self.conn)
        payload = bytes(doc.get("payload", b""))
        if state is None:
            if self.conn in self.authed and not payload:
                return {"conversationId": 1, "done": True,
                        "payload": bson.binary.Binary(b""), "ok": 1}
            return self.auth_failed()
        user, bare, server_first, nonce, salt = state
        final = payload.decode("utf-8", "replace")
        without_proof, _, proof = final.rpartition(",p=")
        fields = dict(f.split("=", 1) for f in without_proof.split(",") if "=" in f)
        if fields.get("r") != nonce:
            return self.auth_failed()
        salted = hashlib.pbkdf2_hmac("sha256", self.users[user].encode(), salt,
                                     SCRAM_ITERATIONS)
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        auth_msg = ",".join((bare, server_first, without_proof)).encode()
        signature = hmac.new(stored_key, auth_msg, hashlib.sha256).digest()
        try:
            sent = base64.b64decode(proof)
        except ValueError:
            return self.auth_failed()
        if len(sent) != len(client_key):
            return self.auth_failed()
        if not hmac.compare_digest(bytes(a ^ b for a, b in zip(sent, signature)), client_key):
            return self.auth_failed()
        server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        verifier = hmac.new(server_key, auth_msg, hashlib.sha256).digest()
        del self.scram[self.conn]
        self.authed[self.conn] = user
        return {"conversationId": 1, "done": True, "ok": 1,
                "payload": bson.binary.Binary(b"v=" + base64.b64encode(verifier))}
