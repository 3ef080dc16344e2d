"""Run the rapid-response service: `python -m mesh_response`."""

from meshlib.service import main
from mesh_response.service import SPEC

main(SPEC)
