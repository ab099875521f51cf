import sys

from patent_sync.cli.main import main

sys.exit(main())
