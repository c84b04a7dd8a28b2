import json, sys
n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"].startswith("/__marker__"):
        print("\n#### MARK", r["path"][12:]); continue
    req = (r["req"] or "").replace("\n", "").replace("  ", "")
    resp = (r["resp"] or "").replace("\n", "")
    print(f'{r["method"]} {r["path"]} -> {r["status"]}\n   REQ: {req[:n]}\n   RESP: {resp[:n]}')
