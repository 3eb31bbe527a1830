"""``python -m yingji.api`` answers the requests on stdin (or in FILE) on stdout."""

import sys

from yingji.api.stdio import main

sys.exit(main())
