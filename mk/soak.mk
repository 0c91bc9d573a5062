# mk/soak.mk - the whole pipeline under churn (issue 18).
#
#   make soak [SOAK_MINUTES=60] [SOAK_OUT=bench/soak]
#                  pipeline.sh at 0.2 s keeping 50 containers while a spawner
#                  adds 10 every 10 s; samples each stage every 10 s; checks
#                  that nothing grows and every container is accounted for
#                  (mk/soak.sh, mk/soak-check.sh); bench/soak.sh prints the
#                  recorded run in make bench.

SOAK_MINUTES ?= 60
SOAK_OUT ?= bench/soak

soak: all
	@sh mk/deps.sh build test
	SOAK_RSS_LIMIT=$$( [ $(SOAK_MINUTES) -ge 30 ] && echo 1 ) CULL_BIN="$(abspath $(BIN))" \
		bash mk/soak.sh $(SOAK_MINUTES) $(SOAK_OUT)

.PHONY: soak
