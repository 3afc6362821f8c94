"""The judge proper: relevance, and who takes which stance, from text alone. Pure functions, no I/O.

Stance is read clause by clause, in the manner of event coders such as PETRARCH but without a parser:

1. find the member states (``actors.py``) and the topic's cues (``topic.py``) in each sentence;
2. cut the sentence into clauses at contrastive words ("but", "while", ";");
3. for each *object* (something about dialogue with Russia, or about pressure on Russia), find who holds a view
   on it: the state to its left (its subject), the agent of a passive ("turned down by Sweden"), the speaker of
   a quote, or the state the previous sentence was about ("He also said ...");
4. multiply the signs of the polarity words between holder and object ("did not back resuming contacts":
   not × back × resume) and of any evaluation after it ("sanctions have failed");
5. for-dialogue or against-pressure is ``pro_dialogue``, the reverse ``hardline``; a condition makes a
   pro-dialogue reading ``mixed``, and so do opposite readings of one state in one article.

Every stance keeps the sentence that proves it and the cues that fired, so an analyst can check it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from monitor.judge.actors import Actors, Mention, word_before
from monitor.judge.lexicon import Match, Token, tokenize
from monitor.judge.offices import story_day
from monitor.judge.topic import DIALOGUE, PRESSURE, Cue, Topic

if TYPE_CHECKING:
    from monitor.judge.decider import Model

ENGINE_VERSION = "10"  # bump when the engine's reading changes; the topic's own version covers lexicon edits
PRO, HARD, MIXED = "pro_dialogue", "hardline", "mixed"
LABELS = (PRO, HARD, MIXED)
MAX_LINK = 28  # tokens between a state and an object beyond which the link is a guess
MAX_CHARS = 20_000  # long articles: the lead carries the stances; the tail costs time and adds noise


@dataclass(frozen=True)
class Evidence:
    country: str
    label: str
    confidence: float
    sentence: str
    cues: tuple[str, ...]
    how: str  # subject | passive | speaker | carried | descriptor | owner


@dataclass(frozen=True)
class Stance:
    country: str
    stance: str
    confidence: float
    evidence: str  # the sentence(s) that justify the label
    cues: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"country": self.country, "stance": self.stance, "confidence": self.confidence,
                "evidence": self.evidence, "cues": list(self.cues)}


@dataclass(frozen=True)
class Judgement:
    relevant: bool
    relevance: float
    stances: tuple[Stance, ...] = ()
    topic: str = ""
    version: str = ""
    evidence: tuple[Evidence, ...] = field(default=(), repr=False)
    # Touches the topic and names a member state that could hold a stance: worth reading the whole article
    # when the feed gave only a teaser (monitor/pages.py), even if not relevant on the teaser alone.
    named: bool = False

    def stance_of(self, country: str) -> Stance | None:
        return next((s for s in self.stances if s.country == country), None)


# ------------------------------------------------------------------------------------------------ sentences

_END = re.compile(r"[.!?…]+[\"”’»)\]]*\s+")
_ABBREV = frozenset({
    "mr", "mrs", "ms", "dr", "st", "gen", "sen", "rep", "prof", "jr", "sr", "vs", "no", "u.s", "u.k", "e.u",
    "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "approx", "dept", "gov", "lt", "col", "capt", "sgt", "pres", "min", "amb", "d", "e.g", "i.e", "etc", "cf",
})
_QUOTES = re.compile(r"[\"“”«»„]")


_ORDINAL_BEFORE = frozenset({"des", "der", "dem", "den", "die", "das", "am", "zum", "vom", "im", "beim", "seit", "bis",
                             "ab", "zur"})


def _ordinal_context(chunk: str) -> bool:
    words = chunk.split()
    return len(words) >= 2 and words[-2].lower() in _ORDINAL_BEFORE


def split_sentences(text: str) -> list[tuple[str, int]]:
    """Sentences with their paragraph number. Newlines always end a sentence (feeds often lack punctuation)."""
    out: list[tuple[str, int]] = []
    for para_no, para in enumerate(p for p in text.split("\n") if p.strip()):
        start = 0
        for m in _END.finditer(para):
            chunk = para[start : m.start()]
            last = chunk.rsplit(None, 1)[-1].lower().rstrip(".") if chunk.strip() else ""
            if m.group().startswith(".") and (last in _ABBREV or (len(last) == 1 and last.isalpha())):
                continue
            if m.group().startswith(".") and last.isdigit() and _ordinal_context(chunk):
                continue  # "des 20. EU-Sanktionspakets": a German ordinal, not the end of a sentence
            nxt = para[m.end() : m.end() + 1]
            if nxt and not (nxt.isupper() or nxt.isdigit() or nxt in "\"“‘«(['"):
                continue
            sentence = para[start : m.end()].strip()
            if sentence:
                out.append((sentence, para_no))
            start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append((tail, para_no))
    return out


# ------------------------------------------------------------------------------------------------ analysis


@dataclass
class _Sentence:
    text: str
    para: int
    tokens: list[Token]
    mentions: list[Mention]
    cues: list[Match[Cue]]
    targets: list[int]  # token positions of Russian references
    third: bool  # names another party (China, Iran...)
    speech: list[int]  # token positions of speech verbs
    conditions: list[int]  # token positions of condition and question words (both block links)
    questions: set[int]  # ... of question words only ("asked whether"): they do not make a reading mixed
    threat: bool  # "will block ... unless": a condition attached to obstruction is leverage, not a mixed view
    hedged: bool
    reactions: list[Match[int]]
    anaphoric: bool  # starts with "He", "The minister", ...
    plural: bool  # ... with "They", "We", "The ministers": may refer to several states
    first_person: bool  # "we", "our": the voice of an interview or a joint statement
    opens_quote: bool
    in_quote: bool = False  # starts inside a quotation opened earlier in the paragraph
    near_target: bool = False  # this sentence, a neighbour or the headline mentions Russia


@dataclass
class _Context:
    topic_has_target: bool
    last_holders: tuple[str, ...] = ()
    last_holder_para: int = -1
    quote_speaker: tuple[str, ...] = ()
    voice: tuple[str, ...] = ()  # the one state a headline names: who "we" is in an interview or statement
    last_object: tuple[str, int] | None = None  # type and sign of the last object read, for "fight it"
    last_label: str = ""  # the stance the previous sentence expressed, for reactions to it
    last_label_states: tuple[str, ...] = ()
    label_age: int = 0  # sentences since last_label was set
    event_label: str = ""  # what Russia (or no state) did in this sentence, for reactions to it


@dataclass(frozen=True)
class _Segment:
    spans: tuple[tuple[int, int], ...]
    lo: int
    hi: int
    antecedent: tuple[str, ...] = ()  # a relative clause is about the state before it
    cond_hi: int = 0  # conditions up to here qualify this clause ("support talks | when Russia stops ...")
    elliptic: bool = False  # its verb's object may be left out ("among those who opposed were ...")
    event: bool = False  # "..., a day after the sanctions were agreed": a clause with a subject of its own

    def has(self, i: int) -> bool:
        return any(a <= i < b for a, b in self.spans)


class Judge:
    """Judges articles against one topic. Build once (lexicons compile), call ``judge`` many times."""

    def __init__(self, topic: Topic | None = None, actors: Actors | None = None, decider: bool | Model = True):
        """``decider``: the shipped learned decider (True, used when it was trained for this topic), a given
        model, or False for the rules alone."""
        from monitor.judge import decider as learned

        self.topic = topic or Topic.load()
        self.actors = actors or Actors.load()
        model = learned.shipped() if decider is True else decider or None
        # trained on this topic's rule features: a topic edited since (or a config's own topic) gets the rules alone
        fits = model is not None and model.topic == f"{self.topic.name}/{self.topic.version}"
        self.decider: Model | None = model if fits else None
        self.reader = None
        if self.decider is not None:
            from monitor.judge.multi import reader_for

            self.reader = reader_for(self.actors)
        suffix = "+decider" if self.decider is not None else ""
        self.version = f"{self.topic.name}/{self.topic.version}+engine{ENGINE_VERSION}{suffix}"

    # -------------------------------------------------------------------------------------- public

    def judge(self, title: str, text: str = "", keep_evidence: bool = True, lang: str | None = None,
              published: date | datetime | None = None) -> Judgement:
        """``lang``: the language the feed declares, a hint the text's own script and words may overrule.
        ``published``: the story's date; a leader out of office then speaks for nobody (``offices.py``)."""
        day = story_day(published)
        front = self._front(title, text, day)
        if front is None:
            return Judgement(False, 0.02, (), self.topic.name, self.version)
        title, body, sentences, evidence, score = front
        named = any(m.eligible and not m.venue for s in sentences for m in s.mentions)
        if self.decider is not None:
            return replace(self._decide(title, body, sentences, evidence, score, lang, keep_evidence, day),
                           named=named)
        relevant = score >= 0.5
        stances = _aggregate(evidence) if relevant else ()
        kept = tuple(evidence) if relevant and keep_evidence else ()
        return Judgement(relevant, score, stances, self.topic.name, self.version, kept, named)

    def _front(self, title: str, text: str, day: date | None = None
               ) -> tuple[str, str, list[_Sentence], list[Evidence], float] | None:
        """The rules' reading, shared by the rules-only path, the decider and its training; None when the story
        is not worth reading (the fast path)."""
        title = (title or "").strip()
        text = (text or "").strip()
        if text.startswith(title) and title:
            text = text[len(title) :].lstrip(" .:-—\n")
        body = text[:MAX_CHARS]
        # Cheap exit first (most news is not about the topic): no Russian reference and no stance cue in the
        # headline or lead means there is nothing to judge.
        has_target = self.topic.mentions_target(title) or self.topic.mentions_target(body)
        if not has_target and self.reader is not None:
            has_target = self.reader.mentions_russia(title) or self.reader.mentions_russia(body)
        if not has_target:
            lead = f"{title}\n{body[:400]}"
            if not self.topic.anchored(lead) or not self._has_cues(lead):
                return None
            body = body[:400]  # no Russian reference anywhere: only a headline-and-lead reading is credible
        sentences = self._analyse(title, body, day)
        evidence = self._evidence(sentences)
        score = self._relevance_score(sentences, stances=len({e.country for e in evidence}))
        return title, body, sentences, evidence, score

    def decider_inputs(self, title: str, body: str, sentences: Sequence[_Sentence], evidence: Sequence[Evidence],
                       score: float, lang: str | None, day: date | None = None) -> tuple[Any, ...]:
        """What the decider reads: the sentences in every language, the rules' stances, the candidates and the
        relevance features. Public because ``train.py`` builds its examples through exactly this code."""
        from monitor.judge.decider import candidates, relevance_features
        from monitor.judge.language import detect

        assert self.reader is not None
        language = detect(f"{title}\n{body}", lang)
        reads = []
        index = 0 if sentences and sentences[0].para < 0 else 1
        for s in sentences:
            reads.append(self.reader.read(index, s.text, language, s.tokens, s.mentions, day))
            index += 1
        rule_stances = _aggregate(evidence)
        how = {e.country: e.how for e in sorted(evidence, key=lambda e: e.confidence)}
        rule = {st.country: (st.stance, st.confidence, how.get(st.country, "")) for st in rule_stances}
        found = candidates(reads, rule, language, language in self.topic.languages)
        return reads, rule_stances, found, relevance_features(reads, score, language, len(rule))

    def _decide(self, title: str, body: str, sentences: Sequence[_Sentence], evidence: Sequence[Evidence],
                score: float, lang: str | None, keep_evidence: bool, day: date | None = None) -> Judgement:
        """The learned decider over the rules' reading: see ``decider.py``."""
        from monitor.judge.decider import NONE

        assert self.decider is not None
        reads, rule_stances, found, rel_features = self.decider_inputs(title, body, sentences, evidence, score, lang,
                                                                       day)
        relevance = self.decider.relevance(rel_features)
        relevant = relevance >= self.decider.relevance_threshold
        if not relevant:
            return Judgement(False, round(relevance, 3), (), self.topic.name, self.version)
        by_rule = {st.country: st for st in rule_stances}
        texts = {r.index: r.text for r in reads}
        bystanders = _group_bystanders(reads)
        stances: list[Stance] = []
        kept: list[Evidence] = []
        for code, cand in found.items():
            if cand.only_silent:
                continue
            label, confidence = self.decider.decide(cand.features)
            if label == NONE or code in bystanders:
                continue
            ruled = by_rule.get(code)
            weights = dict(cand.sentences) or {r.index: 0.5 for r in reads if any(code in m.codes for m in r.states)}
            if ruled is not None and ruled.stance == label:
                for part in ruled.evidence.split(" … "):  # the rule's own sentences, where it agreed
                    for i, t in texts.items():
                        if t == part:
                            weights[i] = weights.get(i, 0.0) + 2.0
            chosen = sorted(sorted(weights, key=lambda i: (-weights[i], i))[:2])  # the best two, in text order
            sentence = " … ".join(texts[i] for i in chosen)
            if ruled is not None and ruled.stance == label:
                cues = ruled.cues
            else:
                cues = tuple(k[4:] for k in cand.features if k.startswith("own:") and "|" not in k
                             and "&" not in k)[:8] or ("decider",)
            confidence = round(min(0.97, max(0.05, confidence)), 2)
            stances.append(Stance(code, label, confidence, sentence, cues))
            if keep_evidence:
                kept.append(Evidence(code, label, confidence, sentence, cues, "decider"))
        stances.sort(key=lambda st: (-st.confidence, st.country))
        return Judgement(True, round(relevance, 3), tuple(stances), self.topic.name, self.version, tuple(kept))

    # -------------------------------------------------------------------------------------- relevance

    def _has_cues(self, lead: str) -> bool:
        """Headlines often leave Russia implicit ("Hawkish Warsaw and dovish Budapest square off")."""
        roles = {m.payload.role for m in self.topic.cues.matches(tokenize(lead))}
        return "descriptor" in roles or "object" in roles

    def _relevance_score(self, sentences: Sequence[_Sentence], stances: int) -> float:
        """Russian reference × EU angle × subject matter, minus off-topic subjects, plus stances found."""
        eu = topic = off = 0.0
        target = 0
        words = 0
        for s in sentences:
            weight = 2.0 if s.para < 0 else 1.0  # the headline counts double
            words += len(s.tokens)
            target += len(s.targets) * int(weight)
            for m in self.topic.relevance.matches(s.tokens):
                kind, w = m.payload
                if kind == "eu":
                    eu += weight
                elif kind == "topic":
                    topic += w * weight
                else:
                    off += weight
            eu += weight * sum(1 for m in s.mentions if m.eligible)
        density = topic / math.sqrt(max(20, words) / 20)
        x = (-3.0 + 1.1 * min(target, 3) + 1.0 * min(eu, 3) + 0.3 * min(density, 12)
             - 1.0 * min(off, 5) + 1.4 * min(stances, 2))
        if eu == 0:
            x -= 4.0  # Russia's dealings with others, without an EU or member-state angle, are not the topic
        if topic == 0 and not stances:
            x -= 2.5  # Russia and member states named together, but nothing about the subject matter
        return round(1 / (1 + math.exp(-x)), 3)

    # -------------------------------------------------------------------------------------- sentences

    def _analyse(self, title: str, body: str, day: date | None = None) -> list[_Sentence]:
        parts: list[tuple[str, int]] = []
        if title:
            parts.append((title, -1))
        parts += split_sentences(body)
        out: list[_Sentence] = []
        in_quote = False
        last_para = None
        for text, para in parts:
            if para != last_para:
                in_quote = False
                last_para = para
            tokens = self._drop_first_names(tokenize(text))
            cues = [m for m in self.topic.cues.matches(tokens) if not _role_negation(tokens, m)]
            n_quotes = len(_QUOTES.findall(text))
            cond_matches = [m for m in self.topic.conditions.matches(tokens) if m.payload]
            opening = self.topic.anaphora.matches(tokens, 0, min(6, len(tokens)))
            condition_at = [m.start for m in cond_matches]
            s = _Sentence(
                text=text, para=para, tokens=tokens, mentions=self.actors.find(tokens, text, day), cues=cues,
                targets=[m.start for m in self.topic.target.matches(tokens)],
                third=bool(self.topic.third_parties.matches(tokens)),
                speech=[m.start for m in self.topic.speech.matches(tokens)
                        if not _negated(tokens, m.start)],  # "declined to comment" is not saying anything
                questions={m.start for m in cond_matches if m.payload == "question"},
                conditions=condition_at,
                threat=all(tokens[m.start].norm == "unless" for m in cond_matches if m.payload == "cond"),
                hedged=bool(self.topic.hedges.matches(tokens)),
                reactions=self.topic.reactions.matches(tokens),
                anaphoric=_starts_with(opening, tokens),
                plural=any(m.payload == "plural" for m in opening),
                first_person=any(t.norm in _FIRST_PERSON for t in tokens),
                opens_quote=n_quotes % 2 == 1,
                in_quote=in_quote,
            )
            if s.opens_quote:
                in_quote = not in_quote
            out.append(s)
        headline = bool(out and out[0].para < 0 and out[0].targets)
        for i, s in enumerate(out):
            s.near_target = headline or any(o.targets for o in out[max(0, i - 1) : i + 2])
        return out

    def _drop_first_names(self, tokens: list[Token]) -> list[Token]:
        """"Vladimir Putin" reads as "Putin", so every phrase written with the surname matches both."""
        first = self.topic.first_names
        if not first:
            return tokens
        return [t for i, t in enumerate(tokens)
                if not (t.norm in first and i + 1 < len(tokens) and tokens[i + 1].cap and tokens[i + 1].norm in
                        self.topic.target_surnames)]

    # -------------------------------------------------------------------------------------- evidence

    def _evidence(self, sentences: Sequence[_Sentence]) -> list[Evidence]:
        has_target = any(s.targets for s in sentences)
        headline = sentences[0] if sentences and sentences[0].para < 0 else None
        voice = tuple(dict.fromkeys(c for m in headline.mentions if m.eligible for c in m.codes)) if headline else ()
        ctx = _Context(topic_has_target=any(s.targets for s in sentences[:2]) or
                       sum(len(s.targets) for s in sentences) >= 2 or
                       (not has_target and not any(s.third for s in sentences)),
                       voice=voice if len(voice) == 1 else ())
        out: list[Evidence] = []
        for s in sentences:
            found = self._sentence_evidence(s, ctx)
            out.extend(found)
            holders = tuple(dict.fromkeys(c for m in s.mentions if m.eligible and not m.addressee for c in m.codes))
            if holders:
                ctx.last_holders, ctx.last_holder_para = holders, s.para
            labels = {e.label for e in found if e.how != "descriptor"}
            if len(labels) == 1:
                ctx.last_label, ctx.label_age = next(iter(labels)), 0
                ctx.last_label_states = tuple({e.country for e in found})
            elif ctx.event_label:
                ctx.last_label, ctx.event_label, ctx.last_label_states, ctx.label_age = ctx.event_label, "", (), 0
            else:
                # "The reaction from Warsaw was swift. Sikorski accused Orbán of ...": a reaction may come a
                # sentence or two after what it reacts to.
                ctx.label_age += 1
                if ctx.label_age > 2 or labels:
                    ctx.last_label, ctx.last_label_states = "", ()
            speaker = self._speaker(s, 0, len(s.tokens))
            if speaker and s.opens_quote:
                ctx.quote_speaker = speaker
            elif not s.in_quote and not s.opens_quote:
                ctx.quote_speaker = ()
        return out

    def _segments(self, s: _Sentence) -> list[_Segment]:
        """Clauses: cut at contrastive words and before subordinate clauses with a subject of their own
        ("..., as Vilnius fumes"); relative clauses (", whose ... ,") become clauses about their antecedent."""
        tokens = s.tokens
        n = len(tokens)
        cuts = {m.start for m in s.cues if m.payload.role == "clause"}
        # A new subject: "..., and Belgium did not comment", "... as Vilnius fumes", "after Hungary blocked ...".
        starts = {m.start for m in s.mentions if m.eligible}

        def listed(end: int) -> bool:
            """The member ending at ``end`` is listed with one before it: the last member of a list of three or
            more after a serial comma ("Poland, Denmark, and Spain expelled ...") is no new subject."""
            return any(m.end == end and o.end <= m.start and m.start - o.end <= 3
                       and all(t.norm in _LIST_WORDS for t in tokens[o.end : m.start])
                       for m in s.mentions for o in s.mentions)

        # "While Poland backs the ban, Germany opposes it": the main clause after a concessive one has its own
        # subject (a comma inside a list of states is no such start)
        concessive = n > 0 and tokens[0].norm in _CONCESSIVES
        for i in range(1, n - 1):
            nxt = i + 2 if tokens[i + 1].norm in ("the", "other", "its", "their") else i + 1
            if nxt not in starts:
                continue
            if (tokens[i].norm in _SUBORDINATORS and tokens[i - 1].norm not in ("along", "well", "together")) or (
                    tokens[i].norm == "and" and tokens[i - 1].norm == "," and not listed(i - 1)):
                cuts.add(i)
            elif concessive and tokens[i].norm == "," and not any(m.end == i and not _closes_list(tokens, m)
                                                                  for m in s.mentions):
                cuts.add(i + 1)
                concessive = False
        cuts |= _copied_acts(s, starts)
        events = _event_clauses(s, starts)
        cuts |= events
        bounds = [0, *sorted(c for c in cuts if 0 < c < n), n]
        out: list[_Segment] = []
        for lo, hi in pairwise(bounds):
            if lo >= hi:
                continue
            relatives: list[tuple[int, int]] = []
            i = lo
            while i < hi - 1:
                if tokens[i].norm == "," and tokens[i + 1].norm in ("who", "which", "whose"):
                    j = next((k for k in range(i + 2, hi) if tokens[k].norm == ","), hi)
                    relatives.append((i, j))
                    i = j
                else:
                    i += 1
            spans: list[tuple[int, int]] = []
            cursor = lo
            for a, b in relatives:
                if cursor < a:
                    spans.append((cursor, a))
                cursor = b
            if cursor < hi:
                spans.append((cursor, hi))
            # A condition opening the next clause qualifies this one: "... support talks when Russia stops",
            # "... engage with Moscow, but only once sanctions ...".
            cond_hi = hi
            if hi < n and any(hi <= c <= hi + 2 for c in s.conditions):
                cond_hi = max(hi, min(n, next((b for b in bounds if b > hi), n)))
            out.append(_Segment(tuple(spans), lo, hi, cond_hi=cond_hi, event=lo in events))
            for a, b in relatives:
                owner = next((m for m in s.mentions if m.end == a and m.eligible), None)
                # "Russia's oil tankers, which are accused of breaking the embargo": a clause about something of
                # Russia's describes Russia's side; no speaker or subject of the sentence holds it (a thing of the
                # subject's own, "a new enforcement unit, which has frozen assets", still speaks for it)
                thing = owner is None and tokens[a + 1].norm == "which" and not tokens[a - 1].cap and any(
                    i in s.targets for i in range(max(lo, a - 4), a))
                out.append(_Segment(((a, b),), a, b, owner.codes if owner else (), cond_hi=b, event=thing))
        return self._among(s, out)

    def _among(self, s: _Sentence, segments: list[_Segment]) -> list[_Segment]:
        """"Among the capitals that opposed the meeting were Riga and Bucharest": the relative clause is about the
        states named after the verb, which the usual reading (subject before its object) never links to it."""
        tokens = s.tokens
        n = len(tokens)
        if n < 6 or tokens[0].norm != "among":
            return segments
        # "Among those that opposed ...", or with a participle: "Among those pushing for talks ..."
        rel = next((i for i in range(1, 5) if tokens[i].norm in ("who", "that", "which") or (
            tokens[i].norm.endswith("ing") and tokens[i - 1].norm in _AMONG_HEADS)), None)
        cop = next((i for i in range(rel + 2, n) if tokens[i].norm in _COPULAS), None) if rel else None
        if rel is None or cop is None:
            return segments
        eligible = [m for m in s.mentions if m.eligible]
        first = next((m for m in eligible if cop < m.start <= cop + 4), None)
        if first is None:
            return segments
        end = _list_end(tokens, first, eligible, self.actors.government_nouns)
        codes = tuple(dict.fromkeys(c for m in eligible if first.start <= m.start < end for c in m.codes))
        out = []
        for seg in segments:  # the clause is no longer part of the sentence's other clauses
            spans = tuple(p for a, b in seg.spans for p in ((a, min(b, rel)), (max(a, cop), b)) if p[0] < p[1])
            if spans:
                out.append(_Segment(spans, seg.lo, seg.hi, seg.antecedent, seg.cond_hi))
        return [*out, _Segment(((rel, cop),), rel, cop, codes, cond_hi=cop, elliptic=True)]

    def _sentence_evidence(self, s: _Sentence, ctx: _Context) -> list[Evidence]:
        out: list[Evidence] = []
        inherited: tuple[str, ...] = ()
        segments = self._segments(s)
        quiet: list[_Segment] = []
        where: dict[int, int] = {}  # evidence -> where its clause starts
        for seg in segments:
            cues = [m for m in s.cues if seg.has(m.start) and m.payload.role not in ("clause", "neutral")]
            mentions = [m for m in s.mentions if seg.has(m.start)]
            found, holders, had_objects = self._clause(s, ctx, seg, cues, mentions, seg.antecedent or inherited)
            out.extend(found)
            where.update((id(e), seg.lo) for e in found)
            if not seg.antecedent:
                inherited = holders or inherited
            if not had_objects:
                quiet.append(seg)
        out.extend(self._reactions(s, ctx, quiet, out, where))
        out.extend(self._descriptors(s))
        return out

    def _reactions(self, s: _Sentence, ctx: _Context, quiet: list[_Segment], found: list[Evidence],
                   where: dict[int, int]) -> list[Evidence]:
        """A state reacting to what another did: "Szijjártó heads to Moscow as Vilnius fumes", "Germany and
        Denmark followed suit". The reaction copies or flips the stance it reacts to, which is told before it
        ("While Poland backs the draft, Germany opposes it": Poland's support is no reaction to Germany)."""
        out: list[Evidence] = []
        if not quiet:
            return out  # every clause read its own object: nothing is left to react
        # "It was rejected by the Czech Republic and Romania": a passive verb with an agent and no object of its own
        # reacts to what the previous sentence proposed.
        passives = [m for m in s.cues if m.payload.role == "polarity" and _passive_verb(s.tokens, m)]
        acts = self._act_anaphora(s)
        if not s.reactions and not passives and not acts:
            return out
        taken = {e.country for e in found}
        for seg in quiet:
            signs: list[Any] = [m for m in s.reactions if seg.has(m.start)]
            signs += [Match(m.start, m.end, m.payload.sign, m.source) for m in [*passives, *acts] if seg.has(m.start)]
            # "has not said whether it will join": an open question is no reaction
            signs = sorted((m for m in signs if not any(seg.lo <= q < m.start for q in s.questions)),
                           key=lambda m: m.start)
            if not signs:
                continue
            negations = [m for m in s.cues if seg.has(m.start) and m.payload.role == "polarity"
                         and m.source in _NEGATION_SOURCES]
            # one reaction, not a product ("sharply criticised" in any language is still against): the cue nearest
            # before the state ("criticism ... expressed by Poland"), else the first
            negation = (-1) ** len(negations)
            passive = [m.start for m in signs if m.start > 0 and s.tokens[m.start - 1].norm in _BE]
            for mention in (m for m in s.mentions if seg.has(m.start) and m.eligible and not m.addressee):
                before = [r for r in signs if r.end <= mention.start]
                sign = (before[-1] if before else signs[0]).payload * negation
                if passive and mention.start < passive[0]:
                    continue  # "Hungary's decision was condemned by Lithuania": Hungary is the one condemned
                base = next((e.label for e in found if e.country not in mention.codes and e.how != "descriptor"
                             and where.get(id(e), -1) <= seg.lo), "")
                if not base and not set(mention.codes) & set(ctx.last_label_states):
                    base = ctx.last_label
                if base not in (PRO, HARD):
                    continue
                label = base if sign > 0 else (HARD if base == PRO else PRO)
                if sign > 0 and any(seg.lo <= c < seg.cond_hi and c not in s.questions and not _on_russia(s, c)
                                    for c in s.conditions):
                    label = MIXED  # "supports the plan in principle but will only agree if ..."
                for code in mention.codes:
                    if code not in taken:
                        taken.add(code)
                        out.append(Evidence(code, label, 0.62, s.text, tuple(m.source for m in signs), "reaction"))
        return out

    def _act_anaphora(self, s: _Sentence) -> list[Match[Cue]]:
        """"Poland and Lithuania voiced opposition to the decision": a noun standing for the act told before,
        right after a word for or against it, reacts to that act like "followed suit" or "condemned it". A bare
        negation is no reaction ("did not comment on the proposal"), and a noun whose act is named after it ("the
        decision to expel ...") is read as an object instead."""
        if not any(m.payload.role == "polarity" for m in s.cues):
            return []
        out = []
        for m in self.topic.act_anaphora.matches(s.tokens):
            if m.end < len(s.tokens) and s.tokens[m.end].norm in _ACT_COMPLEMENTS:
                continue
            link = max((p for p in s.cues if p.payload.role == "polarity" and 0 <= m.start - p.end <= 2),
                       key=lambda p: p.end, default=None)
            if link is not None and link.source not in _NEGATION_SOURCES:
                out.append(Match(link.start, m.end, link.payload, f"{link.source} {m.source}"))
        return out

    def _clause(self, s: _Sentence, ctx: _Context, seg: _Segment, cues: list[Match[Cue]], mentions: list[Mention],
                inherited: tuple[str, ...]) -> tuple[list[Evidence], tuple[str, ...], bool]:
        lo, hi = seg.lo, seg.hi
        if seg.event and not any(m.eligible for m in mentions):
            return [], (), False  # "Orbán flew to Beijing a day after the sanctions were agreed": nobody's act
        heads, complements = _heads(s.tokens, sorted((m for m in cues if m.payload.role == "object"),
                                                      key=lambda m: m.start))
        objects = [m for m in heads if not _off_subject(s, m, mentions) and (
            self._about_target(s, m, lo, hi, ctx)
            or any(self._about_target(s, c, lo, hi, ctx) for c in complements.get(id(m), ())))]
        # "Europe must keep the pressure on Moscow to reach a truce": the truce is what the pressure is for,
        # not a second position of the speaker's
        objects = [m for m in objects if not _purpose_of_pressure(s.tokens, m, objects)]
        kept = {id(m) for m in objects}
        boundaries = [m for m in heads if id(m) not in kept]  # still end the verb phrase before them
        ends = {id(m): max([m.end, *(c.end for c in complements.get(id(m), ()))]) for m in objects}
        # "against" right after an object introduces its target ("enforcement against the shadow fleet")
        polarity = [m for m in cues if m.payload.role == "polarity"
                    and not (m.source == "against" and any(0 <= m.start - o.end <= 2 for o in heads))]
        for veto in [m for m in polarity if m.payload.implicit]:
            if not any(o.start > veto.start for o in objects):
                # "Hungary threatened to veto": in this topic a veto stands for "against pressure"
                implicit = Match(veto.start, veto.end, Cue("object", PRESSURE, -1), veto.source)
                objects.append(implicit)
                kept.add(id(implicit))
                polarity.remove(veto)
        if not objects and ctx.last_object is not None:
            # "Prague and Warsaw back the ban, Budapest and Bratislava vow to fight it": "it" is the ban
            pronoun = next((i for i in range(lo, hi) if seg.has(i) and s.tokens[i].norm in _PRONOUN_OBJECTS
                            and any(0 <= i - p.end <= 1 for p in polarity)), None)
            source = s.tokens[pronoun].norm if pronoun is not None else "(the sentence before)"
            if pronoun is None and seg.elliptic:
                pronoun = max((p.end for p in polarity if seg.has(p.start)), default=None)
            if pronoun is not None:
                kind, sign = ctx.last_object
                implicit = Match(pronoun, pronoun + 1, Cue("object", kind, sign), source)
                objects.append(implicit)
                kept.add(id(implicit))
        objects.sort(key=lambda m: m.start)
        if objects:
            first = objects[0]
            ctx.last_object = (first.payload.value, first.payload.sign)
        subjects = tuple(dict.fromkeys(c for m in mentions if m.eligible and not m.addressee for c in m.codes))
        if not objects:
            return [], subjects, False
        predicates = [m for m in cues if m.payload.role == "predicate"]
        # Links: polarity words, and evaluations placed before an object ("premature talks"); minus a
        # contrastive ", not" ("architect, not spectator, of peace talks") which negates a noun, not the verb.
        polarity = sorted((m for m in [*polarity, *predicates] if not _contrastive(s.tokens, m)
                           and (m.payload.role == "polarity" or any(0 <= o.start - m.end <= 1 for o in objects))),
                          key=lambda m: m.start)
        out: list[Evidence] = []
        prev_chain: dict[int, int] = {}
        prev_chain_links: dict[int, list[Match[Cue]]] = {}
        prev_obj: Match[Cue] | None = None
        # evaluations of an earlier object, which a comma cuts off from the next ("calls sanctions 'pointless', urges
        # talks"); without one they go on ("expelling diplomats risked shutting down the channels")
        spent: set[int] = set()
        for obj in sorted([*objects, *boundaries], key=lambda m: m.start):
            if id(obj) not in kept:
                prev_obj = obj
                continue
            value, post_cues, used = self._evaluated(s, obj, ends.get(id(obj), obj.end), objects, polarity,
                                                     predicates, hi)
            spent_before, spent = spent, spent | used
            holders_done: set[str] = set()
            left = [m for m in mentions if m.eligible and not m.addressee and m.end <= obj.start]
            if prev_obj is not None and _is_subject(s.tokens, ends.get(id(prev_obj), prev_obj.end)) and (
                    s.tokens[obj.start - 1].norm not in _PREPOSITIONS_OR_WITHOUT):
                # "contacts would undercut the bloc's pressure": the second object is the first one's complement
                prev_obj = obj
                continue
            # "the Russian proposal", "Moscow's offer": Russia's move, not the state's (unlike "Russia must pay")
            russian_move = obj.payload.value == DIALOGUE and (
                obj.start in s.targets or (obj.start >= 2 and obj.start - 2 in s.targets
                                           and s.tokens[obj.start - 1].norm == "'s"))
            for mention in left:
                # a list of states ("Croatia, Cyprus, ... and Spain") reaches as far as its last member does
                reach_from = _list_end(s.tokens, mention, left, self.actors.government_nouns)
                if obj.start - reach_from > MAX_LINK or self._blocked(s, mention, obj, left, cues, reach_from):
                    continue
                if mention.possessive and any(mention.end <= o.start < obj.start for o in objects):
                    continue  # "Orbán's trip to Moscow ... and new sanctions": an owner owns the first thing only
                if _patient(s, mention) and _and_verb(s, mention.end, obj.start):
                    continue  # "accused Budapest of ... and called for tariffs": the call is the accuser's
                # "Neither Hungary nor Slovakia supports ...": every member is negated, and the list's own "nor"
                # is its glue, not a word of the verb's
                neither = _neither(s.tokens, mention, left, self.actors.government_nouns)
                start = reach_from if neither else mention.end
                links = _contiguous([p for p in polarity if start <= p.start < obj.start
                                     and not _passive_verb(s.tokens, p)], obj.start, tokens=s.tokens)
                # (negative concord: "ni la Hongrie ni la Slovaquie ne ..." is negated once)
                concord = neither and any(p.source in _NEGATION_SOURCES for p in links)
                sign = -_product(links, s.tokens) if neither and not concord else _product(links, s.tokens)
                if prev_obj is not None and prev_obj.start >= mention.end:
                    # between two objects an evaluation verb governs the second: "expelling diplomats risked
                    # shutting down the channels" = risked × shutting down
                    prev_end = ends.get(id(prev_obj), prev_obj.end)
                    links = [p for p in [*polarity, *predicates] if prev_end <= p.start < obj.start
                             and not (p.payload.role == "predicate" and p.start in spent_before
                                      and _cut_off(s.tokens[p.end : obj.start]))]
                    links = _contiguous(sorted({id(p): p for p in links}.values(), key=lambda p: p.start),
                                        obj.start, tokens=s.tokens)
                    gap = [t.norm for t in s.tokens[prev_end : obj.start]]
                    if links and id(mention) in prev_chain and any(
                            gap[i] in ("and", "or") and gap[i + 1] == "to" for i in range(len(gap) - 1)):
                        # "a call for the EU to sit down with Russia and to freeze further sanctions": both
                        # infinitives hang on the same call
                        links = [*prev_chain_links.get(id(mention), []), *links]
                    # "opposes sanctions and talks": one verb, both objects
                    # or its complement ("an envoy to negotiate with Moscow"); not across a new clause ("..., the
                    # government said, citing sanctions")
                    inherit = (not links and id(mention) in prev_chain and obj.payload.sign > 0
                               and (len(gap) <= 2 or (len(gap) <= 6 and any(t in ("and", "or", "nor", ",")
                                                                             for t in gap))))
                    sign = prev_chain[id(mention)] if inherit else _product(links, s.tokens)
                prev_chain[id(mention)] = sign
                prev_chain_links[id(mention)] = links
                if russian_move and not links and value == obj.payload.sign:
                    continue  # merely mentioning Russia's move is no stance; a verdict on it is
                how = "owner" if mention.possessive else "subject"
                # An owner's view is owning the thing; what the sentence then calls it is someone else's view
                # ("Slovakia's overture ... 'propaganda'", "Hungarian veto 'a gift to the Kremlin'").
                owned = how == "owner" and any(m.eligible and set(m.codes) != set(mention.codes) for m in s.mentions)
                evaluated = obj.payload.sign if owned else value
                cues_fired = (*(("neither",) if neither else ()), *(p.source for p in links), obj.source,
                              *(() if owned else post_cues))
                for code in mention.codes:
                    holders_done.add(code)
                    out.append(self._reading(s, code, sign * evaluated, obj, cues_fired, how,
                                             distance=obj.start - mention.end, seg=seg,
                                             refusal=sign < 0 or _refuses(links)))
            # The passive agent and those listed with it: "... was turned down by Sweden and Finland".
            agents: list[Mention] = []
            for mention in mentions:
                if mention.start <= obj.end or not mention.eligible:
                    continue
                if _after_by(s.tokens, mention.start) or (agents and all(  # "by Poland's Tusk and ..."
                        t.norm in _LIST_WORDS or t.norm == "'s" for t in s.tokens[agents[-1].end : mention.start])):
                    agents.append(mention)
                elif agents:
                    break
            if agents:
                # The agent judges the whole subject phrase: "Hungary's decision to block the listing was
                # condemned by Lithuania" = against (block × listing), and "a Greek proposal for talks was turned
                # down by Sweden" = against (proposal × talks).
                by = agents[0].start - 1
                while by > 0 and s.tokens[by].norm not in ("by", "from"):
                    by -= 1
                subject = _contiguous([p for p in polarity if lo <= p.start < obj.start and seg.has(p.start)],
                                      obj.start, tokens=s.tokens)
                verb = [p for p in polarity if obj.end <= p.start < by and by - p.end <= 4][-1:]
                if not verb and _criticism_from(s.tokens, by):
                    # "drew criticism from Poland" (the phrase is neutral, so that the subject is no critic)
                    verb = [Match(by - 1, by, Cue("polarity", sign=-1), s.tokens[by - 1].norm)]
                links = [*subject, *verb]
                cues_fired = (*(p.source for p in links), obj.source)
                for mention in agents:
                    for code in mention.codes:
                        if code not in holders_done:
                            holders_done.add(code)
                            out.append(self._reading(s, code, _product(links, s.tokens) * obj.payload.sign, obj,
                                                     cues_fired, "passive", distance=mention.start - obj.end,
                                                     seg=seg, refusal=_refuses(links, verb)))
            if holders_done:
                prev_obj = obj
                continue
            # Nobody in the clause before it: the speaker, the clause's subject, or the state talked about.
            if any(lo <= c < obj.start for c in s.conditions):
                prev_obj = obj
                continue  # "... only if Russia agrees to a ceasefire": the condition's object is Russia's
            if self._others_speak(s, lo, obj.start):
                prev_obj = obj
                continue  # "some countries want to keep them, others to strengthen them," the minister said
            links = _contiguous([p for p in polarity if lo <= p.start < obj.start and seg.has(p.start)
                                 and p.start not in s.speech and not _passive_verb(s.tokens, p)],
                                obj.start, tokens=s.tokens)
            sign = _product(links, s.tokens)
            holders, how = _relative_holder(s, lo, obj.start), "subject"
            if not holders:
                holders, how = self._speaker(s, lo, hi), "speaker"
            if not holders:
                holders, how = inherited, "carried"
            if not holders and s.in_quote and ctx.quote_speaker:
                holders, how = ctx.quote_speaker, "speaker"
            if not holders and s.anaphoric and ctx.last_holders and (
                    len(ctx.last_holders) <= 2 or s.plural) and ctx.last_holder_para >= s.para - 1:
                holders, how = ctx.last_holders, "carried"
            if not holders and s.first_person and ctx.voice:
                holders, how = ctx.voice, "carried"  # "Q&A: Danish foreign minister" ... "We will keep pushing"
            if russian_move and not links and value == obj.payload.sign:
                prev_obj = obj
                continue
            cues_fired = (*(p.source for p in links), obj.source, *post_cues)
            for code in holders:
                out.append(self._reading(s, code, sign * value, obj, cues_fired, how, distance=6, seg=seg,
                                         refusal=_refuses(links)))
            if not holders and s.targets:
                # Russia (or nobody) did it: remember it so a reaction in the next sentence can refer to it.
                for_dialogue = (obj.payload.value == DIALOGUE) == (sign * value > 0)
                ctx.event_label = PRO if for_dialogue else HARD
            prev_obj = obj
        return out, subjects, True

    def _evaluated(self, s: _Sentence, obj: Match[Cue], end: int, objects: list[Match[Cue]],
                   polarity: list[Match[Cue]], predicates: list[Match[Cue]],
                   hi: int) -> tuple[int, tuple[str, ...], set[int]]:
        """The object's sign after what the clause says about it: "sanctions have failed" -> against.
        ``end`` is where the object's complements end ("talk of negotiations with Moscow | is premature").
        Also returns where the evaluating words start: they are spent on this object, not links to the next."""
        nxt = min((o.start for o in objects if o.start > obj.start), default=hi)
        stop = next((i for i in range(end, min(hi, end + 10)) if s.tokens[i].norm in _WINDOW_STOPS), hi)
        window_end = min(nxt, end + 8, stop)
        fired = [p for p in predicates if end <= p.start < window_end]
        # One evaluation, not a product: "have hurt European industry more than the Kremlin" says one thing.
        sign = obj.payload.sign * (fired[0].payload.sign if fired else 1)
        names = [p.source for p in fired]
        # "sanctions should be maintained", "talks are not possible": a verb group after the object applies to it
        aux = next((i for i in range(end, min(window_end, end + 5)) if s.tokens[i].norm in _AUX), None)
        if aux is not None:
            # ... but not the words that belong to the next object ("be adopted | without delay")
            starts = {o.start for o in objects}
            after = [p for p in polarity if aux <= p.start < window_end and p.payload.role == "polarity"
                     and not (p.source == "without" and any(p.end <= st <= p.end + 2 for st in starts))]
            # ("be adopted | without further dilution": that "without" belongs to the dilution)
            sign *= _product(after)
            names += [p.source for p in after]
            fired += after
        return sign, tuple(names), {p.start for p in fired}

    def _reading(self, s: _Sentence, code: str, sign: int, obj: Match[Cue], cues: tuple[str, ...], how: str,
                 distance: int, seg: _Segment, refusal: bool = False) -> Evidence:
        for_dialogue = (obj.payload.value == DIALOGUE) == (sign > 0)
        label = PRO if for_dialogue else HARD
        confidence = {"subject": 0.82, "owner": 0.8, "passive": 0.78, "speaker": 0.76, "carried": 0.62}[how]
        confidence -= 0.008 * max(0, distance - 5)
        negations = sum(1 for c in cues if c in _NEGATION_SOURCES)
        confidence -= 0.04 * max(0, negations - 1)
        if obj.payload.generic and not s.targets:
            confidence -= 0.06
        if len(cues) <= 1:
            confidence -= 0.12  # nothing links the state to the object but proximity: a weaker reading
        stop = next((i for i in range(obj.end, seg.cond_hi) if s.tokens[i].norm == "," and i + 1 < len(s.tokens)
                     and s.tokens[i + 1].norm in _PARTICIPLES), seg.cond_hi)
        # A condition on engaging, or on supporting a measure, is a mixed position ("will join talks as soon as
        # strikes stop", "backs the loan only if the risk is shared"); a refusal with a condition attached ("will not
        # lift sanctions until ...") is still a refusal.
        # Nor is pressure "until Russia accepts a ceasefire": a condition put to Russia, not a reservation.
        conditions = [c for c in s.conditions if seg.lo <= c < stop and c not in s.questions]
        if label == HARD:
            conditions = [c for c in conditions if not (refusal or _on_russia(s, c))]
        if not s.threat and conditions:
            label, confidence = MIXED, confidence - 0.08
        return Evidence(code, label, round(max(0.3, min(confidence, 0.95)), 3), s.text, cues, how)

    def _descriptors(self, s: _Sentence) -> list[Evidence]:
        out: list[Evidence] = []
        objects = [m for m in s.cues if m.payload.role == "object"]
        for d in (m for m in s.cues if m.payload.role == "descriptor"):
            best: tuple[int, Mention] | None = None
            for m in s.mentions:
                if not m.eligible:
                    continue
                lo, hi = (m.end, d.start) if m.end <= d.start else (d.end, m.start)
                if any(lo <= o.start < hi for o in objects):
                    continue  # "Denmark called the Russian offer a Trojan horse": the offer is described
                if m.end <= d.start:
                    gap = d.start - m.end
                    ok = gap <= 9
                else:
                    gap = m.start - d.end
                    ok = 0 <= gap <= 3
                if ok and (best is None or gap < best[0]):
                    best = (gap, m)
            if best is not None:
                for code in best[1].codes:
                    out.append(Evidence(code, d.payload.value, 0.6, s.text, (d.source,), "descriptor"))
        return out

    # -------------------------------------------------------------------------------------- helpers

    def _about_target(self, s: _Sentence, obj: Match[Cue], lo: int, hi: int, ctx: _Context) -> bool:
        """Generic objects ("talks", "sanctions") count only when the clause or story is about Russia."""
        if not obj.payload.generic:
            return True
        if s.targets:
            return True
        if s.third:
            return False
        if obj.payload.strict:
            return s.near_target  # a neighbouring sentence or the headline names Russia
        return ctx.topic_has_target

    def _blocked(self, s: _Sentence, mention: Mention, obj: Match[Cue], left: list[Mention],
                 cues: list[Match[Cue]], listed_to: int) -> bool:
        """Another subject between a state and the object takes the object over, unless it is listed with the
        state ("Spain, Portugal and Greece": up to ``listed_to``, the caller's ``_list_end``), owned by the object
        ("Slovakia's overture") or the target of the state's verb ("criticised Hungary for blocking")."""
        tokens = s.tokens
        # The object sits in a condition ("... until it accepts a ceasefire"), in a dispute between states
        # ("Austria and Estonia clash over an envoy"), or has Russia as its own subject ("... says Moscow wants
        # talks"): it is not the state's view.
        if any(mention.end <= c < obj.start for c in s.conditions):
            return True
        if any(m.payload.role == "dispute" and mention.end <= m.start < obj.start for m in cues):
            return True
        for t in s.targets:
            if mention.end <= t < obj.start - 1 and (t == 0 or tokens[t - 1].norm not in _PREPOSITIONS) and (
                    t + 1 < len(tokens) and tokens[t + 1].norm not in ("'s", "-")):
                return True  # (right before the object it is a modifier: "new Russia sanctions")
        for other in left:
            if other.start <= mention.start or other.start >= obj.start:
                continue
            if other.end <= listed_to:
                continue  # coordinated with this state ("Poland, Denmark, Italy and Spain")
            if other.possessive or other.kind == "demonym":
                continue
            if other.start > 0 and tokens[other.start - 1].norm in _PREPOSITIONS:
                continue  # "Macron, speaking at a summit with Sánchez, said ...": inside a phrase of its own
            first = _member_start(tokens, other, left, self.actors.government_nouns)
            prev = tokens[first - 1].norm if first > 0 else ""
            if any(p.end == first or (p.end == first - 1 and prev in _RELAY_LINKS)
                   for p in s.cues if p.payload.role == "polarity"):
                continue  # "criticised Hungary for", "a call from Hungary for"
            return True
        return False

    def _others_speak(self, s: _Sentence, lo: int, hi: int) -> bool:
        """The clause has a subject of its own that is no state ("some countries", "others", "critics"): what it
        wants is theirs, reported, not the speaker's."""
        return any(m.start == lo or (m.start > lo and s.tokens[m.start - 1].norm not in _PREPOSITIONS)
                   for m in self.topic.other_subjects.matches(s.tokens, lo, hi))

    def _speaker(self, s: _Sentence, lo: int, hi: int) -> tuple[str, ...]:
        """The state that says this sentence: "..., Lithuania's foreign minister said." / "Orbán: ..." """
        tokens = s.tokens
        speakers: list[str] = []
        for m in s.mentions:
            if not m.eligible or m.addressee or (m.possessive and m.kind != "leader"):
                continue  # "... respected Hungary's sovereignty but warned that ...": Hungary is not speaking
            near = any(abs(sp - m.end) <= 4 or abs(m.start - sp) <= 5 for sp in s.speech)
            # "Orbán: sanctions have failed" (headline form)
            colon = m.end < len(tokens) and tokens[m.end].norm == ":" and m.start <= 4
            colon = colon or (any(t.norm == ":" for t in tokens[m.end : m.end + 4]) and m.start <= 3)
            outside = not (lo <= m.start < hi) or colon or near
            if (near or colon) and outside:
                speakers.extend(m.codes)
        return tuple(dict.fromkeys(speakers))


