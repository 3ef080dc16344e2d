"""The embedded local runtime behind `make run` and the test fixtures: nats-server, secantusdb, the mesh."""
