# Install rules and the Debian package: `cmake --build build --target package`, or
# `cd build && cpack -G DEB`. docs/packaging.md describes what it installs.

install(TARGETS potluck potluck-worker potluck-coordinator potluck-screensaver RUNTIME DESTINATION bin)
install(FILES packaging/potluck-worker.service packaging/potluck-coordinator.service
        DESTINATION lib/systemd/system)
# Absolute: configuration lives in /etc whatever the prefix, and dpkg keeps local edits to it
# (it is listed in packaging/debian/conffiles).
install(FILES packaging/worker.toml DESTINATION /etc/potluck)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME potluck)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "potluck maintainers <potluck@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "peer-to-peer volunteer computing grid")
set(CPACK_PACKAGE_DESCRIPTION
    "Volunteers run potluck-worker to give spare CPU to scientific projects; every work unit is computed by several volunteers and counts only when they agree. Includes potluck-screensaver, which computes while the user is away and shows what it computes, the optional potluck-coordinator and the potluck command line.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Packages ship stripped programs, which also keeps the package small and quick to build.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# dpkg-shlibdeps (from dpkg-dev) computes the libraries the programs need; adduser is what the
# maintainer scripts use to create the service user.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/conffiles
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
