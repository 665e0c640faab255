#!/usr/bin/python3
"""`infersim registry site` end to end: the checks a reader, a browser and an aggregator rely on.

Usage: check_site.py INFERSIM SOURCE_DIR WORK_DIR

1. Builds the site of the bundled registry (experiments at --small size) and checks every page:
   a non-empty <title>, exactly one <h1> and it comes first, no heading level skipped, every <img>
   has alt text and every <svg> has role="img" and a <title>, every internal link (href/src) names
   a file of the site and, with a #fragment, an id on that page; no script, no external stylesheet.
2. Parses every Atom feed with feedparser (a real parser, not our own): well-formed (bozo 0), Atom
   1.0, entry ids are the stable tag URIs registry.json lists, per-type and per-status feeds hold
   exactly the entries of that type/status, every entry link resolves.
3. Checks the content a user came for: every entry has a page with its measured ratio and verdict
   or the reason it is not simulable, the rerun command, its history and the graph.
4. Rebuilds into a second folder and over the first: byte-identical trees.
5. Output errors (exit 3) leave nothing behind: --out under a regular file, --out a folder that is
   not a site (left untouched); bad input (exit 2) names the option.
6. A copy of the registry outside git: history comes from the changelog field.
7. `registry new` on a copy of the clean fixture writes B4.md and `registry lint` passes on it.
Exit 0 when all hold; otherwise prints every failure and exits 1.
"""
import filecmp
import html
import html.parser
import json
import os
import shutil
import subprocess
import sys
import urllib.parse

import feedparser

INFERSIM, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
REGISTRY = os.path.join(SRC, "..", "registry")
FAILURES = []


def check(cond, message):
    if not cond:
        FAILURES.append(message)
    return cond


def run(*args, expect=0):
    p = subprocess.run([INFERSIM, "registry", *args], capture_output=True, text=True)
    check(p.returncode == expect, f"`infersim registry {' '.join(args)}` exited {p.returncode}, expected {expect}:\n{p.stderr}")
    return p


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.in_title, self.headings, self.ids, self.links = "", False, [], set(), []
        self.imgs, self.svgs, self.scripts, self.stack = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "title":
            self.in_title = True
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        for key in ("href", "src"):
            if key in a and tag in ("a", "link", "img", "script"):
                self.links.append((tag, a[key]))
        if tag == "img":
            self.imgs.append(a.get("alt", ""))
        if tag == "svg":
            self.svgs.append({"role": a.get("role"), "title": False})
        if tag == "script":
            self.scripts += 1
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self.in_title:
            if "svg" in self.stack:
                self.svgs[-1]["title"] = self.svgs[-1]["title"] or bool(data.strip())
            else:
                self.title += data


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def site_files(root):
    out = []
    for d, _, files in os.walk(root):
        out += [os.path.relpath(os.path.join(d, f), root) for f in files]
    return sorted(out)


def check_pages(site):
    pages = {f: parse(os.path.join(site, f)) for f in site_files(site) if f.endswith(".html")}
    internal = 0
    for name, p in pages.items():
        check(p.title.strip(), f"{name}: no <title>")
        check(p.headings and p.headings[0] == 1 and p.headings.count(1) == 1, f"{name}: headings {p.headings[:4]}...: want one <h1>, first")
        for a, b in zip(p.headings, p.headings[1:]):
            check(b <= a + 1, f"{name}: heading h{a} followed by h{b} (a level skipped)")
        for alt in p.imgs:
            check(alt.strip(), f"{name}: <img> without alt text")
        for s in p.svgs:
            check(s["role"] == "img" and s["title"], f"{name}: <svg> without role=img and a <title>")
        check(p.scripts == 0, f"{name}: has <script> (the site must read without JavaScript)")
        for tag, link in p.links:
            u = urllib.parse.urlsplit(link)
            if u.scheme or link.startswith("//"):
                check(tag == "a", f"{name}: <{tag}> loads {link} from outside the site")
                continue
            internal += 1
            target = os.path.normpath(os.path.join(os.path.dirname(name), urllib.parse.unquote(u.path))) if u.path else name
            if not check(os.path.isfile(os.path.join(site, target)), f"{name}: link {link} names no file of the site"):
                continue
            if u.fragment and target.endswith(".html"):
                check(u.fragment in pages[target].ids, f"{name}: link {link}: no id {u.fragment!r} on {target}")
    return pages, internal


