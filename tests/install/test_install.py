#!/usr/bin/env python3
"""The install tree, as an officer and a sysadmin meet it.

`cmake --install` into a temporary prefix; the layout is checked; the
template plugin is copied out of the installed tree and built there with
its Makefile, against the installed dahub-plugin.pc (its own test runs
too); then the installed `dahub check` loads it beside the installed
plugins on the installed example configuration, and `dahub try` reads the
template's sample with it.

usage: test_install.py BUILD_DIR LIBDIR DEFAULT_PLUGIN_DIR VERSION
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BUILD, LIBDIR, DEFAULT_PLUGINS, VERSION = sys.argv[1:5]


def run(args, ok=True, **kw):
    p = subprocess.run(args, capture_output=True, text=True, timeout=240, **kw)
    if ok and p.returncode != 0:
        sys.exit("failed (%d): %s\n%s%s" % (p.returncode, " ".join(args),
                                             p.stdout, p.stderr))
    return p


def expect(cond, what):
    if not cond:
        sys.exit("failed: " + what)


def main():
    tmp = tempfile.mkdtemp(prefix="dahub-install-")
    try:
        check_tree(tmp)
    finally:
        shutil.rmtree(tmp)
    print("install tree: ok")


def check_tree(tmp):
    prefix = os.path.join(tmp, "prefix")
    run(["cmake", "--install", BUILD, "--prefix", prefix])
    libdir = os.path.join(prefix, LIBDIR)
    plugins = os.path.join(libdir, "dahub", "plugins")
    examples = os.path.join(prefix, "share", "doc", "dahub", "examples")
    template = os.path.join(prefix, "share", "dahub", "plugin-template")
    for rel in ["bin/dahub", "include/dahub/plugin.h", "include/dahub/error.h",
                "include/dahub/date.h",
                os.path.join(LIBDIR, "libdahub_text.a"),
                os.path.join(LIBDIR, "pkgconfig", "dahub-plugin.pc"),
                "share/man/man1/dahub.1",
                "lib/systemd/system/dahub.service",
                "lib/sysusers.d/dahub.conf", "lib/tmpfiles.d/dahub.conf",
                "share/doc/dahub/examples/hub.json",
                "share/doc/dahub/examples/vocabulary.json",
                "share/doc/dahub/examples/feeds.d/freeva.json",
                "share/dahub/plugin-template/tally.c",
                "share/dahub/plugin-template/Makefile"]:
        expect(os.path.isfile(os.path.join(prefix, rel)), "installed " + rel)
    for name in ["mapped", "json", "csv", "xlsx"]:
        expect(os.path.isfile(os.path.join(plugins, name + ".so")),
               "plugin %s in %s" % (name, plugins))
    expect(not os.path.exists(os.path.join(plugins, "tally.so")),
           "the template is source only, not an installed plugin")
    expect(not os.path.exists(os.path.join(examples, "feeds.d", "lwa.json")),
           "no example feed that needs a key of its own")
    dahub = os.path.join(prefix, "bin", "dahub")
    usage = run([dahub, "--help"], ok=False)
    expect(usage.returncode == 2 and
           ("default plugin folder: %s\n" % DEFAULT_PLUGINS) in usage.stderr,
           "dahub --help names the installed plugin folder: " + usage.stderr)

    # The officer's way: pkg-config finds the installed SDK.
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(libdir, "pkgconfig"))
    got = run(["pkg-config", "--modversion", "dahub-plugin"], env=env)
    expect(got.stdout.strip() == VERSION, "dahub-plugin.pc version")
    cflags = run(["pkg-config", "--cflags", "dahub-plugin"], env=env).stdout
    expect(os.path.realpath(os.path.join(prefix, "include")) in
           [os.path.realpath(f[2:]) for f in cflags.split()
            if f.startswith("-I")], "the .pc points into the prefix: " + cflags)
    work = os.path.join(tmp, "tally")
    shutil.copytree(template, work)
    run(["make", "-C", work, "check", "all"], env=env)
    got = run(["make", "-C", work, "try", "DAHUB=" + os.path.join(
        prefix, "bin", "dahub"), "VOCABULARY=" + os.path.join(
            examples, "vocabulary.json")], env=env)
    expect("would be stored: 4 observations" in got.stderr,
           "make try: " + got.stderr)
    expect(os.path.isfile(os.path.join(work, "tally.so")), "tally.so built")
    shutil.copy(os.path.join(work, "tally.so"), plugins)
    os.chmod(os.path.join(plugins, "tally.so"), 0o755)

    # The installed example configuration, moved into the temporary tree.
    etc = os.path.join(tmp, "etc")
    shutil.copytree(examples, etc)
    shutil.copy(os.path.join(work, "tally.json"), os.path.join(etc, "feeds.d"))
    with open(os.path.join(etc, "hub.json")) as f:
        hub = json.load(f)
    expect("plugin_dir" not in hub, "the example uses the installed plugins")
    hub["spool_dir"] = os.path.join(tmp, "spool")
    hub["state_dir"] = os.path.join(tmp, "state")
    hub["summary"]["outbox_dir"] = os.path.join(tmp, "outbox")
    with open(os.path.join(etc, "hub.json"), "w") as f:
        json.dump(hub, f, indent=2)
    conf = ["--config", os.path.join(etc, "hub.json"), "--plugin-dir", plugins]
    got = run([dahub, "check"] + conf)
    expect(got.stdout.startswith("ok: "), "check: " + got.stdout)
    got = run([dahub, "try"] + conf + ["--feed", "tally",
                                        os.path.join(work, "sample.tally")])
    obs = [json.loads(line) for line in got.stdout.splitlines()]
    expect(len(obs) == 4, "four figures from the sample: " + got.stdout)
    expect(obs[0]["area_code"] == "E07000130" and obs[0]["value"] == 31,
           "Charnwood's figure: %r" % obs[0])
    expect(obs[1]["area_code"] == "E07000134" and
           obs[1]["value_status"] == "suppressed" and obs[1]["bound"] == 5,
           "NW Leics hidden at source: %r" % obs[1])
    expect(obs[2]["value_status"] == "missing", "Melton missing: %r" % obs[2])
    expect(all(o["service_id"] == "freeva.male_helpline" for o in obs),
           "the feed's service")

    # A bad line is refused with where it is.
    bad = os.path.join(tmp, "bad.tally")
    with open(bad, "w") as f:
        f.write("period FY2024-25-Q1\nmeasure helpline_contacts\nBlaby 3x\n")
    got = run([dahub, "try"] + conf + ["--feed", "tally", bad], ok=False)
    expect(got.returncode == 1 and "bad.tally:3:7:" in got.stderr,
           "a bad figure named by line and column: " + got.stderr)


if __name__ == "__main__":
    main()
