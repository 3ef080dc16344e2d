"""Run the peripheral-environment governance service: `python -m mesh_environment`."""

from mesh_environment.service import SPEC
from meshlib.service import main

main(SPEC)