def _group_bystanders(reads: Sequence[Any]) -> set[str]:
    """Members of a group the headline names ("Baltic states push for ...") when the body never names the group
    but names one or more of its members on their own ("Lithuania's minister called ..."): the story says those
    acted, not the whole group."""
    body = [r for r in reads if r.index > 0]
    if not body:
        return set()
    named = {c for r in body for m in r.states if len(m.codes) == 1 and not m.venue for c in m.codes}
    group_in_body = {m.codes for r in body for m in r.states if len(m.codes) > 1}
    out: set[str] = set()
    for r in reads:
        if r.index != 0:
            continue
        for m in r.states:
            if len(m.codes) > 1 and m.codes not in group_in_body and named & set(m.codes):
                headline_named = {c for x in r.states if len(x.codes) == 1 for c in x.codes}
                out |= set(m.codes) - named - headline_named
    return out


_BE = frozenset({"was", "were", "been", "being", "is", "are", "be", "got", "get", "gets"})
_AUX = frozenset({
    "is", "are", "was", "were", "be", "been", "remain", "remains", "remained", "would", "will", "must", "should",
    "can", "could", "may", "might", "have", "has", "had", "seem", "seems", "seemed", "appear", "appears",
    "ca", "wo", "do", "does", "did", "need", "needs", "'s", "cannot",
})
_PREPOSITIONS = frozenset({
    "with", "to", "on", "against", "of", "from", "for", "towards", "toward", "at", "over", "about", "by", "into",
    "in", "and", "the", "a", "an", "pro", "-",
    # fr, de, it, es, pl
    "de", "du", "des", "avec", "contre", "pour", "par", "sur", "vers", "la", "le", "les", "mit", "gegen", "fur",
    "von", "vom", "zu", "zum", "zur", "nach", "uber", "der", "die", "das", "den", "dem", "di", "del", "della",
    "con", "contro", "per", "verso", "da", "dal", "dalla", "su", "il", "lo", "gli", "el", "los", "las",
    "contra", "hacia", "por", "sobre", "z", "ze", "na", "do", "od", "przeciw", "przeciwko", "wobec", "dla", "w",
})
_PREPOSITIONS_OR_WITHOUT = _PREPOSITIONS | {"without"}
_RELAY_LINKS = frozenset({"the", "its", "from", "by", "of", "la", "le", "les", "l", "die", "den", "das", "il",
                          "lo", "el", "de", "du", "von", "di", "del", "por", "par", "przez"})
