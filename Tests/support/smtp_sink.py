#!/usr/bin/env python3
"""An SMTP sink for the test suite, built on aiosmtpd.

It listens on three loopback ports and stores every message it accepts as
`<dir>/<n>.eml` (the bytes as received) with `<n>.json` (envelope sender and
recipients, and whether the session was TLS and authenticated):

  plain      no TLS, no AUTH                 (the portal's `smtp+plain://`)
  starttls   STARTTLS required, AUTH PLAIN/LOGIN with user `lkk` / `secret`
  tls        implicit TLS, AUTH required

The chosen ports and the certificate path are written as JSON to --ready-file
once every listener is up, so a test can wait for that file.
"""
import argparse, asyncio, json, os, ssl, subprocess, sys, threading, time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = b"lkk", b"secret"


class Saver:
    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            stem = os.path.join(self.folder, f"{time.time_ns()}-{self.count}")
        with open(stem + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(stem + ".json", "w") as f:
            json.dump({
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                "authenticated": bool(session.authenticated),
            }, f)
        return "250 OK stored"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    # handled=False makes aiosmtpd answer 535 itself.
    return AuthResult(success=ok, handled=False)


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--plain-port", type=int, default=0)
    ap.add_argument("--exit-on-stdin-eof", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    cert = os.path.join(args.dir, "sink-cert.pem")
    key = os.path.join(args.dir, "sink-key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    saver = Saver(args.dir)
    ports = {"plain": args.plain_port or free_port(), "starttls": free_port(), "tls": free_port()}
    controllers = [
        Controller(saver, hostname="127.0.0.1", port=ports["plain"]),
        Controller(saver, hostname="127.0.0.1", port=ports["starttls"], tls_context=context,
                   require_starttls=True, authenticator=authenticator, auth_require_tls=True,
                   auth_required=True),
        Controller(saver, hostname="127.0.0.1", port=ports["tls"], ssl_context=context,
                   authenticator=authenticator, auth_required=True, auth_require_tls=False,
                   server_hostname="localhost"),
    ]
    for c in controllers:
        c.start()
    tmp = args.ready_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"ports": ports, "cert": cert, "dir": args.dir}, f)
    os.replace(tmp, args.ready_file)
    try:
        if args.exit_on_stdin_eof:
            # The test process holds the other end: when it exits, for whatever reason, so does the sink.
            sys.stdin.buffer.read()
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for c in controllers:
            c.stop()


if __name__ == "__main__":
    sys.exit(main())
