"""Digests: what analysts actually read, built from what the store holds and mailed on a cron schedule.

The stage is split the way the data flows, so each part can be read and tested on its own:

* ``cron``     when: cron expressions in a time zone, with daylight-saving changes handled explicitly;
* ``select``   what goes in: pure functions from stored facts to a ``DigestData`` (numbers, per-state rows,
               the tile map, grouped top stories, failing feeds), with ``stories`` deciding which articles
               are copies of one story and ``tilemap`` reading the map's layout and colours (``tilemap.yaml``);
* ``render``   how it looks: Jinja2 templates to an HTML part and a plain-text part carrying the same facts;
* ``deliver``  where it goes: SMTP (STARTTLS or SSL) or, without an ``smtp:`` section, ``.eml`` files;
* ``run``      the edge that ties them to the store: windows, run records, retries.

Nothing heavy is imported here: the command line and the config loader import single submodules.
"""
