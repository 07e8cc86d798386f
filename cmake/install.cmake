# What `cmake --install` puts where. Paths follow GNUInstallDirs (Debian's
# build passes its multiarch libdir); the plugins install with
# dahub_plugin(). The systemd folders are relative to the prefix unless
# given absolute, as a distribution's build does (pkg-config systemd).
set(DAHUB_SYSTEMD_UNITDIR lib/systemd/system CACHE STRING
  "where dahub.service is installed")
set(DAHUB_SYSUSERSDIR lib/sysusers.d CACHE STRING
  "where the sysusers.d snippet is installed")
set(DAHUB_TMPFILESDIR lib/tmpfiles.d CACHE STRING
  "where the tmpfiles.d snippet is installed")

install(TARGETS dahub RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES docs/man/dahub.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# The plugin SDK: the public headers, the text helpers they declare, and
# dahub-plugin.pc. The .pc finds its prefix from where it lies, so a tree
# installed anywhere (a test, /opt) builds plugins without editing it.
install(DIRECTORY hub/include/dahub DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS dahub_text ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
file(RELATIVE_PATH DAHUB_PC_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig
  ${CMAKE_INSTALL_PREFIX})
configure_file(cmake/dahub-plugin.pc.in dahub-plugin.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dahub-plugin.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# An example configuration for an installed system (/etc/dahub). The
# case-level feed is left out: it needs a key of each site's own.
set(DAHUB_EXAMPLES ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES conf/system/hub.json conf/vocabulary.json
  DESTINATION ${DAHUB_EXAMPLES})
install(DIRECTORY conf/feeds.d DESTINATION ${DAHUB_EXAMPLES}
  PATTERN lwa.json EXCLUDE)

install(FILES systemd/dahub.service DESTINATION ${DAHUB_SYSTEMD_UNITDIR})
install(FILES systemd/dahub.sysusers DESTINATION ${DAHUB_SYSUSERSDIR}
  RENAME dahub.conf)
install(FILES systemd/dahub.tmpfiles DESTINATION ${DAHUB_TMPFILESDIR}
  RENAME dahub.conf)
