#!/usr/bin/env python3
"""make bench: what one login costs, against the physical floor.

    bench.py --builddir DIR --srcdir DIR [--long] [--quick]

Starts the Hydra stand-in (tests/standin/hydra_standin.py) on 127.0.0.1 over HTTPS, mints a token
for the local account "nobody" (uid 65534), and runs through the real libpam (bench/oi-bench-login,
which uses pam_start_confdir: no preload, no /etc/pam.d change), side by side:

  permit        pam_permit.so: the cost of libpam and the process, nothing checked
  floor         bench/pam_oi_floor.so: the same POST with a fresh libcurl handle (fresh TLS), the
                answer parsed with json-c, active and sub checked, nothing else
  module        pam_oauth2_introspect.so, everything checked, no cache
  module+cache  the same with cache_dir, every login a hit (the stand-in must see no request)

each with two trust stores holding the system CAs plus the test CA: the hashed directory (CAPATH,
the module's default ca_dir=/etc/ssl/certs) and one bundle file (CAINFO, like
/etc/ssl/certs/ca-certificates.crt).

  process     one login per process, as an sshd child: wall time (median, p95), CPU and peak RSS
              of the whole process, over --runs processes
  in-process  many logins in one process, each on a fresh PAM handle: wall time and CPU per login
  callgrind   instructions (valgrind --tool=callgrind, repeatable on a noisy machine): per process
              (one login), and per login in-process (the difference between 1 and 6 logins, / 5)

and prints the ratios module/floor (targets: wall <= 1.05, instructions within 10 %). --long runs
100,000 cold logins in one process and reports RSS after the first and at the end (make
bench-long). Numbers are written to bench/results.json in the build directory; nothing asserts
them. Needs root (the conf file must be root-owned), python3, openssl, valgrind.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


class Bench:
    def __init__(self, args):
        self.b = os.path.abspath(args.builddir)
        self.s = os.path.abspath(args.srcdir)
        self.args = args
        self.run = os.path.join(self.b, "bench", "run")
        self.driver = os.path.join(self.b, "bench", "oi-bench-login")
        self.floor = os.path.join(self.b, "bench", ".libs", "pam_oi_floor.so")
        self.module = os.path.join(self.b, "src", ".libs", "pam_oauth2_introspect.so")
        self.proc = None
        self.results = {}

    # ---- set-up -------------------------------------------------------------------------------
    def setup(self):
        shutil.rmtree(self.run, ignore_errors=True)
        os.makedirs(self.run, mode=0o700)
        pki = os.path.join(self.run, "pki")
        sh([os.path.join(self.s, "tests", "lib", "make-pki.sh"), pki])
        ca = os.path.join(pki, "ca.crt")
        # The two trust stores: the system CAs plus the test CA, as a hashed directory and as a bundle.
        self.capath = os.path.join(self.run, "capath")
        os.makedirs(self.capath)
        n_sys = 0
        for name in sorted(os.listdir("/etc/ssl/certs")):
            if name.endswith(".pem"):
                os.symlink(os.path.realpath(os.path.join("/etc/ssl/certs", name)), os.path.join(self.capath, name))
                n_sys += 1
        shutil.copy(ca, os.path.join(self.capath, "bench-test-ca.pem"))
        sh(["openssl", "rehash", self.capath])
        self.cainfo = os.path.join(self.run, "bundle.pem")
        with open(self.cainfo, "w") as out:
            out.write(open("/etc/ssl/certs/ca-certificates.crt").read())
            out.write(open(ca).read())
        self.n_system_cas = n_sys
        ports = os.path.join(self.run, "standin.ports")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(self.s, "tests", "standin", "hydra_standin.py"), "--version", "v2",
             "--tls-cert", os.path.join(pki, "server.crt"), "--tls-key", os.path.join(pki, "server.key"),
             "--port-file", ports], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(ports) and os.path.getsize(ports) > 0:
                break
            time.sleep(0.1)
        p = json.load(open(ports))
        self.admin, self.control = p["admin"], p["control"]
        self.url = "https://127.0.0.1:%d" % self.admin
        tok = self.ctl("POST", "/tokens", {"sub": "nobody", "client_id": "bench-cli", "scope": "ssh:login",
                                           "ttl": 86400})["token"]
        self.tokfile = os.path.join(self.run, "token.secret")
        with open(self.tokfile, "w") as fh:
            fh.write(tok + "\n")
        os.chmod(self.tokfile, 0o600)
        svc = os.path.join(self.run, "pam.d")
        os.makedirs(svc)
        self.confdir = svc
        intro = self.url + "/admin/oauth2/introspect"
        confs = {
            "module-capath": "ca_dir = %s\n" % self.capath,
            "module-cainfo": "ca_file = %s\n" % self.cainfo,
            "module-cache": "ca_dir = %s\ncache_dir = %s\ncache_ttl = 86400\n" % (self.capath, os.path.join(self.run, "cache")),
        }
        for name, extra in confs.items():
            path = os.path.join(self.run, name + ".conf")
            with open(path, "w") as fh:
                fh.write("admin_url = %s\nallowed_clients = bench-cli\nstate_dir = %s\n%s"
                         % (self.url, os.path.join(self.run, "state"), extra))
            os.chmod(path, 0o600)
            self.service(name, "auth required %s conf=%s" % (self.module, path))
        self.service("permit", "auth required pam_permit.so")
        self.service("floor-capath", "auth required %s url=%s capath=%s" % (self.floor, intro, self.capath))
        self.service("floor-cainfo", "auth required %s url=%s cainfo=%s" % (self.floor, intro, self.cainfo))
        self.service("other", "auth required pam_deny.so")

    def service(self, name, line):
        with open(os.path.join(self.confdir, name), "w") as fh:
            fh.write(line + "\n")

    def ctl(self, method, path, body=None):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.control, path), method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=30) as r:
            return json.load(r)

    def introspections(self):
        return sum(1 for r in self.ctl("GET", "/requests") if "introspect" in r["path"])

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()

    # ---- measurements ---------------------------------------------------------------------------
    def cmd(self, service, n):
        return [self.driver, self.confdir, service, "nobody", self.tokfile, str(n)]

    def in_process(self, service, n):
        out = sh(self.cmd(service, n)).stdout
        r = json.loads(out)
        if r["failures"]:
            raise SystemExit("%s: %d of %d logins failed (%s)" % (service, r["failures"], n, r["last_error"]))
        return r

    def one_process(self, service):
        t0 = time.perf_counter()
        p = subprocess.Popen(self.cmd(service, 1), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
        wall = (time.perf_counter() - t0) * 1000.0
        p.stdout.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit("%s: a login failed" % service)
        # VmHWM of the process itself (ru_maxrss would count the forking python too)
        return wall, (ru.ru_utime + ru.ru_stime) * 1000.0, json.loads(out)["maxrss_kb"]

    def per_process(self, services, runs):
        """One process per login, the services taking turns, so that a machine that slows down or
        speeds up during the run affects them all alike."""
        m = {s: ([], [], []) for s in services}
        for _ in range(runs):
            for s in services:
                for lst, v in zip(m[s], self.one_process(s)):
                    lst.append(v)
        res = {}
        for s, (walls, cpus, rss) in m.items():
            walls.sort()
            res[s] = {"median_ms": statistics.median(walls), "p95_ms": walls[int(len(walls) * 0.95) - 1],
                      "cpu_ms": statistics.median(cpus), "maxrss_kb": max(rss), "runs": runs}
        return res

    def instructions(self, service, n):
        with tempfile.NamedTemporaryFile(dir=self.run, suffix=".cg") as tmp:
            p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + tmp.name]
                               + self.cmd(service, n), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if p.returncode != 0:
                raise SystemExit("callgrind %s: exit %d\n%s" % (service, p.returncode, p.stderr[-2000:]))
            for line in open(tmp.name):
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
        raise SystemExit("callgrind %s: no summary" % service)

    # ---- the runs -------------------------------------------------------------------------------
    def main(self):
        a = self.args
        services = ["permit", "floor-capath", "module-capath", "floor-cainfo", "module-cainfo"]
        res = self.results
        res["meta"] = self.meta()
        print("machine: %s" % res["meta"]["machine"])
        print("trust stores: %d system CAs + the test CA, as CAPATH %s and CAINFO %s" %
              (self.n_system_cas, self.capath, self.cainfo))
        if a.long:
            self.long_run()
            return
        for s in services:  # warm the page cache and the server
            self.in_process(s, 3)
        print("\n== one login per process (as an sshd child), %d processes each" % a.runs)
        res["process"] = self.per_process(services, a.runs)
        for s in services:
            r = res["process"][s]
            print("  %-14s wall median %7.2f ms  p95 %7.2f ms  cpu %6.2f ms  peak RSS %6d KiB" %
                  (s, r["median_ms"], r["p95_ms"], r["cpu_ms"], r["maxrss_kb"]))
        print("\n== many logins in one process, a fresh PAM handle each, %d logins each" % a.logins)
        res["in_process"] = {}
        for s in services:
            r = self.in_process(s, a.logins if s != "permit" else a.logins * 10)
            res["in_process"][s] = r
            print("  %-14s wall median %7.3f ms  p95 %7.3f ms  cpu %6.3f ms  RSS %6d KiB" %
                  (s, r["median_ms"], r["p95_ms"], r["cpu_ms"], r["rss_end_kb"]))
        # The cache: prime once, then every login is a hit; the stand-in must see nothing.
        self.in_process("module-cache", 1)
        self.ctl("POST", "/reset", {})
        hits = self.in_process("module-cache", a.logins * 10)
        seen = self.introspections()
        res["in_process"]["module-cache-hit"] = dict(hits, introspections=seen)
        cold = res["in_process"]["module-capath"]["median_ms"]
        print("  %-14s wall median %7.3f ms  p95 %7.3f ms  cpu %6.3f ms  RSS %6d KiB  (%d requests to the server)" %
              ("module+cache", hits["median_ms"], hits["p95_ms"], hits["cpu_ms"], hits["rss_end_kb"], seen))
        print("  cache hit vs cold login in-process: %.1fx faster" % (cold / hits["median_ms"]))
        res["cache_speedup"] = cold / hits["median_ms"]
        if not a.no_callgrind and shutil.which("valgrind"):
            print("\n== instructions (callgrind)")
            res["instructions"] = {}
            for s in services + ["module-cache"]:
                one = self.instructions(s, 1)
                six = self.instructions(s, 6)
                res["instructions"][s] = {"process": one, "per_login": (six - one) / 5}
                print("  %-14s per process (1 login) %12d   per login in-process %12d" % (s, one, (six - one) / 5))
        print("\n== module / floor")
        res["ratios"] = {}
        for store in ("capath", "cainfo"):
            m, f = "module-" + store, "floor-" + store
            r = {"wall_process": res["process"][m]["median_ms"] / res["process"][f]["median_ms"],
                 "wall_in_process": res["in_process"][m]["median_ms"] / res["in_process"][f]["median_ms"]}
            if "instructions" in res:
                i = res["instructions"]
                r["instr_process"] = i[m]["process"] / i[f]["process"]
                r["instr_per_login"] = i[m]["per_login"] / i[f]["per_login"]
            res["ratios"][store] = r
            print("  %-7s wall per process %.3f  wall in-process %.3f%s" % (
                store.upper(), r["wall_process"], r["wall_in_process"],
                "  instructions per process %.3f  per login %.3f" % (r["instr_process"], r["instr_per_login"])
                if "instr_process" in r else ""))
        print("  targets: wall <= 1.05, instructions <= 1.10")
        p = res["process"]
        print("\n== trust store: CAINFO (bundle, %d CAs parsed per process) vs CAPATH (hashed directory)" %
              (self.n_system_cas + 1))
        print("  module: %.2f ms vs %.2f ms per process" % (p["module-cainfo"]["median_ms"], p["module-capath"]["median_ms"]))
        if "instructions" in res:
            i = res["instructions"]
            print("  module: %d vs %d instructions per process (%+d)" % (
                i["module-cainfo"]["process"], i["module-capath"]["process"],
                i["module-cainfo"]["process"] - i["module-capath"]["process"]))

    def long_run(self):
        n = self.args.long_logins
        print("\n== %d cold logins in one process (module, CAPATH)" % n)
        t0 = time.time()
        r = self.in_process("module-capath", n)
        self.results["long"] = dict(r, seconds=time.time() - t0)
        print("  RSS after the first login %d KiB, at the end %d KiB (peak %d KiB); wall median %.3f ms, "
              "p95 %.3f ms; %.0f s in all" % (r["rss_first_kb"], r["rss_end_kb"], r["maxrss_kb"],
                                             r["median_ms"], r["p95_ms"], time.time() - t0))

    def meta(self):
        cpu = "?"
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
        curl = sh(["curl-config", "--version"]).stdout.strip() if shutil.which("curl-config") else "?"
        ossl = sh(["openssl", "version"]).stdout.strip()
        return {"machine": "%s, %d cores, %.0f GiB, %s %s; %s; %s" % (
                    cpu, os.cpu_count(), mem, platform.system(), platform.release(), curl, ossl),
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--runs", type=int, default=200, help="processes per configuration")
    ap.add_argument("--logins", type=int, default=500, help="logins per in-process run")
    ap.add_argument("--long", action="store_true", help="the 100,000-login run only")
    ap.add_argument("--long-logins", type=int, default=100000)
    ap.add_argument("--no-callgrind", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("make bench needs root: the module wants a root-owned configuration file")
        return 77
    b = Bench(args)
    try:
        b.setup()
        b.main()
    finally:
        b.stop()
    out = os.path.join(b.b, "bench", "results%s.json" % ("-long" if args.long else ""))
    with open(out, "w") as fh:
        json.dump(b.results, fh, indent=1)
    print("\n%s, %s; written to %s" % (b.results["meta"]["machine"], b.results["meta"]["date"], out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
