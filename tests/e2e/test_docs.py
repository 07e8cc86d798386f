"""The examples of docs/mapping.md and docs/walkthrough.md are what dahub
really says.

An example in those pages is a run of fenced blocks:

    ```json options [feed]   the feed's "options" (its name: "example")
    ```text <name>           a file (as many as the example needs; a
                             file stays for the page's later examples)
    ```console               "$ dahub try --feed <feed> <name>" or
                             "$ dahub check", then what it prints

Each is run here on a fresh hub with that one feed (its source the feed's
name, an HMAC key of its own), and what the real binary prints is
compared with the page, so a page cannot drift from the program. Paths are
shown as an installed hub prints them: the feed file is
/etc/dahub/feeds.d/<feed>.json, where the options block starts on line 6.
A try may end "| head -N" (the first N observations) or "> /dev/null"
(none: only what goes to standard error).

DAHUB_DOCS_UPDATE=1 writes what dahub printed into the pages instead (to
be read before it is committed). All data is synthetic.
"""

import json
import os
import re
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dahub_e2e import (BIN, PLUGIN_DIR, SOURCE_DIR, CLI_TIMEOUT,  # noqa: E402
                       HubTestCase, scaled)

PAGES = ["docs/mapping.md", "docs/walkthrough.md"]
UPDATE = os.environ.get("DAHUB_DOCS_UPDATE") == "1"
FENCE = re.compile(r"^```(\S*)[ \t]*(.*)$")


def blocks(text):
    """Every fenced block: (info words, body, first line, last line)."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and lines[i] != "```":
            i += 1
        out.append(((m.group(1), m.group(2).strip()), "\n".join(lines[start + 1:i]),
                    start, i))
        i += 1
    return out


def examples(text):
    """Each example: its feed, options, files and console block."""
    found, current, files = [], None, {}
    for (lang, arg), body, start, end in blocks(text):
        words = arg.split()
        if lang == "json" and words[:1] == ["options"]:
            current = {"feed": words[1] if len(words) > 1 else "example",
                       "options": body, "line": start + 1}
        elif lang == "text" and arg:
            files[arg] = body
        elif current is not None and lang == "console":
            current["console"] = (body, start, end)
            current["files"] = dict(files)
            found.append(current)
            current = None
    return found


def feed_text(name, options):
    """The feed file: the options block from its line 6, as the page says."""
    return ('{\n  "name": "%s",\n  "source_id": "%s",\n'
            '  "plugin": "mapped",\n  "hmac_key_file": "example.key",\n'
            '  "options": %s\n}\n' % (name, name, options))


class DocsTest(HubTestCase):

    def run_example(self, ex):
        hub = self.make_hub(feeds=[])
        hub.write_feed(file_name=ex["feed"] + ".json",
                       text=feed_text(ex["feed"], ex["options"]))
        key = os.path.join(hub.conf_dir, "example.key")
        with open(key, "wb") as f:
            f.write(b"an example key of 32 bytes, not secret")
        os.chmod(key, 0o600)
        for name, body in ex["files"].items():
            with open(os.path.join(hub.outside_dir, name), "w") as f:
                f.write(body + "\n")
        command = ex["console"][0].split("\n", 1)[0]
        words = command.split()
        self.assertEqual(words[:2], ["$", "dahub"], command)
        keep = None  # observations shown: all
        if words[-3:-1] == ["|", "head"]:
            keep = int(words[-1].lstrip("-"))
            words = words[:-3]
        elif words[-2:] == [">", "/dev/null"]:
            keep = 0
            words = words[:-2]
        argv = [BIN] + words[2:3] + ["--config", hub.config,
                                     "--plugin-dir", os.path.abspath(PLUGIN_DIR)]
        argv += words[3:]
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, errors="replace", timeout=scaled(CLI_TIMEOUT),
                           cwd=hub.outside_dir)
        out = r.stdout.splitlines(True)
        said = ("".join(out if keep is None else out[:keep]) + r.stderr).replace(
            hub.conf_dir, "/etc/dahub")
        return command + "\n" + said.rstrip("\n")

    def test_every_example_says_what_dahub_says(self):
        checked = 0
        for page in PAGES:
            path = os.path.join(SOURCE_DIR, page)
            if not os.path.exists(path):
                continue
            with open(path) as f:
                text = f.read()
            lines = text.split("\n")
            # from the end, so that an update keeps earlier line numbers
            for ex in reversed(examples(text)):
                body, start, end = ex["console"]
                with self.subTest(page=page, line=ex["line"]):
                    json.loads(ex["options"])  # the options are JSON
                    got = self.run_example(ex)
                    checked += 1
                    if UPDATE:
                        lines[start + 1:end] = got.split("\n")
                    else:
                        self.assertEqual(body, got, "%s, the example at line %d"
                                         % (page, ex["line"]))
            if UPDATE:
                with open(path, "w") as f:
                    f.write("\n".join(lines))
        self.assertGreater(checked, 20, "the pages hold their examples")


if __name__ == "__main__":
    unittest.main()
