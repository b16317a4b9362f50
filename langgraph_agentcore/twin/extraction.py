"""Long-term memory extraction for the AgentCore Memory twin.

AgentCore strategies turn conversation events into memory records and consolidate
them with what is already stored. The twin calls an :class:`Extractor` with an
:class:`ExtractionRequest` (one strategy, one actor/session, the new turns and the
records already in the strategy's namespace) and stores what comes back; a record
with ``replaces`` set updates that existing record instead of adding a duplicate.

Two extractors are provided:

* :class:`RuleBasedExtractor` (default): deterministic patterns, no model. It is meant
  to make the twin's behaviour testable, not to rival an LLM.
* :class:`ChatModelExtractor`: prompts any LangChain chat model and parses its JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from langgraph_agentcore.twin.embeddings import HashingEmbeddings, cosine_similarity

__all__ = [
    "STRATEGY_TYPES",
    "ChatModelExtractor",
    "ConversationTurn",
    "ExistingRecord",
    "ExtractedRecord",
    "ExtractionRequest",
    "Extractor",
    "RuleBasedExtractor",
    "normalize_strategy_type",
    "normalize_text",
    "parse_model_records",
]

STRATEGY_TYPES = ("SEMANTIC", "USER_PREFERENCE", "SUMMARIZATION", "EPISODIC")
ROLES = ("USER", "ASSISTANT", "TOOL", "OTHER")

# API spellings (strategy kinds and custom override types) mapped to the four base types.
_STRATEGY_ALIASES = {
    "SEMANTIC_OVERRIDE": "SEMANTIC",
    "USER_PREFERENCE_OVERRIDE": "USER_PREFERENCE",
    "SUMMARY": "SUMMARIZATION",
    "SUMMARY_OVERRIDE": "SUMMARIZATION",
    "SUMMARIZATION_OVERRIDE": "SUMMARIZATION",
    "EPISODIC_OVERRIDE": "EPISODIC",
}

_SUMMARY_MAX_CHARS = 4000
_QUOTE_MAX_CHARS = 160


@dataclass(frozen=True)
class ConversationTurn:
    """One conversational payload item of an event (role USER|ASSISTANT|TOOL|OTHER)."""

    role: str
    text: str


@dataclass(frozen=True)
class ExistingRecord:
    """A memory record already stored in the strategy's namespace."""

    record_id: str
    text: str


@dataclass
class ExtractionRequest:
    """Everything an extractor needs for one strategy, actor and session.

    ``strategy_type`` is a base type (a CUSTOM strategy is resolved to the type it
    overrides) and ``instructions`` is the custom strategy's appended prompt, if any.
    """

    strategy_type: str
    strategy_id: str
    actor_id: str
    session_id: str
    turns: list[ConversationTurn]
    existing: list[ExistingRecord] = field(default_factory=list)
    instructions: str | None = None


@dataclass(frozen=True)
class ExtractedRecord:
    """A record to store; ``replaces`` names the existing record it updates, if any."""

    text: str
    replaces: str | None = None


class Extractor(Protocol):
    """Turns conversation turns into memory records for one strategy."""

    def extract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Return the records to add or update (never exact duplicates of existing ones)."""
        ...


def normalize_strategy_type(strategy_type: str) -> str:
    """Map a strategy type (or an API override spelling) to one of STRATEGY_TYPES."""
    key = strategy_type.strip().upper()
    key = _STRATEGY_ALIASES.get(key, key)
    if key not in STRATEGY_TYPES:
        raise ValueError(
            f"unsupported strategy type {strategy_type!r}: expected one of {STRATEGY_TYPES} "
            "(resolve CUSTOM strategies to their base type first)"
        )
    return key


def normalize_text(text: str) -> str:
    """Canonical form used to detect duplicates: lowercase words, no punctuation."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'s ", " ")))


# --------------------------------------------------------------------------- text helpers

_CONTRACTIONS = (
    (re.compile(r"\b(i)['’]m\b", re.I), r"\1 am"),
    (re.compile(r"\b(i)['’]ve\b", re.I), r"\1 have"),
    (re.compile(r"\b(i)['’]d\b", re.I), r"\1 would"),
    (re.compile(r"\b(i)['’]ll\b", re.I), r"\1 will"),
    (re.compile(r"\bcan['’]t\b", re.I), "cannot"),
    (re.compile(r"\bwon['’]t\b", re.I), "will not"),
    (re.compile(r"\b(do|does|did|is|are|was|were|have|has)n['’]t\b", re.I), r"\1 not"),
    (re.compile(r"['’]"), "'"),
)