_SUBORDINATORS = frozenset({"as", "after", "with", "because", "since", "when", "before", "amid", "following"})
_COPULAS = frozenset({"were", "was", "are", "is"})
# Words opening a time or manner clause in the rule languages, where the clause's subject may come after its verb
# ("después de que lo hicieran también Alemania y Francia")
_CLAUSE_OPENERS = _SUBORDINATORS | {"despues", "tras", "apres", "nachdem", "dopo", "po", "jak", "como"}
_COPY_REACH = 8  # words from the opener to a state after it (the words for the same act may reach twice as far)


_LAST_MEMBER = frozenset({"and", "or", "und", "oder", "et", "ou", "e", "o", "y", "i", "oraz", "lub"})
_LIST_REACH = 5


def _closes_list(tokens: Sequence[Token], m: Mention) -> bool:
    """The mention is a list's last member ("While it was backed by Macron and Italy's Prime Minister Giorgia
    Meloni, Merz ..."): a comma after it ends the concessive clause rather than continuing the list. The "and"
    may stand before the member's title (``_LIST_REACH`` words)."""
    for k in range(m.start - 1, max(-1, m.start - 1 - _LIST_REACH), -1):
        if tokens[k].norm == ",":
            return False
        if tokens[k].norm in _LAST_MEMBER:
            return True
    return False


