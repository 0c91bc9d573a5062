# mk/swarm.mk - cull on a real two-node Docker Swarm on this machine.
#
#   make test-swarm   tests/swarm/swarm.t: a second dockerd in its own
#                     namespaces joins the host's engine in a swarm,
#                     deploy/swarm.yml is deployed and tried (one agent per
#                     node, each node culled by its own agent, the central log,
#                     an agent killed, the logger away 30 s), then everything
#                     is removed and that is checked. As root; about 4 minutes;
#                     not part of make test (it makes the host's engine a swarm
#                     manager for its run).
#                     CULL_SWARM_STACK=FILE tries another stack file.
test-swarm: all
	@sh mk/deps.sh test swarm
	CULL_BIN="$(abspath $(BIN))" $(PROVE) $(PROVE_FLAGS) tests/swarm/swarm.t

.PHONY: test-swarm