_PRONOUNS = (
    (re.compile(r"\bI am\b", re.I), "they are"),
    (re.compile(r"\bI was\b", re.I), "they were"),
    (re.compile(r"\bmyself\b", re.I), "themselves"),
    (re.compile(r"\bmine\b", re.I), "theirs"),
    (re.compile(r"\bmy\b", re.I), "their"),
    (re.compile(r"\bme\b", re.I), "them"),
    (re.compile(r"\bI\b", re.I), "they"),
)

_NOT_STATEMENTS = re.compile(
    r"^(?:what|where|when|who|whom|which|why|how|can|could|would|will|should|shall|do|does|"
    r"did|is|are|was|were|if|please|let's|let us)\b",
    re.I,
)


_CLAUSE_BREAK = re.compile(r",?\s+(?:and|but|so|also)\s+(?=(?:I|my)\b)|,\s+(?=(?:I|my)\b)", re.I)


def _expand_contractions(text: str) -> str:
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text


def _third_person_object(text: str) -> str:
    """Rewrite first-person words inside an object phrase ("my wife" -> "their wife")."""
    for pattern, repl in _PRONOUNS:
        text = pattern.sub(repl, text)
    return text.strip(" ,;:-")


def _third_person_verb(verb: str) -> str:
    """Present-tense third person singular of a base-form English verb."""
    irregular = {"have": "has", "do": "does", "go": "goes", "be": "is"}
    lowered = verb.lower()
    if lowered in irregular:
        return irregular[lowered]
    if lowered.endswith(("s", "sh", "ch", "x", "z", "o")):
        return lowered + "es"
    if lowered.endswith("y") and len(lowered) > 1 and lowered[-2] not in "aeiou":
        return lowered[:-1] + "ies"
    return lowered + "s"


def _sentences(text: str) -> list[tuple[str, bool]]:
    """Split text into (sentence, is_question) pairs."""
    out: list[tuple[str, bool]] = []
    for match in re.finditer(r"[^.!?\n]+[.!?]*", text):
        raw = match.group(0).strip()
        sentence = raw.rstrip(".!? ").strip()
        if sentence:
            out.append((sentence, raw.endswith("?")))
    return out


def _clauses(text: str) -> list[str]:
    """First-person statement clauses of a user message (questions and requests dropped)."""
    clauses: list[str] = []
    for sentence, is_question in _sentences(_expand_contractions(text)):
        if is_question:
            continue
        parts = re.split(_CLAUSE_BREAK, sentence)
        for part in parts:
            part = re.sub(
                r"^(?:oh|well|also|and|but|so|yes|yeah|no|actually|btw|fyi)\b[, ]*",
                "",
                part.strip(),
                flags=re.I,
            )
            part = re.sub(
                r"^(?:by the way|just so you know|for the record)[, ]*", "", part, flags=re.I
            )
            if part and not _NOT_STATEMENTS.match(part):
                clauses.append(part.strip())
    return clauses


_FILLER = re.compile(
    r"^(?:hi|hello|hey|thanks|thank you|ok|okay|sure|great|cool|yes|no|bye|good "
    r"(?:morning|afternoon|evening)|of course|certainly|absolutely|got it)\b[\s,!]*"
    r"(?:there|again|so much|a lot|everyone)?$",
    re.I,
)


def _meaningful(text: str) -> list[tuple[str, bool]]:
    """Sentences worth quoting, each flagged True when it is a question or request."""
    return [
        (sentence, is_question or bool(_NOT_STATEMENTS.match(sentence)))
        for sentence, is_question in _sentences(_expand_contractions(text))
        if len(sentence.split()) >= 2 and not _FILLER.match(sentence)
    ]


def _sentence(subject_and_predicate: str) -> str:
    """Capitalise and terminate a generated record sentence."""
    text = re.sub(r"\s+", " ", subject_and_predicate).strip().rstrip(".")
    return text[0].upper() + text[1:] + "." if text else ""


