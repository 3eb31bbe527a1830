"""``python -m yingji.cli`` runs the ``yingji`` command."""

import sys

from yingji.cli import main

sys.exit(main())
