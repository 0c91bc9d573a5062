# mk/deb.mk - the Debian packages.
#
#   make deb        build-deb/cull_<version>_<arch>.deb and
#                   build-deb/cull-dkms_<version>_all.deb (debhelper, from a
#                   copy of the tree in build-deb/src), then lintian: an
#                   error fails it (mk/deb.sh)
#   make test-deb   as root: make deb, then install both packages with
#                   apt-get, try them, build the module with DKMS against
#                   cached 6.1 and 6.12 headers, purge, and check nothing is
#                   left (tests/70-deb.t with CULL_TEST_DEB=1)

deb:
	@sh mk/deps.sh build deb
	bash mk/deb.sh

test-deb: deb
	CULL_TEST_DEB=1 $(PROVE) $(PROVE_FLAGS) tests/70-deb.t

clean: clean-deb
clean-deb:
	rm -rf build-deb

.PHONY: deb test-deb clean-deb
