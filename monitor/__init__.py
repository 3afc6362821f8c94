"""monitor: where EU member states stand on dialogue with Russia, from news feeds to email digests.

The data flows one way: config -> fetch -> parse -> judge -> store -> digest -> deliver. Each stage is a
module (or package) of its own and hands plain frozen dataclasses to the next one.
"""

__version__ = "0.1.0"
USER_AGENT = f"monitor/{__version__} (EU-Russia news monitor; +https://github.com/monitor/monitor)"
