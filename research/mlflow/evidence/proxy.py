"""Tiny logging reverse proxy: 127.0.0.1:LISTEN -> 127.0.0.1:TARGET, appends JSON lines to LOG."""
import http.client, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
LISTEN, TARGET, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
MAXB = 1500
def clip(b, ctype=""):
    if b is None: return None
    if not b: return ""
    try:
        s = b.decode()
    except UnicodeDecodeError:
        return f"<{len(b)} binary bytes>"
    if "json" not in (ctype or "") and not s.lstrip().startswith(("{", "[")):
        return f"<{len(b)} bytes {ctype}>: " + s[:120]
    return s if len(s) <= MAXB else s[:MAXB] + f"...<{len(s)} chars>"
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                n = int(self.rfile.readline().strip().split(b";")[0], 16)
                if n == 0:
                    self.rfile.readline(); break
                out += self.rfile.read(n); self.rfile.readline()
            return out, True
        n = int(self.headers.get("Content-Length") or 0)
        return (self.rfile.read(n) if n else b""), False
    def _go(self):
        body, chunked = self._body()
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "transfer-encoding", "content-length", "connection")}
        if body or self.command in ("POST", "PUT", "PATCH"):
            hdrs["Content-Length"] = str(len(body))
        t0 = time.time()
        c = http.client.HTTPConnection("127.0.0.1", TARGET, timeout=300)
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse(); rb = r.read()
        rec = {"t": round(t0, 3), "method": self.command, "path": self.path,
               "req_ctype": self.headers.get("Content-Type"), "req_chunked": chunked,
               "req": clip(body, self.headers.get("Content-Type")), "status": r.status,
               "resp": clip(rb, r.getheader("Content-Type")), "resp_ctype": r.getheader("Content-Type"),
               "ua": self.headers.get("User-Agent")}
        with lock:
            with open(LOG, "a") as f: f.write(json.dumps(rec) + "\n")
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() in ("transfer-encoding", "content-length", "connection", "date", "server"): continue
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(rb)))
        self.end_headers(); self.wfile.write(rb)
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _go
ThreadingHTTPServer(("127.0.0.1", LISTEN), H).serve_forever()
