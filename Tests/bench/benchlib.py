"""Shared pieces of the portal benchmarks: the release binary, a running `lkk serve`, a signed-in HTTP
session, the billing API, and the machine's description for the results."""
import datetime
import http.cookiejar
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RELEASE = os.path.join(ROOT, ".build", "release", "lkk")


def build_release():
    print("Building the release binary …", flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "lkk"], cwd=ROOT, check=True)
    return RELEASE


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
            memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {memory}, {platform.platform()}"


def today():
    return datetime.date.today().isoformat()


class Portal:
    """`lkk serve` on a data folder (SQLite) or a PostgreSQL URL."""

    def __init__(self, binary, data_dir, database_url=None, extra_env=None):
        self.binary = binary
        self.data_dir = data_dir
        os.makedirs(data_dir, exist_ok=True)
        self.env = dict(os.environ, PORTAL_DATA_DIR=data_dir, PORTAL_DEMO="0", LOG_LEVEL="warning")
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.env.update(extra_env or {})
        self.process = None
        self.port = None

    def command(self, *args, capture=True):
        result = subprocess.run([self.binary, *args], cwd=self.data_dir, env=self.env, check=True,
                                stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None,
                                text=True)
        return result.stdout or ""

    def start(self):
        self.port = free_port()
        env = dict(self.env, PORT=str(self.port))
        self.log = open(os.path.join(self.data_dir, "serve.log"), "w")
        self.process = subprocess.Popen([self.binary, "serve"], cwd=self.data_dir, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        sys.exit("lkk serve did not start:\n" + open(os.path.join(self.data_dir, "serve.log")).read())

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def peak_memory_mb(self):
        """The server's peak resident memory so far (VmHWM)."""
        try:
            with open(f"/proc/{self.process.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def billing_token(self, name="bench"):
        out = self.command("billing", "token", "create", f"{name}-{uuid.uuid4().hex[:8]}")
        return next(line.strip() for line in out.splitlines() if line.strip().startswith("lkkb_"))

    def api_put(self, token, path, items, chunk=1000):
        for start in range(0, len(items), chunk):
            body = json.dumps({"items": items[start:start + chunk]}).encode()
            request = urllib.request.Request(
                self.base + "/api/billing/v1/" + path, data=body, method="PUT",
                headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=300) as r:
                    r.read()
            except urllib.error.HTTPError as error:
                sys.exit(f"PUT {path} failed: {error.code} {error.read()[:2000]!r}")


class Browser:
    """A signed-in person: cookies, the CSRF token of the last page, forms and uploads."""

    CSRF = re.compile(r'name="_csrf" value="([^"]+)"')

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def request(self, path, data=None, headers=None, method=None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {}, method=method)
        try:
            with self.opener.open(request, timeout=300) as r:
                body = r.read()
                status = r.status
        except urllib.error.HTTPError as error:
            body = error.read()
            status = error.code
        text = body.decode("utf-8", "replace") if body[:2] != b"PK" else ""
        match = self.CSRF.search(text)
        if match:
            self.csrf = match.group(1)
        return status, body, text

    def get(self, path):
        return self.request(path)

    def post(self, path, fields):
        data = urllib.parse.urlencode(dict(fields, _csrf=self.csrf)).encode()
        return self.request(path, data, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, path, fields, file_name, content):
        boundary = "----lkkbench" + uuid.uuid4().hex
        parts = []
        for name, value in dict(fields, _csrf=self.csrf).items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
            f"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
            + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def sign_in(self, email, password):
        self.get("/login")
        status, _, text = self.post("/login", {"email": email, "password": password})
        if status >= 400 or "Выйти" not in text and "/logout" not in text:
            sys.exit(f"sign-in as {email} failed: {status}")
        return self


def append_results(name, title, command, sections):
    """Appends a run's tables to bench/results/<name>-<date>.md with the machine and the command."""
    path = os.path.join(ROOT, "bench", "results", f"{name}-{today()}.md")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        f.write(f"## {title} — {time.strftime('%Y-%m-%d %H:%M')}\n\n{machine()}\n\n`{command}`\n\n"
                + "\n\n".join(sections) + "\n\n")
    print("Written to", os.path.relpath(path, ROOT))
