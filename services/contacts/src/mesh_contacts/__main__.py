"""Run the leaders' contacts service: `python -m mesh_contacts`."""

from mesh_contacts.service import SPEC
from meshlib.service import main

main(SPEC)
