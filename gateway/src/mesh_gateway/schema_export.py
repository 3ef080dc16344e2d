"""Print the gateway's SDL (committed as gateway/schema.graphql): `python -m mesh_gateway.schema_export`."""

from mesh_gateway.schema import build_schema


def sdl() -> str:
    return build_schema().as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
