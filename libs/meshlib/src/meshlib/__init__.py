"""Runtime library shared by every mesh service and the gateway."""
