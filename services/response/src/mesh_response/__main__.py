"""Run the rapid-response service: `python -m mesh_response`."""

from mesh_response.service import SPEC
from meshlib.service import main

main(SPEC)