_ROLE_WORDS = frozenset({"as", "als", "comme", "come", "como", "jako"})
_INSTEAD = frozenset({"but", "sondern", "mais", "ma", "sino", "lecz", "ale", "rather"})
_ROLE_REACH = 12  # words from the negation to the "but" that names the role instead


def _role_negation(tokens: Sequence[Token], m: Match[Cue]) -> bool:
    """"Orbán führe nicht als Vertreter der EU Gespräche, sondern als Vertreter Ungarns", "not as the EU's envoy
    but as Hungary's": the negation is of the role, not of the act, which still takes place."""
    if m.payload.role != "polarity" or m.source not in _ROLE_NEGATIONS:
        return False
    if m.end >= len(tokens) or tokens[m.end].norm not in _ROLE_WORDS:
        return False
    return any(t.norm in _INSTEAD for t in tokens[m.end + 1 : m.end + _ROLE_REACH])


def _copied_acts(s: _Sentence, starts: set[int]) -> set[int]:
    """Cuts before a clause in which states copy the act told before it: "Spain expelled 27 diplomats, following
    similar moves by Germany and France", "..., unas horas después de que lo hicieran también Alemania y Francia",
    "..., après que la France et l'Allemagne l'avaient fait aussi". The states stand after the words for the same
    act or a few words after the opener, where no cut at a new subject falls; without one they would share the
    first state's clause, which reads its own object and leaves nothing to react to."""
    along = [m.start for m in s.reactions if m.payload > 0]
    if not along:
        return set()
    out = set()
    for i, token in enumerate(s.tokens):
        if i == 0 or token.norm not in _CLAUSE_OPENERS:
            continue
        if any(i < j <= i + _COPY_REACH for j in starts) and any(i < a <= i + 2 * _COPY_REACH for a in along):
            out.add(i)
    return out

