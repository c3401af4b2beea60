"""HelpRealm benchmarks: `python -m bench` seeds a database, starts the real server and measures it
from a separate load-generator process. See bench/README.md. Not part of the test suite."""
