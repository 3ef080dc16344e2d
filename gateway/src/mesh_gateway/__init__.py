"""The GraphQL gateway: the four services behind one graph."""
