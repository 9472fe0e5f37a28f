import sys

from typeset.cli import main

try:
    status = main()
except KeyboardInterrupt:   # a signal that slipped past main's own handler (e.g. during cleanup)
    print("interrupted; no partial PDF was left behind", file=sys.stderr)
    status = 130
raise SystemExit(status)
