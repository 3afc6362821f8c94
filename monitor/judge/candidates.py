"""Which stories are worth fetching in full: the judge's question before the article's page is read.

A feed often gives a headline and a teaser; the position sits in the body. Fetching every page would be slow and
impolite, so a story earns its page when the judge already finds it relevant, or when it names a member state
(or its leader, capital or government) and touches the topic (a reference to the target, or one of the topic's
anchors): "Orbán heads to Moscow" says nothing yet about talks, but the article will.
"""

from __future__ import annotations

from monitor.judge.engine import Judge
from monitor.judge.lexicon import tokenize


def worth_reading(judge: Judge, title: str, text: str = "") -> bool:
    lead = f"{title}\n{text[:2000]}"
    topic = judge.topic
    if not topic.mentions_target(lead) and not (topic.anchors_re is not None and topic.anchors_re.search(lead)):
        return False
    return any(m.eligible and not m.venue for m in judge.actors.find(tokenize(lead), lead))


__all__ = ["worth_reading"]
