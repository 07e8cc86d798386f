#!/usr/bin/env python3
"""The Debian packages, as a sysadmin installs them.

A copy of the source tree (never the tree itself) is built with
`dpkg-buildpackage -us -uc -b` (and `-S`, for the source package); lintian
must report no error on either; both packages
are unpacked with `dpkg-deb -x` into a temporary root, where the layout, the
conffiles and the maintainer scripts are checked, and the packaged binary's
`check` must accept the packaged configuration and its example. As root, the
postinst's systemd-sysusers and systemd-tmpfiles calls run on that root too
(`--root`, as dpkg's DPKG_ROOT does), and the user and folders they make
are checked.

usage: test_package.py SOURCE_DIR VERSION
Exit 77 (skipped) when dpkg-buildpackage, debhelper or lintian is missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile

SOURCE, VERSION = sys.argv[1:3]
# Rules-Requires-Root: no, so the build needs no fakeroot.
TOOLS = {"dpkg-buildpackage": "dpkg-dev", "dh": "debhelper",
         "lintian": "lintian"}
# What the source tree may hold that the package build does not need.
IGNORE = shutil.ignore_patterns(".git", "build", "build-*", "state", "outbox",
                                "spool", "__pycache__", "*.so", "try")


def run(args, ok=True, timeout=900, **kw):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                       **kw)
    if ok and p.returncode != 0:
        sys.exit("failed (%d): %s\n%s%s" % (p.returncode, " ".join(args),
                                             p.stdout[-4000:], p.stderr[-4000:]))
    return p


def expect(cond, what):
    if not cond:
        sys.exit("failed: " + what)


def main():
    missing = [pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        print("skipped: Debian packaging tools missing (apt-get install %s)" %
              " ".join(missing))
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="dahub-deb-")
    try:
        debs = build(tmp)
        run_lintian(tmp)
        root = os.path.join(tmp, "root")
        for deb in debs.values():
            run(["dpkg-deb", "-x", deb, root])
        check_layout(root)
        check_scripts(tmp, debs["dahub"])
        check_config(root)
        check_user_and_folders(root)
    finally:
        shutil.rmtree(tmp)
    print("debian packages: ok")


def build(tmp):
    src = os.path.join(tmp, "dahub-" + VERSION)
    shutil.copytree(SOURCE, src, ignore=IGNORE)
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2")
    run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env)
    # the source package too, so lintian reads debian/copyright and
    # debian/control as a source upload presents them (no build: -d)
    run(["dpkg-buildpackage", "-us", "-uc", "-S", "-d"], cwd=src, env=env)
    arch = run(["dpkg-architecture", "-qDEB_HOST_ARCH"]).stdout.strip()
    debs = {}
    for name in ["dahub", "dahub-dev"]:
        deb = os.path.join(tmp, "%s_%s_%s.deb" % (name, VERSION, arch))
        expect(os.path.isfile(deb), "built " + deb)
        debs[name] = deb
    return debs


def run_lintian(tmp):
    changes = sorted(f for f in os.listdir(tmp) if f.endswith(".changes"))
    expect(len(changes) == 2, "a binary and a source .changes: %r" % changes)
    for c in changes:
        got = run(["lintian", "--fail-on", "error", os.path.join(tmp, c)],
                  ok=False)
        errors = [l for l in got.stdout.splitlines() if l.startswith("E:")]
        expect(got.returncode == 0 and not errors,
               "lintian reports errors on %s:\n%s%s" % (c, got.stdout,
                                                        got.stderr))


def multiarch():
    return run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"]).stdout.strip()


def check_layout(root):
    ma = multiarch()
    plugins = "usr/lib/%s/dahub/plugins" % ma
    for rel in ["usr/bin/dahub", plugins + "/mapped.so", plugins + "/json.so",
                plugins + "/csv.so", plugins + "/xlsx.so",
                "lib/systemd/system/dahub.service",
                "usr/lib/sysusers.d/dahub.conf", "usr/lib/tmpfiles.d/dahub.conf",
                "usr/share/man/man1/dahub.1.gz", "etc/dahub/hub.json",
                "etc/dahub/vocabulary.json", "etc/dahub/feeds.d/freeva.json",
                "usr/share/doc/dahub/examples/hub.json",
                "usr/share/doc/dahub/examples/vocabulary.json",
                "usr/share/doc/dahub/copyright",
                # dahub-dev
                "usr/include/dahub/plugin.h", "usr/lib/%s/libdahub_text.a" % ma,
                "usr/lib/%s/pkgconfig/dahub-plugin.pc" % ma,
                "usr/share/dahub/plugin-template/tally.c",
                "usr/share/dahub/plugin-template/Makefile"]:
        expect(os.path.isfile(os.path.join(root, rel)), "packaged " + rel)
    expect(not os.path.exists(os.path.join(root, "etc/dahub/feeds.d/lwa.json")),
           "no feed that needs a site's own key in /etc/dahub")
    for rel in ["usr/bin/dahub", plugins + "/mapped.so"]:
        mode = os.stat(os.path.join(root, rel)).st_mode
        expect(mode & 0o022 == 0, rel + " writable by group or others")
    with open(os.path.join(root, "usr/bin/dahub"), "rb") as f:
        binary = f.read()
    # the tests' hook that blocks the loop (daemon_hooks.c) is not shipped
    for word in (b"DAHUB_TEST_HOOKS", b"DAHUB_TEST_STALL_MS", b"test_stall",
                 b"DAHUB_TEST_WIRE_MS", b"test_wire_hold"):
        expect(word not in binary, "packaged dahub holds %r" % word)
    usage = run([os.path.join(root, "usr/bin/dahub"), "--help"], ok=False)
    expect(("default plugin folder: /%s\n" % plugins) in usage.stderr,
           "the packaged binary looks for plugins in /%s: %s" %
           (plugins, usage.stderr))


def check_scripts(tmp, deb):
    ctrl = os.path.join(tmp, "control")
    run(["dpkg-deb", "-e", deb, ctrl])
    with open(os.path.join(ctrl, "control")) as f:
        depends = [l for l in f.read().splitlines() if l.startswith("Depends:")]
    # the xlsx sink's library, found by dh_shlibdeps in the plugin
    expect(depends and "libxlsxwriter" in depends[0],
           "dahub depends on libxlsxwriter: %r" % depends)
    with open(os.path.join(ctrl, "conffiles")) as f:
        conffiles = set(f.read().split())
    for path in ["/etc/dahub/hub.json", "/etc/dahub/vocabulary.json",
                 "/etc/dahub/feeds.d/freeva.json"]:
        expect(path in conffiles, "conffile " + path)
    expect(all(p.startswith("/etc/dahub/") for p in conffiles),
           "conffiles only in /etc/dahub: %r" % sorted(conffiles))
    with open(os.path.join(ctrl, "postinst")) as f:
        postinst = f.read()
    users = postinst.find("systemd-sysusers")
    folders = postinst.find("systemd-tmpfiles")
    expect(0 <= users < folders,
           "postinst makes the user, then the folders:\n" + postinst)
    expect("dahub.service" in postinst, "postinst enables the unit")
    with open(os.path.join(ctrl, "postrm")) as f:
        postrm = f.read()
    expect("rm -rf /var/lib/dahub /var/spool/dahub" in postrm,
           "purge removes the store and the spool")
    expect("userdel" not in postrm and "deluser" not in postrm,
           "purge keeps the user")


def check_config(root):
    dahub = os.path.join(root, "usr/bin/dahub")
    plugins = os.path.join(root, "usr/lib/%s/dahub/plugins" % multiarch())
    for conf in ["etc/dahub/hub.json", "usr/share/doc/dahub/examples/hub.json"]:
        got = run([dahub, "check", "--config", os.path.join(root, conf),
                   "--plugin-dir", plugins])
        expect(got.stdout.startswith("ok: "), conf + ": " + got.stdout)


def check_user_and_folders(root):
    if os.geteuid() != 0:
        print("not root: the user and folders the postinst makes are not "
              "checked (chown needs root)")
        return
    # the postinst's own calls, on the unpacked root
    run(["systemd-sysusers", "--root=" + root, "dahub.conf"])
    run(["systemd-tmpfiles", "--root=" + root, "--create", "dahub.conf"])
    with open(os.path.join(root, "etc/passwd")) as f:
        users = [l.split(":") for l in f.read().splitlines()]
    dahub = [u for u in users if u[0] == "dahub"]
    expect(len(dahub) == 1, "one dahub user: %r" % users)
    uid, home, shell = int(dahub[0][2]), dahub[0][5], dahub[0][6]
    expect(0 < uid < 1000 and home == "/var/lib/dahub" and
           shell.endswith("nologin"), "a system user: %r" % dahub[0])
    for folder in ["var/spool/dahub", "var/lib/dahub"]:
        st = os.stat(os.path.join(root, folder))
        expect(st.st_uid == uid and st.st_mode & 0o7777 == 0o750,
               "%s is dahub's, 0750: uid %d mode %o" %
               (folder, st.st_uid, st.st_mode & 0o7777))


if __name__ == "__main__":
    main()