_CONCESSIVES = frozenset({"while", "whereas", "although", "though", "whilst"})
_NEITHER = frozenset({"neither", "weder", "ni", "né", "ne"})
_LIST_WORDS = frozenset({",", "and", "or", "as", "well", "&", "plus", "both", "also", "together", "with", "nor",
                         "noch", "ni", "né",
                         "along", "alongside", "the",
                         "neither", "either", "und", "et", "e", "y", "i", "oraz", "la", "le", "les", "l", "die",
                         "der", "das", "il", "lo", "el", "los", "las", "ed", "sowie", "ainsi", "que"})
_NEGATION_SOURCES = frozenset({"not", "n't", "never", "no longer", "no", "nor", "neither", "refuse~", "decline~",
                               "fail~ to", "without"})
_ROLE_NEGATIONS = _NEGATION_SOURCES | {"nicht", "pas", "non", "nie"}  # the rule languages' plain "not"


def _off_subject(s: _Sentence, obj: Match[Cue], mentions: list[Mention]) -> bool:
    """Talks about something else, or with someone else: "talks on joint procurement of ammunition",
    "Spain and Morocco hold talks", "talks with Slovakia"."""
    if obj.payload.value != DIALOGUE or not obj.payload.generic:
        return False
    tokens = s.tokens
    nxt = tokens[obj.end].norm if obj.end < len(tokens) else ""
    if nxt in ("on", "over", "about", "regarding", "concerning") and not s.targets:
        window = {t.norm for t in tokens[obj.end : obj.end + 6]}
        return not window & _WAR_WORDS
    if nxt == "with":
        return any(m.start in (obj.end + 1, obj.end + 2) for m in mentions)
    return False