def _quote(text: str, limit: int = _QUOTE_MAX_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


# --------------------------------------------------------------------------- rule tables

_ADVERBS = r"(?:(?:really|also|just|honestly|absolutely|definitely|generally|truly|do)\s+)*"
_DIETS = (
    r"vegetarian|vegan|pescatarian|pescetarian|gluten[- ]free|dairy[- ]free|kosher|halal|"
    r"keto|lactose intolerant|gluten intolerant|celiac|coeliac|teetotal|sober"
)

# (pattern, template): templates use named groups; "{obj}" is rewritten in third person.
_Rule = tuple["re.Pattern[str]", str]


def _rules(specs: Iterable[tuple[str, str]]) -> list[_Rule]:
    return [(re.compile(pattern, re.I), template) for pattern, template in specs]


_PREFERENCE_RULES = _rules(
    [
        (
            rf"^I {_ADVERBS}(?:do not|never) (?:really )?(?:like|love|enjoy|care for) (?P<obj>.+)",
            "the user dislikes {obj}",
        ),
        (
            rf"^I {_ADVERBS}(?:do not|never) (?P<verb>eat|drink|want|use|watch|fly) (?P<obj>.+)",
            "the user does not {verb} {obj}",
        ),
        (
            rf"^I {_ADVERBS}(?:hate|dislike|detest|loathe|cannot stand|can not stand) (?P<obj>.+)",
            "the user dislikes {obj}",
        ),
        (rf"^I {_ADVERBS}avoid (?P<obj>.+)", "the user avoids {obj}"),
        (
            r"^I am not (?:a (?:big |huge )?fan of|into|keen on|fond of) (?P<obj>.+)",
            "the user dislikes {obj}",
        ),
        (
            rf"^I {_ADVERBS}(?P<verb>like|love|enjoy|adore|prefer) (?P<obj>.+)",
            "the user {verb3} {obj}",
        ),
        (r"^I would (?:much )?prefer (?P<obj>.+)", "the user prefers {obj}"),
        (r"^I would (?:much )?rather (?P<obj>.+)", "the user would rather {obj}"),
        (r"^I am (?:a |an )?(?:(?:big|huge|great) )?fan of (?P<obj>.+)", "the user likes {obj}"),
        (
            r"^I am (?:really )?(?:into|keen on|fond of|passionate about) (?P<obj>.+)",
            "the user likes {obj}",
        ),
        (
            rf"^I am (?:a |an )?(?:strict |mostly |fully )?(?P<diet>{_DIETS})\b(?P<rest>.*)",
            "the user is {diet}{rest}",
        ),
        (r"^I am allergic to (?P<obj>.+)", "the user is allergic to {obj}"),
        (
            r"^I have (?:an? |some )?(?P<obj>[\w -]+ (?:allergy|allergies|intolerance))\b",
            "the user has {obj}",
        ),
        (
            r"^my (?P<kind>favou?rite [\w -]+?) (?P<be>is|are) (?P<obj>.+)",
            "the user's {kind} {be} {obj}",
        ),
        (
            r"^I (?P<adv>always|usually|normally|typically) (?P<verb>\w+) (?P<obj>.+)",
            "the user {adv} {verb3} {obj}",
        ),
    ]
)

_FACT_VERBS = (
    r"speak|study|own|drive|play|use|teach|volunteer|run|attend|practi[cs]e|ride|collect|"
    r"know|go|train|manage|coach|write|build|rent|commute|care for|look after"
)
_FACT_RULES = _rules(
    [
        (
            r"^I (?:live|reside|am living|am based|am located) in (?P<obj>.+)",
            "the user lives in {obj}",
        ),
        (
            r"^I (?:have )?(?:just |recently )?(?:moved|relocated) to (?P<obj>.+)",
            "the user lives in {obj}",
        ),
        (
            r"^I (?:work|am working) (?P<prep>as|at|for|in|on) (?P<obj>.+)",
            "the user works {prep} {obj}",
        ),
        (r"^I am employed (?P<prep>at|by|as) (?P<obj>.+)", "the user works {prep2} {obj}"),
        (r"^I am from (?P<obj>.+)", "the user is from {obj}"),
        (r"^I was born (?P<prep>in|on) (?P<obj>.+)", "the user was born {prep} {obj}"),
        (
            r"^I am (?P<age>\d{1,3})(?: years old| years of age| yo)?$",
            "the user is {age} years old",
        ),
        (
            r"^I am (?P<obj>married to .+|engaged to .+|single|divorced|widowed|retired|"
            r"pregnant|left-handed|right-handed|colou?r-?blind|unemployed|self-employed)$",
            "the user is {obj}",
        ),
        (
            r"^my (?P<subj>[\w -]{1,40}?)(?:'s name| name) is (?P<obj>.+)",
            "the user's {subj} is called {obj}",
        ),
        (
            r"^my (?P<subj>[\w -]{1,40}?) (?P<be>is|are) (?:called|named) (?P<obj>.+)",
            "the user's {subj} {be} called {obj}",
        ),
        (
            r"^my (?P<subj>[\w -]{1,40}?) (?P<be>is|are|was|were) (?P<obj>.+)",
            "the user's {subj} {be} {obj}",
        ),
        (
            r"^I have (?!to\b|a question|a quick question|an? idea|no idea|an? issue|a problem)"
            r"(?P<obj>.+)",
            "the user has {obj}",
        ),
        (r"^I am (?:a|an) (?!bit\b|little\b)(?P<obj>.+)", "the user is a {obj}"),
        (
            r"^I am (?!going\b|trying\b|looking\b|wondering\b|asking\b|thinking\b|hoping\b)"
            r"(?P<verb>\w+ing) (?P<obj>.+)",
            "the user is {verb} {obj}",
        ),
        (rf"^I (?P<verb>{_FACT_VERBS}) (?P<obj>.+)", "the user {verb3} {obj}"),
        (
            r"^I (?P<verb>grew up|graduated|studied|worked|lived) (?P<obj>.+)",
            "the user {verb} {obj}",
        ),
    ]
)


def _apply_rules(clause: str, rules: Sequence[_Rule]) -> str | None:
    """Rewrite a first-person clause with the first matching rule, or None."""
    for pattern, template in rules:
        match = pattern.match(clause)
        if match is None:
            continue
        values = {k: v or "" for k, v in match.groupdict().items()}
        if "rest" in values:
            values["rest"] = _third_person_object(values["rest"]).rstrip()
            if values["rest"]:
                values["rest"] = " " + values["rest"]
        if "obj" in values:
            values["obj"] = _third_person_object(values["obj"])
            if len(values["obj"]) > 300 or (template.endswith("{obj}") and not values["obj"]):
                return None
        if "verb" in values:
            values["verb3"] = _third_person_verb(values["verb"])
        if "prep" in values:
            values["prep2"] = "as" if values["prep"].lower() == "as" else "at"
        for key in ("diet", "subj", "kind", "adv", "verb", "prep", "be"):
            if key in values:
                values[key] = values[key].lower()
        return _sentence(template.format(**values))
    return None


# --------------------------------------------------------------------------- consolidation

_SINGLE_VALUED = (
    (re.compile(r"^the user (?:lives|resides|is based|moved) (?:in|to) ", re.I), "residence"),
    (re.compile(r"^the user (?:works|is employed) (?:as|at|for|by) ", re.I), "job"),
    (re.compile(r"^the user(?:'s| s) (?:job|occupation|profession) is ", re.I), "job"),
    (re.compile(r"^the user is from ", re.I), "origin"),
    (re.compile(r"^the user was born ", re.I), "birth"),
    (re.compile(r"^the user is \d+ years old", re.I), "age"),
    (
        re.compile(rf"^the user is (?:a |an )?(?:strict |mostly |fully )?(?:{_DIETS})\b", re.I),
        "diet",
    ),
    (re.compile(r"^the user is (?:married|engaged|single|divorced|widowed)\b", re.I), "marital"),
)
_ATTRIBUTE = re.compile(
    r"^the user(?:'s| s) (?P<subj>[\w -]{1,40}?)(?:'s name| name)? (?:is|are) ", re.I
)
_SENTIMENT = re.compile(
    r"^the user (?:likes|loves|enjoys|adores|dislikes|hates|avoids|does not like|"
    r"does not enjoy) (?P<obj>.+?)\.?$",
    re.I,
)
_PREFERS = re.compile(r"^the user prefers (?P<obj>.+?)\.?$", re.I)
_PHRASE_BREAK = re.compile(r"\b(?:over|to|when|on|for|in|at|because|rather|instead|than)\b")


def subject_key(text: str) -> tuple[str, ...] | None:
    """What a record is about, for single-valued facts and preferences; None if unknown.

    Two records with the same key describe the same slot ("lives in X" / "lives in Y"),
    so the newer one replaces the older.
    """
    for pattern, name in _SINGLE_VALUED:
        if pattern.match(text):
            return (name,)
    match = _ATTRIBUTE.match(text)
    if match:
        subject = normalize_text(match.group("subj")).replace("favourite", "favorite")
        return ("attribute", subject)
    match = _SENTIMENT.match(text)
    if match:
        return ("sentiment", normalize_text(match.group("obj")))
    match = _PREFERS.match(text)
    if match:
        head = _PHRASE_BREAK.split(match.group("obj").lower())[0]
        words = re.findall(r"[a-z0-9]+", head)
        if words:
            last = words[-1]
            return ("prefers", last[:-1] if last.endswith("s") and len(last) > 3 else last)
    return None


class _Consolidator:
    """Matches candidate records against existing ones: drop duplicates, mark updates."""

    def __init__(
        self, existing: Sequence[ExistingRecord], embeddings: Embeddings | None, threshold: float
    ) -> None:
        self._existing = list(existing)
        self._norms = {normalize_text(r.text) for r in self._existing}
        self._keys: dict[tuple[str, ...], ExistingRecord] = {}
        for record in self._existing:
            key = subject_key(record.text)
            if key is not None:
                self._keys.setdefault(key, record)
        self._embeddings = embeddings
        self._threshold = threshold
        self._vectors: list[list[float]] | None = None

    def _similar(self, text: str) -> ExistingRecord | None:
        if self._embeddings is None or not self._existing:
            return None
        if self._vectors is None:
            self._vectors = self._embeddings.embed_documents([r.text for r in self._existing])
        query = self._embeddings.embed_query(text)
        best, best_score = None, self._threshold
        for record, vector in zip(self._existing, self._vectors, strict=True):
            score = cosine_similarity(query, vector)
            if score >= best_score:
                best, best_score = record, score
        return best

    def consolidate(self, texts: Iterable[str]) -> list[ExtractedRecord]:
        """Deduplicate ``texts`` (in order; a later same-slot text supersedes an earlier one)."""
        out: dict[tuple[str, ...], ExtractedRecord] = {}
        for text in texts:
            norm = normalize_text(text)
            if not norm or norm in self._norms:
                continue
            key = subject_key(text)
            target = self._keys.get(key) if key is not None else None
            if target is None:
                target = self._similar(text)
            slot = ("replaces", target.record_id) if target else key or ("text", norm)
            if slot in out and key is None and target is None:
                continue
            out.pop(slot, None)  # a later statement about the same slot wins
            out[slot] = ExtractedRecord(text, target.record_id if target else None)
        return list(out.values())


# --------------------------------------------------------------------------- rule-based


class RuleBasedExtractor:
    """Deterministic, model-free extractor (the twin's default).

    SEMANTIC and USER_PREFERENCE rewrite first-person USER statements in the third
    person; SUMMARIZATION keeps one running summary per session; EPISODIC writes one
    short goal/actions/outcome record. Custom ``instructions`` are ignored: there is no
    model to follow them (use :class:`ChatModelExtractor` for that).
    """

    def __init__(
        self, embeddings: Embeddings | None = None, similarity_threshold: float = 0.9
    ) -> None:
        """``embeddings`` finds near-duplicate updates when no subject rule matches."""
        self.embeddings = embeddings if embeddings is not None else HashingEmbeddings()
        self.similarity_threshold = similarity_threshold

    def extract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Extract records for ``request.strategy_type``."""
        strategy = normalize_strategy_type(request.strategy_type)
        if strategy == "SUMMARIZATION":
            return self._summarize(request)
        if strategy == "EPISODIC":
            return self._episode(request)
        rules = _FACT_RULES if strategy == "SEMANTIC" else _PREFERENCE_RULES
        texts = [
            text
            for turn in request.turns
            if turn.role.upper() == "USER"
            for clause in _clauses(turn.text)
            if (text := self._classify(clause, strategy, rules)) is not None
        ]
        consolidator = _Consolidator(request.existing, self.embeddings, self.similarity_threshold)
        return consolidator.consolidate(texts)

    @staticmethod
    def _classify(clause: str, strategy: str, rules: Sequence[_Rule]) -> str | None:
        # A preference statement is not also a fact ("I like X" is not "has/uses X").
        if strategy == "SEMANTIC" and _apply_rules(clause, _PREFERENCE_RULES) is not None:
            return None
        return _apply_rules(clause, rules)

    def _turn_points(self, turns: Sequence[ConversationTurn]) -> list[str]:
        """Short third-person sentences for a summary: facts, requests and replies."""
        points: list[str] = []
        for turn in turns:
            role = turn.role.upper()
            sentences = _meaningful(turn.text)
            if not sentences:
                continue
            if role == "USER":
                facts = [
                    t
                    for c in _clauses(turn.text)
                    if (t := _apply_rules(c, _PREFERENCE_RULES) or _apply_rules(c, _FACT_RULES))
                ]
                points.extend(facts)
                requests = [s for s, is_request in sentences if is_request]
                if requests:
                    points.append(f'The user asked: "{_quote(requests[0])}".')
                elif not facts:
                    points.append(f'The user said: "{_quote(sentences[0][0])}".')
            elif role == "ASSISTANT":
                points.append(f'The assistant replied: "{_quote(sentences[0][0])}".')
            elif role == "TOOL":
                points.append(f'A tool returned: "{_quote(sentences[0][0], 80)}".')
        return points

    def _summarize(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        prefix = f"Summary of session {request.session_id}:"
        previous = next((r for r in request.existing if r.text.startswith(prefix)), None)
        if previous is not None:
            old_body = previous.text[len(prefix) :].strip()
        elif len(request.existing) == 1 and not request.existing[0].text.startswith(
            "Summary of session "
        ):
            previous = request.existing[0]  # a summary written by another extractor
            old_body = previous.text.strip()
        else:
            old_body = ""
        points = [p for p in self._turn_points(request.turns) if p not in old_body]
        if not points:
            return []
        body = " ".join(([old_body] if old_body else []) + points)
        if len(body) > _SUMMARY_MAX_CHARS:  # keep the opening and the most recent turns
            head = body[: _SUMMARY_MAX_CHARS // 4].rsplit(" ", 1)[0]
            tail = body[-(_SUMMARY_MAX_CHARS * 3 // 4) :].split(" ", 1)[-1]
            body = f"{head} [...] {tail}"
        return [ExtractedRecord(f"{prefix} {body}", previous.record_id if previous else None)]

    def _episode(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        user = [s for t in request.turns if t.role.upper() == "USER" for s in _meaningful(t.text)]
        if not user:
            return []
        goal = next((text for text, is_request in user if is_request), user[0][0])
        parts = [f"Episode in session {request.session_id}.", f'Goal: "{_quote(goal)}".']
        tools = [t for t in request.turns if t.role.upper() == "TOOL" and t.text.strip()]
        if tools:
            results = "; ".join(_quote(t.text, 60) for t in tools[:3])
            parts.append(f"Actions: {len(tools)} tool call(s) ({results}).")
        replies = [
            s for t in request.turns if t.role.upper() == "ASSISTANT" for s in _meaningful(t.text)
        ]
        if replies:
            parts.append(f'Outcome: the assistant said "{_quote(replies[-1][0])}".')
        text = " ".join(parts)
        if normalize_text(text) in {normalize_text(r.text) for r in request.existing}:
            return []
        return [ExtractedRecord(text)]


# --------------------------------------------------------------------------- chat model

_TASKS = {
    "SEMANTIC": (
        "Extract durable facts about the user (the speaker of USER turns): where they live, "
        "their work, family, pets, possessions, skills and other lasting facts. Write each "
        'fact as one self-contained third-person sentence starting with "The user". Ignore '
        "small talk, questions, requests and anything said only about the assistant."
    ),
    "USER_PREFERENCE": (
        "Extract the user's preferences: likes, dislikes, dietary choices, habits and how "
        "they want things done. Write each as one self-contained third-person sentence "
        'starting with "The user" (e.g. "The user prefers window seats.").'
    ),
    "SUMMARIZATION": (
        "Write one concise summary of this session: what the user wanted, what was decided "
        "or done, and any open items. Return exactly one record. If an existing summary is "
        "listed, return an updated summary merging it with the new conversation and set "
        '"replaces" to its id.'
    ),
    "EPISODIC": (
        "Describe this interaction as one episode: the user's goal, the actions taken "
        "(including tool calls) and the outcome, in a few sentences. Return one record."
    ),
}

_OUTPUT_CONTRACT = (
    "Consolidate with the existing records: leave out anything an existing record already "
    'says; when an item updates or contradicts an existing record, set "replaces" to that '
    'record\'s id; otherwise set "replaces" to null.\n'
    'Respond with only a JSON array of objects {"text": string, "replaces": string|null}. '
    "Respond with [] when there is nothing to record."
)


def _message_text(message: BaseMessage) -> str:
    """Plain text of a chat model reply (string content or text content blocks)."""
    content: Any = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def _json_candidates(output: str) -> list[Any]:
    """JSON values found in ``output``: fenced blocks first, then the text, then embedded."""
    texts = re.findall(r"```(?:json|JSON)?\s*\n?(.*?)```", output, flags=re.S)
    texts.append(output)
    values: list[Any] = []
    decoder = json.JSONDecoder()
    for text in texts:
        stripped = text.strip()
        try:
            values.append(json.loads(stripped))
            continue
        except json.JSONDecodeError:
            pass
        for match in re.finditer(r"[\[{]", stripped):
            try:
                value, _ = decoder.raw_decode(stripped, match.start())
            except json.JSONDecodeError:
                continue
            values.append(value)
            break
    return values


def _as_items(value: Any) -> list[Any] | None:
    """The record list inside a decoded JSON value, or None if it has none."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in ("records", "memories", "items", "results"):
            if isinstance(value.get(key), list):
                return list(value[key])
        if "text" in value:
            return [value]
    return None


def parse_model_records(output: str, strategy_type: str) -> list[ExtractedRecord]:
    """Parse a model reply into records; tolerate code fences and prose around the JSON.

    Raises ValueError naming the strategy when no JSON list of records can be found.
    """
    items: list[Any] | None = None
    for value in _json_candidates(output):
        items = _as_items(value)
        if items is not None:
            break
    if items is None:
        raise ValueError(
            f"{strategy_type} extraction: the model did not return a JSON list of records: "
            f"{_quote(output, 200)!r}"
        )
    records: list[ExtractedRecord] = []
    for item in items:
        text: Any
        replaces: Any
        if isinstance(item, str):
            text, replaces = item, None
        elif isinstance(item, dict):
            text = item.get("text", item.get("content", item.get("memory")))
            replaces = item.get("replaces")
            if not isinstance(text, str):
                raise ValueError(
                    f"{strategy_type} extraction: record without a string 'text': {item!r}"
                )
        else:
            raise ValueError(f"{strategy_type} extraction: unexpected record item {item!r}")
        if text.strip():
            records.append(
                ExtractedRecord(text.strip(), replaces if isinstance(replaces, str) else None)
            )
    return records


class ChatModelExtractor:
    """Extractor that prompts a LangChain chat model (e.g. Claude on Bedrock) per strategy."""

    def __init__(self, model: BaseChatModel) -> None:
        """Use ``model``; it must answer with a JSON list of {"text", "replaces"} objects."""
        self.model = model

    def build_messages(self, request: ExtractionRequest) -> list[BaseMessage]:
        """The system and user messages sent to the model for ``request``."""
        strategy = normalize_strategy_type(request.strategy_type)
        system = f"You extract long-term memory records for an AI agent.\n{_TASKS[strategy]}"
        if request.instructions:
            system += f"\n\nAdditional instructions:\n{request.instructions.strip()}"
        system += f"\n\n{_OUTPUT_CONTRACT}"
        existing = "\n".join(f"- {r.record_id}: {r.text}" for r in request.existing)
        conversation = "\n".join(f"{t.role.upper()}: {t.text}" for t in request.turns)
        human = (
            f"Actor: {request.actor_id}\nSession: {request.session_id}\n\n"
            f"Existing records:\n{existing or '(none)'}\n\n"
            f"Conversation:\n{conversation or '(empty)'}"
        )
        return [SystemMessage(system), HumanMessage(human)]

    def extract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Prompt the model and return its consolidated records."""
        reply = self.model.invoke(self.build_messages(request))
        return self._finish(_message_text(reply), request)

    async def aextract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Async twin of :meth:`extract`."""
        reply = await self.model.ainvoke(self.build_messages(request))
        return self._finish(_message_text(reply), request)

    @staticmethod
    def _finish(output: str, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Parse, drop exact duplicates and ignore ``replaces`` ids that do not exist."""
        strategy = normalize_strategy_type(request.strategy_type)
        known = {r.record_id for r in request.existing}
        seen = {normalize_text(r.text) for r in request.existing}
        out: list[ExtractedRecord] = []
        for record in parse_model_records(output, strategy):
            norm = normalize_text(record.text)
            if norm in seen:
                continue
            seen.add(norm)
            replaces = record.replaces if record.replaces in known else None
            out.append(ExtractedRecord(record.text, replaces))
        return out
