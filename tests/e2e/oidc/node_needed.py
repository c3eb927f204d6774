#!/usr/bin/env python3
"""Which Node a package-lock.json needs, and whether a given Node is new enough.

  node_needed.py PACKAGE-LOCK.JSON NODE-VERSION

The lowest Node version that every package of the lock accepts: for each package (and the root,
whose "engines" come from package.json), the lowest version its "engines.node" range allows, and
of those the highest. Prints one line, "A 1.0 and B 2.0 need node >= X (WHO)": the packages that
package.json names, as locked, and WHO, the packages that ask for X and their ranges. Exits 0 if
NODE-VERSION (e.g. v18.19.0) is at least X, 1 if it is older, 2 on a usage or parse error. Only
lower bounds are read: npm ranges such as ">=18", "^18 || >=20", ">= 0.8", "1.2 - 2" and "*" are
enough for that.
"""
import json
import re
import sys


def version(text):
    """'v18.19.0', '18', '18.x', '1.2' -> (18, 19, 0); None if it is not a version."""
    m = re.fullmatch(r"v?=?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?", text.strip())
    if not m:
        return None
    return tuple(int(p) if p and p.isdigit() else 0 for p in m.groups())


def lowest(rng):
    """The lowest version an npm range allows (only its lower bounds are read)."""
    best = None
    for alt in rng.split("||"):
        alt = re.sub(r"(>=|<=|>|<|=|\^|~)\s+", r"\1", alt.strip())   # ">= 0.8" -> ">=0.8"
        alt = re.split(r"\s+-\s+", alt)[0]                              # "1.2 - 2" -> "1.2"
        low = (0, 0, 0)
        for tok in re.split(r"\s+", alt):
            if not tok or tok.startswith("<"):
                continue
            v = version(tok.lstrip(">=^~"))
            if v is not None:
                low = max(low, v)
        best = low if best is None else min(best, low)
    return best or (0, 0, 0)


def show(v):
    return ".".join(map(str, v))


def main(argv):
    if len(argv) != 3 or not re.match(r"v?\d", argv[2]) or version(argv[2]) is None:
        sys.stderr.write(__doc__)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as fh:
            packages = json.load(fh)["packages"]
    except (OSError, ValueError, KeyError) as exc:
        print("cannot read %s: %s" % (argv[1], exc))
        return 2
    need, who = (0, 0, 0), []
    for path, pkg in sorted(packages.items()):
        rng = (pkg.get("engines") or {}).get("node") if isinstance(pkg.get("engines"), dict) else None
        if not rng:
            continue
        name = "package.json engines" if path == "" else "%s %s" % (path.rsplit("node_modules/", 1)[-1], pkg.get("version", "?"))
        low = lowest(rng)
        if low > need:
            need, who = low, []
        if low == need:
            who.append('%s: "%s"' % (name, rng))
    root = packages.get("", {})
    pins = ["%s %s" % (dep, packages.get("node_modules/" + dep, {}).get("version", "(not locked)"))
            for dep in sorted(root.get("dependencies", {}))]
    print("%s need%s node >= %s (%s)" % (" and ".join(pins) or "its packages", "s" if len(pins) == 1 else "",
                                        show(need), ", ".join(who) or "no engines given"))
    return 0 if version(argv[2]) >= need else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