def check_feeds(site, meta):
    feeds = [f for f in site_files(site) if f.endswith(".atom")]
    ids = {e["id"]: e["feed_id"] for e in meta["entries"]}
    fields = {e["id"]: e["fields"] for e in meta["entries"]}
    counts = {}
    for name in feeds:
        d = feedparser.parse(os.path.join(site, name))
        check(not d.bozo, f"{name}: not well-formed: {d.get('bozo_exception')}")
        check(d.version == "atom10", f"{name}: parsed as {d.version!r}, not Atom 1.0")
        check(d.feed.get("id", "").startswith("tag:") and d.feed.get("updated"), f"{name}: feed id/updated missing")
        got = []
        for e in d.entries:
            rid = e.title.split(":")[0]
            check(e.id == ids.get(rid), f"{name}: entry {rid} id {e.id} is not the stable id {ids.get(rid)}")
            check(e.get("updated") and e.get("author"), f"{name}: entry {rid} lacks updated/author")
            link = os.path.normpath(os.path.join(os.path.dirname(name), e.link))
            check(os.path.isfile(os.path.join(site, link)), f"{name}: entry {rid} links to {e.link}, no such page")
            got.append(rid)
        base = os.path.basename(name)[: -len(".atom")]
        if base == "all":
            want = set(ids)
        else:
            key, value = base.split("-", 1)
            want = {i for i, f in fields.items() if f.get(key) == value}
        check(set(got) == want and len(got) == len(want), f"{name}: entries {sorted(got)}, expected {sorted(want)}")
        counts[name] = len(got)
    return counts