_WAR_WORDS = frozenset({"war", "ukraine", "peace", "ceasefire", "truce", "security", "sanctions", "russia", "moscow",
                        "kremlin", "invasion", "conflict", "settlement", "front"})


def _passive_verb(tokens: Sequence[Token], m: Match[Cue]) -> bool:
    """"criticised by Warsaw": the verb is the agent's, not the subject's."""
    return m.end < len(tokens) and tokens[m.end].norm == "by"


def _list_end(tokens: Sequence[Token], mention: Mention, mentions: Sequence[Mention], titles: frozenset[str]) -> int:
    """Where the list of states that ``mention`` opens ends. A member may be named twice with its office between
    ("German Chancellor Olaf Scholz and French President Emmanuel Macron", "Poland's Donald Tusk"): the second
    naming continues the member, it does not end the list. ``titles``: the actor list's government nouns."""
    end = mention.end
    codes = mention.codes
    for other in sorted(mentions, key=lambda m: m.start):
        if other.start < end:
            continue
        if all(t.norm in _LIST_WORDS for t in tokens[end : other.start]) or _presidency_between(
                tokens, end, other.start) or (other.codes == codes and _office_between(tokens, end, other.start,
                                                                                        titles)):
            end, codes = other.end, other.codes
        else:
            break
    return end


