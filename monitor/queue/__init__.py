"""Scale-out: the same stages as Celery tasks, for when one process on one machine is not enough.

Without a ``queue:`` section in the config nothing here is imported and ``monitor run`` does everything itself.
With one, ``monitor run`` only schedules: it puts "poll feed F", "fetch page P" and "send digest D" on the queue
(Redis or RabbitMQ, through Celery) and ``monitor worker`` processes run them with the functions the single
process uses (``Pipeline.poll``, ``Pipeline.fetch_page``, ``monitor.digest.run.send``). PostgreSQL is the one
store, and what must happen once is decided there: a feed is polled by one worker at a time (an advisory lock),
a digest window is claimed once (``Store.claim_digest_run``), and one scheduler leads (another advisory lock)
while others stand by.

* ``tasks``: the Celery app and the three tasks, and each worker process's runtime.
* ``scheduler``: what the leading ``monitor run`` does instead of polling: put due work on the queue.
* ``leader``: the leadership lock.
"""
