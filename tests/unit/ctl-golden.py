#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""xen-dom0ctl's output made comparable with a golden file, and its JSON checked against the
schema that xen-dom0ctl(1) documents.

  ctl-golden.py normalize DIR < OUTPUT      what may differ between runs replaced by <...>
  ctl-golden.py validate SCHEMA DEF FILE    FILE against SCHEMA's $defs/DEF

What differs between runs: the scenario's directory (DIR), dates and times, durations (a
start-up, CPU time). In JSON the keys that hold them; in text the tokens, and since a
duration's width moves the padding before it, the padding is part of what is replaced."""
import json
import re
import sys

DATE = re.compile(r"[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [A-Z]+")
AGO = re.compile(r"\b(\d+(\.\d+)?(us|ms|s|min|h|d|w|M|y) ?)+ ago\b")
SPAN_BLANKS = re.compile(r"( *)\b\d+(\.\d+)?(us|ms|s|min)\b")
VOLATILE_KEYS = ("_timestamp", "startup_ms", "cpu_time_ns")


def normalize_json(v, d):
    if isinstance(v, dict):
        return {k: ("<volatile>" if k.endswith(VOLATILE_KEYS) and x not in (0, None)
                    else normalize_json(x, d)) for k, x in v.items()}
    if isinstance(v, list):
        return [normalize_json(x, d) for x in v]
    if isinstance(v, str):
        return v.replace(d, "<dir>")
    return v


def placeholder(m):
    """A duration and the blanks before it become <time> in as many columns, right-aligned:
    a right-aligned column keeps its width whatever the duration."""
    width = len(m.group(0))
    return "<time>".rjust(width) if width > len("<time>") else m.group(1)[:1] + "<time>"


def normalize_text(text, d):
    text = DATE.sub("<date>", text.replace(d, "<dir>"))
    return SPAN_BLANKS.sub(placeholder, AGO.sub("<ago>", text))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "normalize":
        text = sys.stdin.read()
        try:
            j = json.loads(text)
        except ValueError:
            sys.stdout.write(normalize_text(text, sys.argv[2]))
            return 0
        json.dump(normalize_json(j, sys.argv[2]), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "validate":
        import jsonschema
        schema = json.load(open(sys.argv[2]))
        one = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/" + sys.argv[3]}
        validator = jsonschema.Draft202012Validator(one)
        errors = list(validator.iter_errors(json.load(open(sys.argv[4]))))
        for e in errors:
            print("%s: %s: %s" % (sys.argv[4], "/".join(str(p) for p in e.absolute_path) or "(top)", e.message))
        return 1 if errors else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
