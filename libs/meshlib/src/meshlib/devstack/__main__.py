"""`python -m meshlib.devstack run`: start the local mesh (what `make run` does)."""

import sys

from meshlib.devstack.run import main

if len(sys.argv) != 2 or sys.argv[1] != "run":
    print("usage: python -m meshlib.devstack run", file=sys.stderr)
    sys.exit(2)
sys.exit(main())
