#!/usr/bin/env python3
"""A stand-in for the Kubernetes TokenReview API, for the `vault verify` Kubernetes-auth tests.

Serves `POST /apis/authentication.k8s.io/v1/tokenreviews` on 127.0.0.1 only. The service account
namespace and name come from the *unverified* claims of the JWT under review
(`kubernetes.io/serviceaccount/namespace`, `kubernetes.io/serviceaccount/service-account.name`);
a token containing `bad` is rejected. OpenBao trusts the answer, so test JWTs need no signature.

Usage: fake_tokenreview.py [PORT]   (0 or nothing: a free port). Prints `PORT <n>` once listening.
Standard library only; stops on SIGTERM/SIGINT.
"""
import base64
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def claims(jwt):
    try:
        payload = jwt.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except Exception:  # noqa: BLE001 - any malformed token is simply not authenticated
        return {}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            token = json.loads(body)["spec"]["token"]
        except Exception:  # noqa: BLE001
            token = ""
        c = claims(token)
        ns = c.get("kubernetes.io/serviceaccount/namespace", "")
        sa = c.get("kubernetes.io/serviceaccount/service-account.name", "")
        ok = bool(ns and sa) and "bad" not in token
        status = {"authenticated": ok}
        if ok:
            status["user"] = {
                "username": f"system:serviceaccount:{ns}:{sa}",
                "uid": c.get("kubernetes.io/serviceaccount/service-account.uid", "uid-" + sa),
                "groups": ["system:serviceaccounts", f"system:serviceaccounts:{ns}"],
            }
        out = json.dumps({
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenReview",
            "status": status,
        }).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):  # quiet: never echo tokens
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = HTTPServer(("127.0.0.1", port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