def main():
    os.makedirs(WORK, exist_ok=True)
    site, site2 = os.path.join(WORK, "site"), os.path.join(WORK, "site2")
    for d in (site, site2):
        shutil.rmtree(d, ignore_errors=True)
    out = run("site", "--out", site).stdout.strip()
    print(out)
    if FAILURES:
        return
    meta = json.load(open(os.path.join(site, "registry.json")))
    pages, internal = check_pages(site)
    n = len(meta["entries"])
    files = [f for f in os.listdir(REGISTRY) if f.startswith("B") and f.endswith(".md")]
    check(len([p for p in pages if p.startswith("entries/")]) == n == len(files), f"{n} entries in registry.json, {len(pages)} pages")
    counts = check_feeds(site, meta)
    print(f"pages: {len(pages)} ({n} entries + index), internal links checked: {internal}, feeds: {len(counts)} "
          f"(all: {counts.get('feeds/all.atom')} entries; every feed well-formed Atom 1.0 per feedparser {feedparser.__version__})")

    # What the reader came for.
    index = open(os.path.join(site, "index.html"), encoding="utf-8").read()
    for word in ("Priority × difficulty", "Stale entries", "days overdue", "Changed in the last 90 days", "Dependency graph",
                 "cycle", "Critical chain"):
        check(word in index, f"index.html: no {word!r}")
    in_git = subprocess.run(["git", "-C", REGISTRY, "ls-files", "--error-unmatch", "B1.md"], capture_output=True).returncode == 0
    for e in meta["entries"]:
        page = html.unescape(open(os.path.join(site, e["page"]), encoding="utf-8").read())
        m = e["measurement"]
        if not check(m is not None, f"{e['id']}: no measurement in registry.json"):
            continue
        if m["simulable"]:
            check(m["rows"], f"{e['id']}: simulable but no measured rows")
            for row in m["rows"]:
                ratio = row["metric"]["ratio"]
                check(f'>{row["verdict"]}</span>' in page, f"{e['id']}: verdict {row['verdict']} missing from the page")
                check(row["lever_command"] in page and row["baseline_command"] in page, f"{e['id']}: rerun command missing")
                check(ratio is None or row["verdict"] == "failed" or "x</td>" in page, f"{e['id']}: measured ratio missing")
        else:
            check("Not simulated: " + m["reason"] in page, f"{e['id']}: not simulable, but the page does not say why")
        want = "git" if in_git else "changelog"
        check(e["history"]["source"] == want and e["history"]["items"], f"{e['id']}: history from {e['history']['source']}, expected {want}")
    check(os.path.isfile(os.path.join(site, "graph.svg")), "no graph.svg")

    # Byte-identical rebuilds: a second folder, then over the first (the replace path).
    run("site", "--out", site2)
    run("site", "--out", site)
    a, b = site_files(site), site_files(site2)
    same = a == b and all(filecmp.cmp(os.path.join(site, f), os.path.join(site2, f), shallow=False) for f in a)
    check(same, "two builds of an unchanged registry differ")
    print(f"rebuild: {len(a)} files, byte-identical: {same}")

    # Output errors leave nothing half-written.
    blocker = os.path.join(WORK, "a-file")
    open(blocker, "w").write("not a folder\n")
    p = run("site", "--out", os.path.join(blocker, "site"), "--no-measure", expect=3)
    check("a-file" in p.stderr, f"exit 3 message does not name the path: {p.stderr}")
    foreign = os.path.join(WORK, "foreign")
    shutil.rmtree(foreign, ignore_errors=True)
    os.makedirs(foreign)
    open(os.path.join(foreign, "keep.txt"), "w").write("mine\n")
    p = run("site", "--out", foreign, "--no-measure", expect=3)
    check(os.listdir(foreign) == ["keep.txt"], f"a folder that is not a site was changed: {os.listdir(foreign)}")
    leftovers = [f for f in os.listdir(WORK) if ".tmp-" in f or ".old-" in f]
    check(not leftovers, f"temporary folders left behind: {leftovers}")
    p = run("site", "--out", site2, "--today", "2026-13-01", expect=2)
    check("--today" in p.stderr and "YYYY-MM-DD" in p.stderr, f"bad --today message: {p.stderr}")
    print("errors: exit 3 for an unwritable --out and a non-site folder (untouched, no temporary folder left); exit 2 for a bad --today")

    # Outside git: the changelog is the history.
    copy = os.path.join(WORK, "registry-copy")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(REGISTRY, copy, ignore=shutil.ignore_patterns("experiments"))
    env_site = os.path.join(WORK, "site-nogit")
    shutil.rmtree(env_site, ignore_errors=True)
    # GIT_CEILING_DIRECTORIES keeps git from finding a repository above WORK (the build tree may be in one).
    os.environ["GIT_CEILING_DIRECTORIES"] = os.path.dirname(os.path.abspath(WORK))
    run("site", "--dir", copy, "--out", env_site, "--no-measure")
    meta2 = json.load(open(os.path.join(env_site, "registry.json")))
    check(all(e["history"]["source"] == "changelog" and e["history"]["items"] for e in meta2["entries"]),
          "outside git, history does not come from the changelog")
    check(meta2["as_of_source"] == "the newest date in the entries", f"as_of_source {meta2['as_of_source']}")
    b1 = open(os.path.join(env_site, "entries", "B1.html"), encoding="utf-8").read()
    check("not run" in b1 or "was not run" in b1, "--no-measure page does not say the simulator was not run")
    print(f"outside git: history from the changelog for all {len(meta2['entries'])} entries; as of {meta2['as_of']}")

    # registry new: the next free id, valid as written.
    clean = os.path.join(WORK, "clean-copy")
    shutil.rmtree(clean, ignore_errors=True)
    shutil.copytree(os.path.join(SRC, "registry-fixtures", "clean"), clean)
    run("new", "--dir", clean, "--name", "Test: a \"quoted\" name", "--type", "stack", "--unlock-value", "~2x test throughput",
        "--author", "Test Author", "--today", "2026-11-21")
    check(os.path.isfile(os.path.join(clean, "B4.md")), "registry new did not write B4.md")
    lint = run("lint", "--dir", clean)  # no --today: the stale rule is off (the fixture entries are old on purpose)
    check("no violations" in lint.stdout, f"the scaffolded entry does not lint clean:\n{lint.stdout}")
    p = run("new", "--dir", clean, "--name", "x", "--type", "software", "--unlock-value", "2x", "--author", "a", expect=2)
    check("--type" in p.stderr and "accepted values: physics" in p.stderr, f"bad --type message: {p.stderr}")
    print("registry new: wrote B4.md on the clean fixture, lint clean; --type software refused with the accepted values")


main()
for f in FAILURES:
    print("FAIL:", f)
sys.exit(1 if FAILURES else 0)
