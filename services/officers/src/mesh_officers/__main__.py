"""Run the chief service officers service: `python -m mesh_officers`."""

from mesh_officers.service import SPEC
from meshlib.service import main

main(SPEC)
