#!/usr/bin/env python3
"""Writes the lint fixtures of tests/registry-fixtures/ (run it from anywhere; it writes next to itself).

clean/            three valid entries and a README whose history agrees with them: lint exits 0.
bad/<rule>/       one registry folder per lint rule, each breaking exactly that rule once (a few break
                  a second rule by necessity, e.g. a duplicate id also mismatches its file name).
The expected messages live in tests/unit/test_registry_lint.cpp, written by hand, not generated.
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

# About 210 words with the four required headings (each section ~52 words).
SECTION = ("This fixture paragraph exists so that the body clears the minimum word count of the schema. "
           "It says nothing about real hardware and should never be cited; its only job is to hold words "
           "in a predictable place so that each lint test can break one rule at a time and keep every other "
           "rule satisfied.")
HEADINGS = ["What the bottleneck is", "Why it binds now", "What changes unlock it", "Who is working on it"]


def body(headings=HEADINGS, sections=1):
    return "".join(f"\n## {h}\n\n" + "\n".join([SECTION] * sections) + "\n" for h in headings)


def entry(id_="B1", depends_on="[]", body_text=None, **overrides):
    """A valid entry; overrides replace a line by field name (None deletes it, a list adds lines)."""
    lines = {
        "id": f"id: {id_}",
        "name": f"Fixture bottleneck {id_}",
        "type": "type: algorithm",
        "priority": "priority: 3",
        "difficulty": "difficulty: 2",
        "status": "status: open",
        "estimated_unlock_value": 'estimated_unlock_value: "2x fixture throughput"',
        "depends_on": f"depends_on: {depends_on}",
        "known_solutions": "known_solutions:\n  - title: A known fix\n    citation: Doe et al. 2024\n    maturity: research",
        "blockers": "blockers:\n  - Vendors have no incentive to adopt it",
        "contributors": 'contributors:\n  - {name: "Test Author", contribution: "author"}',
        "last_reviewed": "last_reviewed: 2026-01-15",
        "review_cadence_days": "review_cadence_days: 90",
        "version": "version: 1",
        "changelog": "changelog:\n  - version: 1\n    date: 2026-01-15\n    change: Written for the lint fixtures",
    }
    lines["name"] = f"name: Fixture bottleneck {id_}"
    for key, value in overrides.items():
        lines[key] = value
    front = "\n".join(v for v in lines.values() if v is not None)
    return "---\n" + front + "\n---\n" + (body() if body_text is None else body_text)


README_CONSISTENT = """---
migration_note:
  date: 2026-01-15
  text: "All entries on v0.2."
  complete: true
  schema_version_claims:
    v0.2: [B1, B2, B3]
  dependency_graph:
    B2: [B1]
    B3: [B1, B2]
change_log:
  - date: 2026-01-15
    version: v0.2
    text: "Entries B1-B3 written on v0.2."
    schema_version_claims:
      v0.2: [B1, B2, B3]
---

# Clean fixture registry
"""

README_HISTORY = """---
migration_note:
  date: 2026-01-15
  text: "All entries on v0.2, complete."
  complete: true
  schema_version_claims:
    v0.2: [B1]
change_log:
  - date: 2026-01-15
    version: v0.2
    text: "B1 remains on v0.1 pending backfill."
    schema_version_claims:
      v0.1: [B1]
  - date: 2026-01-01
    version: v0.1
    text: "Initial seed."
    schema_version_claims:
      v0.1: [B1]
---

# History fixture
"""

README_GRAPH = """---
migration_note:
  date: 2026-01-15
  text: "Generated dependency graph: B2 <- {B1}."
  complete: true
  schema_version_claims:
    v0.2: [B1, B2, B3]
  dependency_graph:
    B2: [B1]
change_log:
  - date: 2026-01-15
    version: v0.2
    text: "All on v0.2."
    schema_version_claims:
      v0.2: [B1, B2, B3]
---

# Graph fixture
"""


# Two versions, the second dated 2026-03-01 (the entry template keeps last_reviewed 2026-01-15).
CHANGELOG_2 = ("changelog:\n  - version: 1\n    date: 2026-01-15\n    change: Written for the lint fixtures\n"
               "  - version: 2\n    date: 2026-03-01\n    change: Second version of the fixture")


def write(folder, files):
    path = os.path.join(HERE, folder)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name, text in files.items():
        with open(os.path.join(path, name), "w") as f:
            f.write(text)


def main():
    write("clean", {"B1.md": entry("B1"), "B2.md": entry("B2", "[B1]"), "B3.md": entry("B3", "[B1, B2]"),
                    "README.md": README_CONSISTENT})
    bad = {
        "required": {"B1.md": entry(status=None)},
        "unknown-field": {"B1.md": entry(status="status: open\nstatuss: open")},
        "duplicate-field": {"B1.md": entry(priority="priority: 3\npriority: 4")},
        "type-integer": {"B1.md": entry(priority="priority: high")},
        "type-list": {"B1.md": entry(depends_on="")},
        "enum-type": {"B1.md": entry(type="type: software")},
        "enum-maturity": {"B1.md": entry(known_solutions="known_solutions:\n  - title: A known fix\n    citation: Doe et al. 2024\n    maturity: shipping, proprietary")},
        "enum-contribution": {"B1.md": entry(contributors='contributors:\n  - {name: "Test Author", contribution: "wrote it"}')},
        "range": {"B1.md": entry(difficulty="difficulty: 7")},
        "min-length-citation": {"B1.md": entry(known_solutions='known_solutions:\n  - title: A known fix\n    citation: ""\n    maturity: research')},
        "required-citation": {"B1.md": entry(known_solutions="known_solutions:\n  - title: A known fix\n    maturity: research")},
        "min-items": {"B1.md": entry(contributors="contributors: []")},
        "unique-items": {"B1.md": entry("B1", "[B2, B2]"), "B2.md": entry("B2")},
        "pattern": {"B01.md": entry("B01")},
        "date": {"B1.md": entry(last_reviewed="last_reviewed: 2026-02-30")},
        "future-date": {"B1.md": entry(last_reviewed="last_reviewed: 2099-01-01")},
        "vague-text": {"B1.md": entry(blockers="blockers:\n  - More research needed")},
        "id-file": {"B1.md": entry("B7")},
        "id-unique": {"B1.md": entry("B1"), "B2.md": entry("B1")},
        "depends-on-exists": {"B1.md": entry("B1", "[B9]")},
        "depends-on-self": {"B1.md": entry("B1", "[B1]")},
        "body-words": {"B1.md": entry(body_text="\n## What the bottleneck is\n\nToo short.\n\n## Why it binds now\n\nShort.\n"
                                                 "\n## What changes unlock it\n\nShort.\n\n## Who is working on it\n\nNobody.\n")},
        "body-heading": {"B1.md": entry(body_text=body([HEADINGS[0], HEADINGS[2], HEADINGS[3]], sections=2))},
        "stale": {"B1.md": entry()},
        "changelog-order": {"B1.md": entry(version="version: 2", changelog=CHANGELOG_2.replace("version: 2", "version: 3"))},
        "version-changelog": {"B1.md": entry(version="version: 2")},
        "review-date": {"B1.md": entry(version="version: 2", changelog=CHANGELOG_2)},
        "readme-history": {"B1.md": entry(), "README.md": README_HISTORY},
        "readme-graph": {"B1.md": entry("B1"), "B2.md": entry("B2", "[B1]"), "B3.md": entry("B3", "[B2]"),
                         "README.md": README_GRAPH},
    }
    for rule, files in bad.items():
        write(os.path.join("bad", rule), files)


if __name__ == "__main__":
    main()