def _neither(tokens: Sequence[Token], mention: Mention, mentions: Sequence[Mention], titles: frozenset[str]) -> bool:
    """Whether the list ``mention`` belongs to opens with "neither"."""
    named = {k for m in mentions for k in range(m.start, m.end)}
    i = mention.start - 1
    while i >= 0:
        word = tokens[i].norm
        if word in _NEITHER:
            return True
        if not (i in named or word in _LIST_WORDS or word in titles or word == "'s"):
            return False
        i -= 1
    return False


_AMONG_HEADS = frozenset({"those", "countries", "states", "governments", "capitals", "members", "leaders",
                          "ministers", "nations"})
_PURPOSE_VERBS = frozenset({"achieve", "reach", "secure", "force", "bring", "compel", "push", "ensure", "obtain",
                            "drive", "pressure", "make", "get"})


def _purpose_of_pressure(tokens: Sequence[Token], obj: Match[Cue], objects: Sequence[Match[Cue]]) -> bool:
    """A dialogue object right after a pressure object and "to achieve", "to force", "in order to": "tougher
    sanctions to force Moscow to the negotiating table" is for the sanctions, the table is their aim."""
    if obj.payload.value != DIALOGUE or obj.payload.sign < 0:
        return False
    before = [o for o in objects if o.end <= obj.start]
    if not before or before[-1].payload.value != PRESSURE or before[-1].payload.sign < 0:
        return False
    gap = [t.norm for t in tokens[before[-1].end : obj.start]]
    if len(gap) > 8 or any(w in (",", ";", "but", "while", "and") for w in gap):
        return False
    return any(w == "to" and i + 1 < len(gap) and gap[i + 1] in _PURPOSE_VERBS for i, w in enumerate(gap))


_PRESIDENCY_WORDS = frozenset({"this", "year", "'s", "current", "rotating", "eu", "council", "the", "incumbent",
                               "president", "presidency", "chair", "holder", "outgoing", "incoming"})
_PRESIDENCY_HEADS = frozenset({"president", "presidency", "chair", "holder"})


def _presidency_between(tokens: Sequence[Token], start: int, end: int) -> bool:
    """A list goes on through the chair's title before a member: "Greece, Cyprus and the current EU presidency
    holder Hungary oppose ..." (the title is how news introduces the member holding the rotating presidency)."""
    words = [t.norm for t in tokens[start:end] if t.norm not in _LIST_WORDS]
    return 0 < len(words) <= 6 and all(w in _PRESIDENCY_WORDS for w in words) and bool(set(words) & _PRESIDENCY_HEADS)


def _office_between(tokens: Sequence[Token], start: int, end: int, titles: frozenset[str]) -> bool:
    """Only an office (a few government nouns, a possessive) between two namings of one state: "German
    Chancellor Olaf Scholz", "Poland's Donald Tusk"."""
    return end - start <= 4 and all(t.norm in titles or t.norm == "'s" for t in tokens[start:end])


def _member_start(tokens: Sequence[Token], mention: Mention, mentions: Sequence[Mention],
                  titles: frozenset[str]) -> int:
    """Where the naming of ``mention``'s state begins when it is named twice with its office between
    ("criticised Hungarian Prime Minister Viktor Orbán for ..."): the reverse of ``_list_end``'s second naming."""
    start = mention.start
    for other in sorted(mentions, key=lambda m: m.start, reverse=True):
        if other.end > start:
            continue
        if other.codes != mention.codes or not _office_between(tokens, other.end, start, titles):
            break
        start = other.start
    return start


def _patient(s: _Sentence, mention: Mention) -> bool:
    """Right after a verb of judgement ("accused Budapest", "criticised the Hungarian government")."""
    j = word_before(s.tokens, mention.start)
    return j >= 0 and any(p.end == j + 1 and p.payload.role == "polarity" for p in s.cues)


def _and_verb(s: _Sentence, lo: int, hi: int) -> bool:
    starts = {p.start for p in s.cues if p.payload.role == "polarity"}
    return any(s.tokens[i].norm == "and" and (i + 1 in starts or s.tokens[i + 1].norm in _AUX)
               for i in range(lo, min(hi, len(s.tokens) - 1)))


def _on_russia(s: _Sentence, c: int) -> bool:
    """"until Russia agrees", "until it accepts", "in exchange for a ceasefire": a demand on Moscow."""
    word = s.tokens[c].norm
    ahead = range(c + 1, min(len(s.tokens), c + 4))
    return word in ("until", "till", "unless") or any(
        i in s.targets or s.tokens[i].norm == "moscow" or (s.tokens[i].norm == "it" and not _own_gain(s.tokens, i))
        for i in ahead)


_GAINS = frozenset({"is", "gets", "receives", "obtains", "wins", "secures", "has", "gains"})


def _own_gain(tokens: Sequence[Token], i: int) -> bool:
    """"if it is compensated", "if it gets an exemption": the pronoun is the state that sets the condition, not
    Russia ("until it accepts a ceasefire")."""
    return i + 1 < len(tokens) and tokens[i + 1].norm in _GAINS


def _negated(tokens: Sequence[Token], i: int) -> bool:
    before = [t.norm for t in tokens[max(0, i - 3) : i]]
    return bool(set(before) & {"not", "n't", "no", "never", "declined", "refused", "declines", "refuses"})


def _contiguous(links: list[Match[Cue]], target: int, *, tokens: Sequence[Token],
                reach: int = 7) -> list[Match[Cue]]:
    """Only the run of linking words that leads to the object counts: in "condemns the strikes in the strongest
    terms and will support new measures", "condemns" is about the strikes, not the measures."""
    # ", adding that ...": the participle introduces, it does not judge
    links = [m for m in links if not (m.start > 0 and tokens[m.start - 1].norm == ","
                                      and tokens[m.start].norm in _PARTICIPLES)]
    kept: list[Match[Cue]] = []
    nearest = target
    for m in reversed(links):
        if nearest - m.end > reach or _new_verb_phrase(tokens, m.end, nearest):
            break
        kept.append(m)
        nearest = m.start
    return kept[::-1]


def _new_verb_phrase(tokens: Sequence[Token], lo: int, hi: int) -> bool:
    """"... would not be intimidated and would keep pushing ...": the second verb starts afresh."""
    return any((tokens[i].norm in ("and", "but", ",") and tokens[i + 1].norm in _AUX)
               or (tokens[i].norm == "," and tokens[i + 1].norm in _PARTICIPLES)
               or (tokens[i].norm == "and" and tokens[i + 1].norm in _VERBS_AFTER_AND)
               for i in range(lo, min(hi, len(tokens) - 1)))


# "... condemns the attack and calls on partners to increase pressure": a second verb starts a second chain
_VERBS_AFTER_AND = frozenset({
    "calls", "called", "call", "urges", "urged", "urge", "demands", "demanded", "wants", "wanted", "said", "says",
    "insists", "insisted", "warns", "warned", "pledged", "pledges", "vowed", "vows", "announced", "announces",
    "pushed", "pushes", "proposed", "proposes", "asked", "asks", "added", "adds", "stressed", "stresses",
})


# ", arguing that ...", ", leaving the measures ...": a participle clause after the verb starts a new chain
_PARTICIPLES = frozenset({
    "arguing", "saying", "adding", "insisting", "warning", "noting", "claiming", "stressing", "explaining", "calling",
    "describing", "accusing", "urging", "leaving", "prompting", "forcing", "meaning", "sparking", "drawing",
    "triggering", "citing", "according", "responding", "reacting", "referring", "pointing",
})


def _is_subject(tokens: Sequence[Token], end: int) -> bool:
    """An object followed by a verb group is the subject of its clause ("contacts would undercut ...")."""
    return end < len(tokens) and tokens[end].norm in _AUX


def _starts_with(matches: Sequence[Match[Any]], tokens: Sequence[Token]) -> bool:
    """Sentence-initial "He ...", "The minister ...", "2. The ministers ...": not "Russian officials ..."."""
    first = 2 if len(tokens) > 2 and tokens[0].norm.isdigit() and tokens[1].norm in (".", ")") else 0
    return len(tokens) > first and tokens[first].cap and any(m.start == first for m in matches)


_PRONOUN_OBJECTS = frozenset({"it"})
# "the decision to expel", "the plan for talks": the act is named after the noun, not before it
_ACT_COMPLEMENTS = frozenset({"to", "of", "for", "on", "about", "that", "regarding", "with", "against", "by",
                              "des", "der", "über", "zur", "zum", "von", "für", "gegen", "zu", "de", "du", "d", "sur",
                              "pour", "contre", "del", "della", "di", "sul", "sulla", "sobre", "para", "contra", "w",
                              "o", "ws", "dotyczącej", "dotyczącą", "dotyczący", "dotyczące"})
_FIRST_PERSON = frozenset({"we", "our", "us", "i", "my", "nous", "wir", "noi", "nosotros"})


def _contrastive(tokens: Sequence[Token], m: Match[Cue]) -> bool:
    return m.source == "not" and m.start > 0 and tokens[m.start - 1].norm == ","


def _heads(tokens: Sequence[Token], objects: list[Match[Cue]]
           ) -> tuple[list[Match[Cue]], dict[int, list[Match[Cue]]]]:
    """Objects that only complete another one are folded into it: "sanctions on Russian LNG", "exemptions
    from Russia sanctions", "talk of negotiations" are one object each, read through the first."""
    out: list[Match[Cue]] = []
    complements: dict[int, list[Match[Cue]]] = {}
    last_end = -1
    for obj in objects:
        prev = out[-1] if out else None
        if prev is not None and 0 <= obj.start - last_end <= 6:
            gap = {t.norm for t in tokens[last_end : obj.start]}
            # "a Russian offer to reopen border talks": what an offer or a proposal is for belongs to it
            act_complement = tokens[last_end - 1].norm in _ACT_HEADS and tokens[last_end].norm == "to"
            if not gap or act_complement or (gap & _COMPLEMENT_LINKS and not gap & _CLAUSE_GLUE):
                complements.setdefault(id(prev), []).append(obj)
                last_end = obj.end
                continue
        out.append(obj)
        last_end = obj.end
    return out, complements


_WINDOW_STOPS = frozenset({",", "and", "that", "arguing", "saying", "adding", "while", ";", ":", "but",
                           "because", "since", "who", "which", "response", "reaction", "answer", "retaliation"})
_CLAUSE_GLUE = frozenset({"and", "but", "while", ",", "said", "says", "would", "will", "to"})
_ACT_HEADS = frozenset({"offer", "offers", "proposal", "proposals", "request", "requests", "call", "calls", "plan",
                        "plans", "idea", "demand", "demands", "bid", "attempt", "initiative", "push", "invitation"})
_COMPLEMENT_LINKS = frozenset({"on", "against", "of", "from", "for", "targeting", "covering", "to", "over", "in"})


def _relative_holder(s: _Sentence, lo: int, until: int) -> tuple[str, ...]:
    """"... responding to Robert Fico, who had urged the EU to reopen dialogue": the relative clause is Fico's,
    not the sentence's speaker's."""
    for i in range(max(1, lo - 1), until):
        if s.tokens[i].norm not in ("who", "whose"):
            continue
        if any(t.norm in (",", ";", ":") for t in s.tokens[i + 1 : until]):
            return ()  # "Meloni, who joined by video, focused on ...": the relative clause ended before the object
        j = i - 1 if s.tokens[i - 1].norm != "," else i - 2
        for m in s.mentions:
            if m.eligible and not m.addressee and m.end - 1 == j:
                return tuple(m.codes)
        return ()
    return ()


_EVENT_WORDS = frozenset({"after", "before", "since", "amid", "following"})
_PERIODS = frozenset({"years", "months", "weeks", "decades", "days"})


def _event_clauses(s: _Sentence, starts: set[int]) -> set[int]:
    """Where a time clause with a subject of its own and no state in it starts: "after the sanctions were
    agreed", "before the package was adopted". Its verb is the event's, not the main clause subject's act.
    ``starts``: where the sentence's eligible states start."""
    tokens = s.tokens
    n = len(tokens)
    out: set[int] = set()
    for i in range(1, n - 3):
        if tokens[i].norm not in _EVENT_WORDS:
            continue
        # "called for talks after four years of refusing to engage": the years before are the past, not the call
        if any(tokens[k].norm in _PERIODS and tokens[k + 1].norm == "of" for k in range(i + 1, min(n - 1, i + 4))):
            out.add(i)
            continue
        for j in range(i + 2, min(n - 1, i + 9)):
            if j in starts or tokens[j].norm in (",", ";"):
                break
            if tokens[j].norm in _BE and (tokens[j + 1].norm.endswith("ed") or tokens[j + 1].norm.endswith("en")
                                          or tokens[j + 1].norm in _IRREGULAR_PARTICIPLES):
                out.add(i)
                break
    return out


def _cut_off(gap: Sequence[Token]) -> bool:
    """A comma, or a second "that" clause ("said talks were pointless and that Europe should raise sanctions"),
    ends what an evaluation of the object before can reach."""
    words = [t.norm for t in gap]
    return any(w in (",", ";") for w in words) or any(
        a in ("and", "but", "or") and b == "that" for a, b in pairwise(words))


def _product(matches: Sequence[Match[Cue]], tokens: Sequence[Token] = ()) -> int:
    """The chain's sign. A verdict word on the object after a word against it agrees with it rather than flipping
    it again: "warned against premature talks", "blocked the useless sanctions" are against the talks and the
    sanctions. Only right after it (a determiner between at most, or the writer's "what they called"): in "accused
    Slovakia of undermining the sanctions" the verdict is the accusation's content, and flips."""
    sign = 1
    for i, m in enumerate(matches):
        if m.payload.role == "predicate" and m.payload.sign < 0 and any(
                p.payload.sign < 0 and (m.start - p.end <= 1 or _so_called(tokens, p.end, m.start))
                for p in matches[:i]):
            continue
        sign *= m.payload.sign
    return sign


_SO_CALLED = frozenset({"what", "they", "he", "she", "it", "we", "called", "call", "calls", "described", "describe",
                        "describes", "as", "termed", "dubbed", "a", "an", "the", "so-called"})


def _so_called(tokens: Sequence[Token], lo: int, hi: int) -> bool:
    """"rejected what they called premature talk": the words between quote a name for the object, not a claim."""
    return bool(tokens) and 0 < hi - lo <= 5 and all(t.norm in _SO_CALLED for t in tokens[lo:hi])


def _refuses(links: Sequence[Match[Cue]], own: Sequence[Match[Cue]] | None = None) -> bool:
    """The state turns something down: the chain is negative overall ("will not back talks") or its own verb is
    ("rejected suggestions to ease sanctions in exchange for a ceasefire": the condition is in what it rejected)."""
    chain = list(own if own is not None else links)
    if _product(links) < 0:
        return True
    if not chain or chain[0].payload.sign >= 0:
        return False
    # "will not block the sanctions if it is compensated": a negated obstruction is consent, on a condition (a
    # negated lifting, "will not lift the sanctions", stays a refusal)
    return not (len(chain) > 1 and chain[1].source in _OBSTRUCTIONS and chain[1].start - chain[0].end <= 1)


_OBSTRUCTIONS = frozenset({"block~", "veto~", "oppose~", "stall~", "delay~", "obstruct~", "hold~ up", "object~ to",
                           "resist~"})


def _after_by(tokens: Sequence[Token], start: int) -> bool:
    """The agent of a passive: "was turned down by Sweden", "rejected by Germany" (not "comments by Fico")."""
    j = word_before(tokens, start, ("the", "its", "their"))
    if j > 0 and tokens[j].norm in _INCLUDING:
        # "condemned by several EU leaders, including Poland's Tusk": a named part of the agent
        j = next((i for i in range(j - 1, max(-1, j - 8), -1) if tokens[i].norm == "by"), -1)
    if j < 0 or tokens[j].norm not in ("by", "from", "par", "von", "da", "dal", "dalla", "por", "przez"):
        return False
    if _criticism_from(tokens, j):
        return True  # "drew criticism from Poland": the critic
    before = [t.norm for t in tokens[max(0, j - 6) : j]]
    return bool(set(before) & _BE) or any(w.endswith(("ed", "en")) or w in _IRREGULAR_PARTICIPLES for w in before)


_INCLUDING = frozenset({"including", "notably", "especially", "particularly", "among"})
_CRITICISM_NOUNS = frozenset({"criticism", "condemnation", "fire", "protests", "objections", "backlash", "rebukes",
                              "outrage", "anger"})


def _criticism_from(tokens: Sequence[Token], j: int) -> bool:
    """``tokens[j]`` is the "from" of "drew criticism from Poland", which names the critic."""
    return j > 0 and tokens[j].norm == "from" and tokens[j - 1].norm in _CRITICISM_NOUNS
_IRREGULAR_PARTICIPLES = frozenset({"held", "kept", "shot", "put", "cut", "set", "struck", "made", "met", "sent",
                                    "told"})


def _aggregate(evidence: Sequence[Evidence]) -> tuple[Stance, ...]:
    """One label per state: the readings agree, or they conflict (mixed), or one clearly dominates."""
    by_country: dict[str, list[Evidence]] = {}
    for e in evidence:
        by_country.setdefault(e.country, []).append(e)
    stances: list[Stance] = []
    for country, items in by_country.items():
        weight = {label: sum(e.confidence for e in items if e.label == label) for label in LABELS}
        strong = [e for e in items if e.how != "descriptor"] or items
        pro, hard, mixed = weight[PRO], weight[HARD], weight[MIXED]
        # Both readings count when the weaker side rests on more than bare proximity, or is strong in itself.
        weaker = PRO if pro < hard else HARD
        linked = any(len(e.cues) > 1 for e in items if e.label == weaker and e.how != "descriptor")
        ratio = min(pro, hard) / max(pro, hard) if pro > 0 and hard > 0 else 0.0
        conflicting = ratio >= 0.6 or (ratio >= 0.3 and linked)
        if (mixed > 0 and mixed >= 0.5 * max(pro, hard)) or conflicting:
            label = MIXED
        elif pro > 0 or hard > 0:
            label = PRO if pro >= hard else HARD
        else:
            label = MIXED
        chosen = [e for e in strong if e.label == label] or [e for e in items if e.label == label]
        if label == MIXED and not chosen:
            chosen = sorted(strong, key=lambda e: -e.confidence)[:2]
        agree = 1.0
        for e in chosen:
            agree *= 1 - e.confidence
        confidence = 1 - agree
        total = pro + hard + mixed
        if label != MIXED and total:
            confidence *= 0.6 + 0.4 * (weight[label] / total)
        elif label == MIXED:
            confidence = min(0.9, 0.5 + 0.4 * (1 - agree))
        # the two surest sentences, shown in text order (``items`` follows the text: headline first)
        best = list(dict.fromkeys(e.sentence for e in sorted(chosen, key=lambda e: -e.confidence)))[:2]
        sentences = [t for t in dict.fromkeys(e.sentence for e in items) if t in best]
        cues = tuple(dict.fromkeys(c for e in chosen for c in e.cues))[:8]
        stances.append(Stance(country, label, round(min(confidence, 0.97), 2), " … ".join(sentences), cues))
    stances.sort(key=lambda s: (-s.confidence, s.country))
    return tuple(stances)
