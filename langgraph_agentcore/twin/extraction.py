"""Long-term memory extraction for the AgentCore Memory twin.

AgentCore strategies turn conversation events into memory records and consolidate
them with what is already stored. The twin calls an :class:`Extractor` with an
:class:`ExtractionRequest` (one strategy, one actor/session, the new turns and the
records already in the strategy's namespace) and stores what comes back; a record
with ``replaces`` set updates that existing record instead of adding a duplicate.

Two extractors are provided:

* :class:`RuleBasedExtractor` (default): deterministic patterns plus a small learned
  clause model shipped with the package (:mod:`.clause_model`, pure Python, no
  download). It is meant to make the twin's behaviour testable, not to rival an LLM.
* :class:`ChatModelExtractor`: prompts any LangChain chat model and parses its JSON.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from langgraph_agentcore.twin.clause_model import default_model
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
    (re.compile(r"[’‘`´]"), "'"),
    (re.compile(r"\b(i)'m\b", re.I), r"\1 am"),
    (re.compile(r"\b(i)'ve\b", re.I), r"\1 have"),
    (re.compile(r"\b(i)'d\b", re.I), r"\1 would"),
    (re.compile(r"\b(i)'ll\b", re.I), r"\1 will"),
    (re.compile(r"\b(we|you|they)'re\b", re.I), r"\1 are"),
    (re.compile(r"\b(we|you|they)'ve\b", re.I), r"\1 have"),
    (re.compile(r"\b(we|you|they)'ll\b", re.I), r"\1 will"),
    (re.compile(r"\b(it|that|there|what|where|who|here|how|he|she)'s\b", re.I), r"\1 is"),
    (re.compile(r"\b(name)'s\b", re.I), r"\1 is"),
    (
        re.compile(
            r"\b(\w+)'s (?=called\b|named\b|an?\b|from\b|\d|pregnant\b|married\b|engaged\b|"
            r"single\b|divorced\b|retired\b|allergic\b|vegan\b|vegetarian\b|diabetic\b|sick\b|"
            r"ill\b|away\b|older\b|younger\b|in (?:college|university|school)\b)",
            re.I,
        ),
        r"\1 is ",
    ),
    (re.compile(r"\bcan'?t\b", re.I), "cannot"),
    (re.compile(r"\bwon't\b", re.I), "will not"),
    (
        re.compile(r"\b(do|does|did|is|are|was|were|have|has|had|would|could|should)n'?t\b", re.I),
        r"\1 not",
    ),
    (re.compile(r"\bfave?\b", re.I), "favourite"),
    (
        re.compile(
            r"\b(she|he)s (?=(?:started|been|got|gone|done|had|become|lost|stopped|grown)\b)",
            re.I,
        ),
        r"\1 has ",
    ),
    (re.compile(r"\b(how|what|where|who|that|there|she|he)s\b", re.I), r"\1 is"),
    (re.compile(r"\btheyre\b", re.I), "they are"),
    (re.compile(r"\bur\b", re.I), "your"),
    (re.compile(r"\bu\b(?!-)", re.I), "you"),
    # the same without apostrophes, as typed on phones ("im", "ive", "dont")
    (re.compile(r"\b(i)m\b", re.I), r"\1 am"),
    (re.compile(r"\b(i)ve\b", re.I), r"\1 have"),
    # "id rather", "id much prefer" ("id" alone may be an ID, so only before these verbs)
    (
        re.compile(r"\b(i)d (?=(?:much |really |definitely |always )?(?:rather|prefer)\b)", re.I),
        r"\1 would ",
    ),
)

_PRONOUNS = (
    (re.compile(r"\bI am\b", re.I), "they are"),
    (re.compile(r"\bI was\b", re.I), "they were"),
    (re.compile(r"\b(?:myself|ourselves)\b", re.I), "themselves"),
    (re.compile(r"\b(?:mine|ours)\b", re.I), "theirs"),
    (re.compile(r"\b(?:my|our)\b", re.I), "their"),
    (re.compile(r"\b(?:me|us)\b", re.I), "them"),
    (re.compile(r"\b(?:I|we)\b", re.I), "they"),
)

# Clauses that are questions, requests, wishes or hypotheticals, not statements.
_NOT_STATEMENTS = re.compile(
    r"^(?:what|where|when|whenever|who|whom|whose|which|why|how|can|could|would|will|should|"
    r"shall|may|might|must|do(?! not\b)|does|did|is|are|am|was|were|has|have|if|unless|suppose|"
    r"imagine|maybe|perhaps|please|let's|let us|I wish|I hope|I wonder|I would love|"
    r"I would like|I want to|I need you|I want you)\b",
    re.I,
)
_REQUESTS = re.compile(
    r"^(?:please|book|find|tell|show|give|help|remind|send|check|make|call|set|add|search|"
    r"look up|recommend|suggest|plan|schedule|cancel|translate|explain|summari[sz]e|list|"
    r"compare|I need|I want|I would like|I am looking for|I am trying to|I am searching for)\b",
    re.I,
)

_SUBJECT = r"(?:I|my|we|our)\b"
_LEAD_WORDS = (
    r"(?:(?:now|then|also|actually|and|but|so|plus|oh|well|btw|(?:next|this|last) "
    r"(?:week|month|year|summer|winter|spring|autumn|fall|weekend))\s+)*"
)
# "work" and "live" are verbs when a place, an employer or a schedule follows ("work at a
# bank", "live in leeds"), nouns otherwise ("work question", "live music").
_WORK_OR_LIVE = (
    r"work(?= (?:as|at|for|in|from|with|on|near|part|full|nights|days|shifts|weekends|"
    r"remotely|freelance|long|late|early|two|three|four|five|\d)\b)|"
    r"live(?= (?:in|near|with|on|by|outside|alone|abroad|close|just)\b)"
)
# Verbs that open a clause whose subject "I" was left out ("I'm retired, used to be ...").
_ELLIPTIC = (
    r"(?:used to|moved|grew up|love|like(?! \d| a\b| an\b| the\b| maybe\b| literally\b| really\b|"
    r" this\b| that\b| so\b| very\b| super\b| way\b| too\b| just\b| almost\b| totally\b|"
    r" kinda\b| sort of\b| kind of\b| actual\b| proper\b| real\b| at least\b| twice\b)|hate|"
    rf"prefer|{_WORK_OR_LIVE}|have been|got)\b"
)
_COUNTED = (
    r"(?:one|two|three|four|five|six|\d+) (?:kids?|children|sons?|daughters?|dogs?|cats?|"
    r"grandkids|grandchildren|grandsons?|granddaughters?)\b"
)
# Openings of a clause whose "I" was left out, for splitting at a comma ("I'm a teacher,
# married, two kids"; "a total night owl, do my best work after 10pm").
_RESTORABLE = (
    r"(?:married|engaged|divorced|widowed|retired|allergic|intolerant|vegan|vegetarian|"
    r"pescatarian|diabetic|originally from|born in|been (?!there\b|here\b)|"
    r"(?:just |recently |finally |also )?(?:started|moved|bought|adopted|passed|switched|"
    r"graduated|retired|got (?:married|engaged|divorced|a |an |my )|do my|earn|"
    r"work (?:as|at|for|in|from)|live (?:in|near|with)|have (?:a |an |two |three |\d)|"
    r"own (?:a |an )|speak|play|cannot|can not|do not|would rather|would prefer|prefer|"
    r"sitting|taking|(?:usually |always |normally |mostly |often )?up (?:at|by|before|around) "
    r"\d)\b)"
)
# What the user earns and pays, said without "my" ("take home is about 2100", "rent is 850").
_MONEY_NOUNS = (
    r"(?:rent|salary|take[- ]home(?: pay)?|income|mortgage|pension|wage|pay|student loan|"
    r"loan|debt|savings|budget|bills)"
)
_AMOUNT = (
    r"(?:about |around |roughly |like |only |just |under |over |nearly |almost |approx )?"
    r"[£$€]?\d[\d,.]*\s?(?:k|grand|quid|pounds|dollars|euros)?\b"
)
# Base-form verbs that open a clause joined by "and"/"but" whose "I" was left out ("deaf
# and use bsl"); unlike after a comma, no imperative ("use bullet points") is meant there.
_AND_VERBS = r"(?:use|speak|sign|teach|study|drive|rent|own|run|volunteer)"
_CLAUSE_BREAK = re.compile(
    rf",?\s+(?:and|but|so|also|plus|because|since|though|although|while|whereas)\s+"
    rf"(?={_LEAD_WORDS}{_SUBJECT})(?!I (?:was|turned|got|moved|left|started|had)\b)"
    rf"|,\s*(?={_LEAD_WORDS}{_SUBJECT})|;\s*|\s+-+\s+|\s*[\u2014\u2013]+\s*|,\s+so\s+"
    rf"|,?\s+(?:and|but) (?:also |like |also like )*(?={_RESTORABLE}|(?:always|never)\b)"
    rf"|,\s*(?={_ELLIPTIC}|{_COUNTED}|\d{{1,3}} (?:now|years old)\b|{_RESTORABLE})"
    r"|,\s*(?=(?:learning|studying|working|living|training|moving|starting|planning|raising|"
    r"caring|teaching|renting|saving|volunteering|commuting|retiring|relocating) )"
    r"|,\s*(?=(?!(?:nothing|something|anything|everything|morning|evening)\b)[a-z]{2,}ing "
    r"(?:my|a|an|the|for|at|in|on|as|to|with|from|full|part)\b)"
    r"|,?\s+and\s+(?=(?:he|she|they|it)\b)|,\s*(?=(?:he|she)\b)"
    # "I am retired since last spring, before I was a postman": what the user was before
    r"|,\s+(?:before|before that|until)\s+(?=I (?:was|worked|used to)\b)"
    # "I have asthma and some mornings breathing is hard": a new clause about the days
    r"|,?\s+(?:and|but|so)\s+(?=(?:some|most|many|other|on bad|on good) (?:days|mornings|"
    r"nights|evenings|weeks|times)\b)"
    r"|,\s*(?=[\w-]+(?: [\w-]+)? is where (?:I|we)\b)"
    r"|,\s*(?=(?:remind|tell|help|show|give|find|send|book|check|email|text|ask) (?:me|us)\b)"
    r"|,\s*(?=also no\b)"
    # "deaf and use bsl", "veggie and going to lisbon", "from brazil but living in porto":
    # a second clause whose "I" was left out
    rf"|,?\s+(?:and|but)\s+(?:also |now |currently |still )?(?={_AND_VERBS} "
    r"(?!it\b|that\b|this\b|them\b)|(?:living|working|studying|"
    r"training|moving|raising|caring|teaching|renting|saving|volunteering|commuting|doing my|"
    r"doing a|doing an|going to|heading to|flying to|off to) )"
    # "doing my exams and lowkey panicking": a mood joined to a fact is a clause of its own
    r"|,?\s+and\s+(?:(?:lowkey|low key|kinda|kind of|really|totally|honestly|a bit|so|also) )?"
    r"(?=(?:panicking|stressing|freaking out|struggling|worrying|dreading|losing my mind)\b)"
    # "ramadan starts soon and it is my first time fasting"
    r"|,?\s+and\s+(?=(?:it is|its|this is) my first\b)"
    # "moving to leeds for a new job at a bank": the job is a fact of its own
    r"|\s+(?=for (?:a|my) (?:new )?(?:job|role|position) (?:at|with|as)\b)"
    # "i am deaf and BSL is my first language": a clause with its own subject
    r"|,?\s+and\s+(?=[\w'-]+(?: [\w'-]+)? (?:is|are) my\b)"
    # "so tired, just finished a shift at ...": a new clause about what was just done
    r"|,\s*(?=just (?:finished|started|got back from|came off|done|did|had)\b)"
    rf"|,\s*(?=(?:my )?{_MONEY_NOUNS} (?:is|are|was) {_AMOUNT})"
    r"|,\s*(?=[\w' -]{1,30} (?:is|are) my (?:favourite|all-time|go-to)\b)"
    # "... so gluten is a no-go": a consequence, not part of the fact ("so much" is)
    r"|(?<!\bam)(?<!\bis)(?<!\bare)(?<!\bwas)(?<!\bnot)(?<!\bvery)(?<!\breally)\s+so\s+"
    r"(?!much\b|many\b|far\b|long\b|well\b|that\b|called\b|to\b)",
    re.I,
)
_ELLIPTIC_START = re.compile(_ELLIPTIC, re.I)
_COUNTED_START = re.compile(rf"{_COUNTED}(?:\s*\([^)]*\))?$", re.I)
_QUESTION_BREAK = re.compile(r",\s*|\s+(?:and|but|so)\s+", re.I)
# What makes the last part of a "?" sentence a question ("... can you recommend one?")
_ASKS = re.compile(
    r"^\W*(?:what|whats|how|hows|is|are|am|was|were|can|could|do|does|did|should|would|will|"
    r"shall|may|might|any|anything|anyone|which|who|whom|whose|where|when|why|isn|aren|right|"
    r"or|ok|okay|yes|no|really|seriously|thoughts|ideas|recommendations|suggestions|tips)\b|"
    r"\b(?:you|your|u|ur)\b|^\W*\w+\W*$",
    re.I,
)

_LEAD = re.compile(
    r"^(?:oh|ooh|ah|aw|well|also|and|but|so|yes|yeah|yep|yup|no(?:pe)?(?=\s*[,.!:;-]|\s+i\b)|actually|"
    r"btw|fyi|um+|uh+|"
    r"hmm+|ok|okay|sorry|oh wait|wait|honestly|now|anyway|anyways|plus|basically|right|"
    r"hey|hi|hello|lol|haha\w*|oops|then|though|although|because|since|cause|cuz|"
    r"fwiw|tbf|ngl|imo|imho|iirc|afaik|not gonna lie|to be fair|for context|fyi|"
    r"(?:next|this|last) (?:week|month|year|summer|winter|spring|autumn|weekend)(?=\s+I\b)|"
    r"ew+|ugh+|omg|yuck|meh|nah|long story(?: short)?|basically|just(?= call me\b)|"
    r"(?:my |the )?(?:doctor|gp|dr|doc|consultant|specialist|dentist|physio|nurse) "
    r"(?:says|said|told me|thinks|reckons)(?: that)?|"
    r"just so you know|by the way|for the record|fun fact|to be honest|as you know|"
    r"you know|I mean|I meant(?: to say| that)?|what I meant is|for what it is worth|"
    r"in fact|these days|nowadays|currently|"
    # a label before what follows ("random q: i tend to ...", "side note: ...")
    r"(?:random|quick|silly|dumb|side|small|another|one more|unrelated) (?:q|qn|question|note)"
    r"(?=\s*:)|"
    # correction and update markers ("update: I'm pescatarian now", "change of plans, ...")
    r"(?:quick |small |little )?(?:update|correction|edit)|scratch that|plot twist|"
    r"(?:a )?change of plans?|"
    r"at the moment|right now|(?:please )?(?:remember|note|keep in mind|do not forget)"
    r"(?: that)?(?=[\s,:]+(?:I|my|we|our)\b))\b[\s,:;!.-]*",
    re.I,
)
_TRAIL = re.compile(
    r"[\s,;:.-]*\b(?:lol|lmao|haha\w*|hehe\w*|btw|by the way|tbh|to be honest|honestly|"
    r"fyi|just so you know|for the record|I guess|I think|I suppose|if possible|"
    r"if you can(?: [\w']+)*|if that helps|please|pls|plz|thx|ty|cheers|ugh+|"
    r"(?:do not|dont) judge(?: me)?|no judg(?:e)?ment(?: please| pls)?|bear with me|"
    r"thanks|thank you|anyway|anyways|"
    r"actually|so yeah|yeah|you know|just saying|for context|too|as well|so no\b.*|"
    r"so please\b.*|ever|,\s*always|tho|though|so(?<=, so))$",
    re.I,
)
_NOT_TAIL = re.compile(r",\s*(?:and\s+)?not\s+[\w' -]{1,30}$", re.I)
_REWRITES = (
    # "we ..." -> "I ..." (the user is one of them)
    (re.compile(r"^we are\b", re.I), "I am"),
    (re.compile(r"^we were\b", re.I), "I was"),
    (re.compile(r"^we (?:both|all|each)\b", re.I), "I"),
    (re.compile(r"^we\b", re.I), "I"),
    (re.compile(r"^our\b", re.I), "my"),
    (
        re.compile(
            r"^(?:please|pls|plz|kindly|por favor),? (?=always\b|never\b|do not\b|"
            r"from now on\b|keep\b|make\b|be\b|answer\b|"
            r"reply\b|respond\b|write\b|talk\b|speak\b|call me\b|use\b)",
            re.I,
        ),
        "",
    ),
    (
        re.compile(
            r"^I am (?:really|truly|honestly|definitely|certainly|actually|just|kind of|kinda|"
            r"pretty much|totally|absolutely|basically|still) ",
            re.I,
        ),
        "I am ",
    ),
    # "I don't X ... anymore" -> "I no longer X ..."
    (
        re.compile(r"^I (?:do|did) not (\w+)\b(.*?)[\s,]*(?:any ?more|any longer)$", re.I),
        r"I no longer \1\2",
    ),
    (re.compile(r"^I am not (.+?)[\s,]*(?:any ?more|any longer)$", re.I), r"I am no longer \1"),
    (re.compile(r"^I have not (.+?)[\s,]*(?:any ?more|any longer)$", re.I), r"I no longer have \1"),
    (re.compile(r"^I have got\b", re.I), "I have"),
    # "my husband and I are ..." -> "I are ..." -> "I am ..."
    (re.compile(r"^I are\b", re.I), "I am"),
    (re.compile(r"^I were\b", re.I), "I was"),
    (re.compile(r"^I not (?=[a-z])", re.I), "I do not "),
    (re.compile(r"^I am (?=(?:move|live|work|go|have|like|love)\b)", re.I), "I "),
    (re.compile(r"^like (?=(?:allergic|intolerant|vegan|vegetarian|diabetic)\b)", re.I), ""),
    # "for travel I prefer aisle seats": a leading topic phrase
    (
        re.compile(
            r"^(?:for|at|in|on|with|when it comes to|as for|regarding) [\w' -]{1,25}?,? (?=I\b)",
            re.I,
        ),
        "",
    ),
    # "at home we speak polish": the topic phrase before a "we" the rewrites above missed
    (
        re.compile(
            r"^(?:for|at|in|on|with|when it comes to|as for|regarding) [\w' -]{1,25}?,? we "
            r"(?!(?:are|were|have|had|will|would|can|could|should)\b)",
            re.I,
        ),
        "I ",
    ),
    # "you can call me Jo", "feel free to keep it short": an instruction put as a permission
    (
        re.compile(
            r"^(?:you (?:can|could|may|should)|feel free to) (?:just |always )?"
            r"(?=call me\b|keep\b|answer\b|reply\b|respond\b|write\b|talk\b|speak\b)",
            re.I,
        ),
        "",
    ),
)
# "my wife and I ..." / "me and my girlfriend ..." -> "I ..."
_COUPLE = re.compile(
    r"(?:^|(?<=, ))(?:my (?:best |little |big |older |younger )?[\w-]+ and (?:I|me)|"
    r"me and my (?:best |little |big |older |younger )?[\w-]+)\b",
    re.I,
)
# "me and my daughter (she is 10) are ...": the aside is a clause of its own about them
_COUPLE_ASIDE = re.compile(
    r"(?:^|(?<=, ))(?:my (?P<rel1>(?:best |little |big |older |younger )?[\w-]+) and (?:I|me)|"
    r"me and my (?P<rel2>(?:best |little |big |older |younger )?[\w-]+))"
    r"\s*\((?:she|he|they) (?P<be>is|are|has|have) (?P<aside>[^()]+)\)\s*",
    re.I,
)


def _couple_aside(match: re.Match[str]) -> str:
    """ "me and my son (he is 7) love lego" -> "my son is 7; I love lego"."""
    relative = match.group("rel1") or match.group("rel2")
    return f"my {relative} {match.group('be')} {match.group('aside').strip()}; I "


_SMALL_TALK = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|yo|thanks|thank you|thx|ty|ta\b|so much|a lot|again|"
    r"very much|ok|okay|k|sure|great|cool|nice|awesome|perfect|fine|good|great choice|good choice|"
    r"excellent|wonderful|lovely|amazing|sounds good|sounds great|sounds perfect|"
    r"(?:(?:that|this|it) (?:is|was)|thats) (?:really |very |so |super |most |extremely )?"
    r"(?:great|perfect|fine|awesome|good|nice|lovely|amazing|helpful|useful|brilliant|sweet|"
    r"kind|all)|(?:that |it )?makes (?:total |perfect )?sense|aw+|"
    r"(?:(?:one|just one) more|another|(?:a )?quick|(?:a )?small|a) question|"
    r"that works|yes|yeah|yep|no|nope|please|bye|goodbye|see you|see ya|later|"
    r"good (?:morning|afternoon|evening|night)|of course|certainly|absolutely|got it|"
    r"noted|happy to help|glad to help|glad I could help|you are welcome|no problem|"
    r"no worries|np|how can I help(?: you)?(?: today)?|how may I help(?: you)?(?: today)?|"
    r"what can I do for you(?: today)?|how are you(?: doing)?(?: today)?|lol|haha\w*|"
    r"how is (?:your|the) (?:day|week|weekend|morning|evening)(?: going)?(?: so far)?|"
    r"how (?:was|has been) (?:your|the) (?:day|week|weekend)|just (?:having|chilling|relaxing)"
    r"(?: a)?(?: lazy| quiet| chill| slow)?(?: \w+day| day| evening| night| weekend)?"
    r"(?: at home| on the sofa| in bed| with a (?:tea|coffee|cuppa|beer|book))?|"
    r"just saying hi|just|there|everyone|all|wow|oh|ah|hmm|um|alright|all right|will do|"
    r"cheers|talk soon|have a (?:nice|good|great) (?:day|one|evening|weekend)|you too|"
    r"for now|me too|same here|nothing (?:really|much)|not much|I am good|I am fine|"
    r"I am great|not bad|and you|nothing|"
    r"just testing|testing|test|never mind|nevermind|you|how about you|what about you|"
    r"congrat\w*(?: on [\w' -]+)?|"
    r"sorry (?:to hear that|about that)|sounds (?:fun|lovely|exciting)|"
    r"(?:good|great) (?:question|idea|goal|plan)|let me know (?:how it goes|if you need "
    r"anything(?: else)?|if (?:that|this) helps)|(?:I )?hope (?:that|this|it) helps|"
    r"anything else|nah|naw|yup|ya|morning|evening|all good|doing (?:well|good|great|ok)|"
    # "how r u", "hows it going", "whats up": chat greetings typed fast
    r"how (?:are|r) (?:you|u|ya|things)(?: doing| going)?(?: today)?|"
    r"how is (?:it|everything|life) (?:going|been)?|what is up|whats up|sup|"
    # a mood given in answer to a greeting ("not bad, bit sleepy lol")
    r"(?:a )?(?:(?:little |tiny )?bit |bit of a |kinda |kind of |pretty |so |very |really |"
    r"super |quite |just )?(?:tired|sleepy|bored|knackered|meh|busy|chilling|relaxing|chill|"
    r"relaxed|lazy|quiet|calm|cosy|cozy|good|well|great|fine|ok|okay)"
    r"(?: after (?:work|school|the gym|a long day)| today| tonight| this (?:week|morning)|"
    r" on the (?:train|bus|tube|sofa|couch)| at (?:work|home|the office))?|"
    # the weather and a pleasant outing of the moment ("weather's lovely", "just had a nice
    # walk"): chat, not news (an adjective is needed: "just had a baby" is news)
    r"(?:the )?weather(?:'s| is| has been) (?:(?:so|really|very|pretty|absolutely) )?(?:lovely|"
    r"nice|great|gorgeous|beautiful|glorious|awful|terrible|horrible|miserable|rubbish|grim|"
    r"amazing|perfect|hot|cold|warm|wet|sunny)(?: (?:here|today|out|outside))?|"
    r"(?:it is |so |really |very )*(?:sunny|raining|rainy|hot|cold|freezing|chilly|warm|"
    r"windy|snowing|pouring) (?:here|today|out|outside|out there)|"
    r"(?:what an? )?(?:lovely|nice|beautiful|gorgeous|glorious) (?:day|morning|evening)|"
    r"(?:I )?(?:just )?(?:had|went for|been for|got back from|back from) a (?:(?:nice|lovely|"
    r"good|great|long|quick|short|little|gentle|relaxing) )?(?:walk|stroll|run|jog|swim|nap|"
    r"ride|bike ride|coffee|cuppa|bath|workout)|here|"
    r"cannot complain|take care|dear|mate|buddy|pal|bye for now|"
    r"enjoy (?:your|the) (?:day|evening|weekend|night|sunshine|sun|weather|walk)|enjoy(?: it)?|"
    r"go on(?: then)?|go ahead|why not|sure why not|"
    # the end of a long day ("long day at work today, finally home")
    r"(?:(?:such|what) )?(?:a )?long (?:day|week|shift)(?: at (?:work|school|the office))?"
    r"(?: today)?|(?:I am )?(?:finally|just got) home|home at last|"
    r"(?:I am )?(?:gonna|going to|about to|off to) (?:watch (?:a|some) (?:film|movie|tv|telly)|"
    r"chill|relax|have a (?:bath|nap|lie in)|get some sleep|bed|sleep)(?: and (?:chill|relax))?"
    r"(?: tonight| now| for a bit)?|"
    # typed faces: ":)", ":-D", ";p", "<3"
    r"[:;]-?[()DPp]+|<3|\^_?\^)"
    r"[\s,!.:;()-]*)+$",
    re.I,
)
_PRONOUN_OBJECT = re.compile(
    r"^(?:(?:it|that|this|those|these|them|you|him|her)\b|"
    # "one" standing for something said before ("we watch one most nights")
    r"one(?=\s*$|\s+of\b|\s+(?:most|every|each|a|per|nearly|almost)\b))(?! when\b| if\b)",
    re.I,
)


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
    """Present-tense third person singular of a base-form verb ("listen to" -> "listens to")."""
    head, _, tail = verb.lower().partition(" ")
    irregular = {"have": "has", "do": "does", "go": "goes", "be": "is"}
    if head in irregular:
        head = irregular[head]
    elif head.endswith(("s", "sh", "ch", "x", "z", "o")):
        head += "es"
    elif head.endswith("y") and len(head) > 1 and head[-2] not in "aeiou":
        head = head[:-1] + "ies"
    else:
        head += "s"
    return f"{head} {tail}" if tail else head


def _strip_symbols(text: str) -> str:
    """Drop emoji and other symbols (keep currency, %, & and +)."""
    return "".join(c for c in text if unicodedata.category(c)[0] != "S" or c in "$€£¥%&+")


_ABBREVIATION = re.compile(
    r"\b(No|Nr|Dr|Mr|Mrs|Ms|St|Mt|Jr|Sr|vs|approx|etc|e\.g|i\.e|a\.m|p\.m)\.(?=\s+[\w\d])", re.I
)


# A question inside a sentence typed without "?" ("..., how do i update the kernel").
_INLINE_QUESTION = re.compile(
    r"(?:,\s*|\s+)(?=(?:how|what|where|which|why|who|when) (?:do|does|did|is|are|was|can|"
    r"could|should|would|will|long|much|many|often|far|big|old)\b|(?:is|are|can|could|should|"
    r"would|will|do|does) (?:i|it|you|u|there|this|that|we|he|she|they)\b|any (?:tips|ideas|"
    r"suggestions|advice|recommendations|thoughts|good)\b|anything (?:i|you|u) can\b)"
    # after a comma only: "..., which one is better", "..., is wet food ok for her"
    r"|,\s*(?=(?:which|what) [a-z]+ (?:is|are|would|should|do|does|can)\b|(?:is|are) "
    r"(?:[\w-]+ ){1,3}(?:ok|okay|fine|safe|normal|good|bad|healthy|allowed)\b)",
    re.I,
)
# Emoji often end a thought in chat ("getting married next june 💍 need venue ideas").
_EMOJI_BREAK = re.compile(r"\s*(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]\ufe0f?)+\s*")


_DASH_BREAK = re.compile(r"\s*[\u2014\u2013]+\s*|\s+-{1,2}\s+")
# A decimal point ("2.1k", "3.5 years") is no sentence end.
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
# A question word left before an inline question ("how" + "do i ...") opens the question.
_WH_BEFORE = re.compile(r"(?:^|[\s,]+)(?:how|what|where|which|why|who|when)$", re.I)
# A conjunction left dangling when a question was cut off ("... tbh, so" + "whats ...").
_DANGLING_JOIN = re.compile(r"[\s,;]+(?:so|and|but|or|because|cause|cuz)$", re.I)


def _sentences(text: str) -> list[tuple[str, bool]]:
    """Split text into (sentence, is_question) pairs."""
    out: list[tuple[str, bool]] = []
    text = _EMOJI_BREAK.sub(lambda m: ". " if m.end() < len(text) else "", text)
    text = _DASH_BREAK.sub(". ", text)
    text = _ABBREVIATION.sub("\\1\u2024", _strip_symbols(text))
    text = _DECIMAL_POINT.sub("\u2024", text)  # "2.1k a month" is one sentence
    for match in re.finditer(r"[^.!?\n]+[.!?]*", text):
        raw = match.group(0).strip().replace("\u2024", ".")
        sentence = raw.rstrip(".!? ").strip()
        if not sentence:
            continue
        inline = _INLINE_QUESTION.search(sentence)
        if inline and "?" not in raw and inline.start() > 0:
            statement, question = sentence[: inline.start()], sentence[inline.end() :]
            wh = _WH_BEFORE.search(statement)
            if wh:  # "how do i ...": the question started at its question word
                question = f"{wh.group(0).strip(' ,')} {question}"
                statement = statement[: wh.start()]
            statement = _DANGLING_JOIN.sub("", statement.strip(" ,")).strip(" ,")
            if statement:
                out.append((statement, False))
            out.append((question.strip(), True))
            continue
        out.append((_DANGLING_JOIN.sub("", sentence).strip(" ,") or sentence, "?" in raw))
    return out


def _clean_clause(part: str) -> str:
    """Strip chatter around a clause and rewrite "we"/"anymore" forms for the rules."""
    previous = None
    part = part.strip()
    while part != previous:
        previous = part
        part = _LEAD.sub("", part).strip()
        part = _TRAIL.sub("", part).strip()
    part = _NOT_TAIL.sub("", part).strip()
    for pattern, repl in _REWRITES:
        part = pattern.sub(repl, part)
    return part.strip(" ,;:-")


_RELATIONS = (
    r"wife|husband|partner|boyfriend|girlfriend|fianc[eé]e?|spouse|sons?|daughters?|kids?|"
    r"child|children|bab(?:y|ies)|toddler|mom|mum|mother|dad|father|parents|brothers?|"
    r"sisters?|siblings?|grandma|grandmother|grandpa|grandfather|grandparents|family|"
    r"aunt|uncle|cousins?|niece|nephew|twins?|dogs?|cats?|pets?|puppy|kitten|horse|"
    r"boss|roommate|flatmate|housemate|best friend|team|company|in-laws"
)
# "I'm 34, sorry, 35" -> "I'm 35" (markers may chain: "dublin, sorry I mean cork")
_INLINE_CORRECTION = re.compile(
    r",\s*(?:(?:sorry|I mean|I meant|no wait|wait no|wait|no|oops|or rather|make that|"
    r"actually|correction)\s*,?\s+)+(?P<value>(?:[\w-]+ ){0,2}[\w-]+)(?=\s*$|\s*[-,;])",
    re.I,
)


def _inline_value_fixed(sentence: str) -> str:
    """ "on the 3rd, no wait, the 5th" -> "on the 5th": the value replaces as many words."""
    while (match := _INLINE_CORRECTION.search(sentence)) is not None:
        value = match.group("value")
        before = sentence[: match.start()].split(" ")
        n = len(value.split())
        if len(before) <= n:
            break
        sentence = " ".join([*before[:-n], value]) + sentence[match.end() :]
    return sentence


# People who are not the user's household: what they are is not a fact about the user.
_THIRD_PARTIES = (
    r"(?:co-?workers?|colleagues?|neighbou?rs?|friends?|classmates?|teammates?|mates?|"
    r"buddy|buddies|clients?|customers?|landlord|landlady|tenants?|acquaintances?|"
    r"manager|boss|teacher|doctor|students?|patients?)\b"
)
_MY_RELATIVE = re.compile(rf"\bmy ((?:{_RELATIONS}))\b", re.I)
# Occupations, for the job slot ("is a barista" then "is a junior developer now") and
# role appositions ("as a teacher, what laptop ...?").
_OCCUPATIONS = (
    r"developer|engineer|programmer|coder|designer|manager|teacher|nurse|doctor|lawyer|"
    r"solicitor|barista|chef|cook|accountant|consultant|analyst|scientist|architect|writer|"
    r"journalist|editor|photographer|pharmacist|dentist|electrician|plumber|mechanic|"
    r"carpenter|builder|pilot|driver|cashier|waiter|waitress|bartender|receptionist|"
    r"librarian|professor|lecturer|researcher|paramedic|firefighter|police officer|"
    r"farmer|baker|butcher|artist|musician|actor|actress|tutor|therapist|psychologist|"
    r"vet|veterinarian|surgeon|midwife|carer|caregiver|cleaner|secretary|administrator|"
    r"clerk|salesperson|realtor|estate agent|banker|trader|economist|translator|"
    r"interpreter|freelancer|contractor|technician|founder|ceo|cto|physiotherapist|"
    r"social worker|civil servant|hairdresser|beautician|optician|paralegal|tester"
)
_ROLE_APPOSITION = re.compile(
    rf"^as an? (?P<role>(?:[\w-]+ ){{0,2}}?(?:{_OCCUPATIONS}|parent|mum|mom|dad|"
    r"single (?:mum|mom|dad|parent)|student|beginner|vegetarian|vegan|diabetic))"
    r"(?: myself)?$",
    re.I,
)
# "quick bit about me: 34, married, two kids, living in Leeds": a profile list.
_PROFILE = re.compile(
    r"^(?:[\w ]{0,30}\babout (?:me|myself)|(?:my )?(?:profile|background|bio)|me)\s*:\s*"
    r"(?P<items>.+)$",
    re.I,
)
_PROFILE_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.I)
# "no emojis in your answers": a standing instruction put as a noun phrase
_NO_IN_ANSWERS = re.compile(
    r"^(?:please |pls )?no (?P<obj>[\w -]{1,30}?)(?= (?:in|on) (?:your|the|any) "
    r"(?:answers|replies|responses|messages|emails|texts|summaries)\b)",
    re.I,
)


# "our rescue greyhound, biscuit, is terrified of thunder": a name between commas
_APPOSITIVE = re.compile(
    r"\b((?:my|our) (?:[\w-]+ ){0,3}[\w-]+), ([\w'-]+(?: [\w'-]+)?),\s+"
    r"(?=(?:is|are|was|has|have|had|who|lives|loves|hates|gets|can|cannot|will)\b)",
    re.I,
)
# "no emojis please", "skip the jargon": answer formats the user does not want
_NO_FORMAT = re.compile(
    r"^(?:please |pls |plz |and )?(?:no|avoid|skip|stop (?:using|putting|adding|including|"
    r"sending|with)|less|fewer|do not (?:use|put|add|include|send))(?: the| any| all)? "
    r"(?P<obj>(?:more )?(?:emojis?|emoticons|jargon|bullet points|bullets|markdown|tables|"
    r"headers|headings|exclamation marks|fluff|filler|waffle|disclaimers|caveats|spoilers|"
    r"swearing|small talk|long answers|essays|walls of text|code blocks|hashtags))\b",
    re.I,
)


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def _profile_clause(item: str) -> str:
    """One item of a profile list as a first-person clause ("34" -> "I am 34")."""
    item = item.strip(" ,;:-")
    if re.match(r"^(?:I|my|we|our)\b", item, re.I):
        return item
    if _COUNTED_START.match(item) or re.match(r"^(?:a |an )?(?:dog|cat)\b", item, re.I):
        return f"I have {item}"
    if re.match(r"^(?:have|own|got)\b", item, re.I):
        return f"I {item}"
    return f"I am {item}"


_HE_SHE = re.compile(r"^(?:he|she)\b", re.I)
_STANDING_REQUEST = re.compile(
    r"^(?:could|can|would|will) you (?:please |pls |plz )?"
    r"(?P<body>(?:always|never|from now on|in (?:the )?future|going forward)\b.+)$",
    re.I,
)
_INSTRUCTION_VERBS = (
    r"use|give|cite|write|keep|answer|reply|respond|include|add|show|put|list|explain|make|"
    r"mention|remind|tell|ask|check|double-check|link|stick to|default to|convert|measure|"
    r"format|quote|avoid|skip|start|end|label|translate|spell|round|assume|suggest|recommend"
)
_WHEN_YOU = re.compile(
    r"^(?P<when>(?:when(?:ever)?|every time|each time|if) (?:you|I) [^,]+?)(?:,\s*|\s+)"
    rf"(?:please |pls |plz )?(?P<then>(?:always |just |also )?(?:{_INSTRUCTION_VERBS})\b.+)$",
    re.I,
)
# What follows an instruction after a comma and says something of its own ("when you
# suggest recipes assume I have an air fryer, there is no oven in my studio")
_NEW_STATEMENT = re.compile(r"^(?:there (?:is|are)|it is|I|my|we|our)\b", re.I)
# "when im travelling i always go for hostels": a habit with its occasion put first
_WHEN_I = re.compile(
    r"^(?P<when>(?:when(?:ever)?|every time|each time|if) I [^,]+?)(?:,\s*|\s+)"
    r"(?P<then>I (?:(?:always|usually|normally|often|mostly|generally|never|really|tend to) )*"
    r"(?!(?:am|was|have|had|will|would|could|can|should|need|want|think|guess|feel|do|did)\b)"
    r"[a-z]+\b.+)$",
    re.I,
)
# Subjectless openings that stand for "I ..." ("been vegan 6 yrs", "allergic to nuts").
_SUBJECTLESS = (
    (re.compile(r"^been\b", re.I), "I have been"),
    (re.compile(r"^born\b", re.I), "I was born"),
    (
        re.compile(
            r"^(?=(?:allergic|intolerant|lactose|married|engaged|divorced|widowed|retired|"
            r"based|originally from|vegan|vegetarian|pescatarian|diabetic|coeliac|celiac)\b)",
            re.I,
        ),
        "I am ",
    ),
    (re.compile(r"^(?=(?:fave|favourite|favorite)\b)", re.I), "my "),
    # "hate layovers, would rather pay more": what the user would rather do
    (re.compile(r"^(?=would (?:much |really |definitely )?(?:rather|prefer)\b)", re.I), "I "),
    # "always got a podcast on when I cook": "got" for "have got", a habit
    (re.compile(r"^(always|usually|normally|often|generally) got\b", re.I), r"I \1 have"),
    # "usually up at 5", "up by 6 most days": when the user gets up
    (
        re.compile(
            r"^(?=(?:(?:usually|always|normally|often|mostly|typically) )?(?:up|awake) "
            r"(?:at|by|before|around) \d)",
            re.I,
        ),
        "I am ",
    ),
    (re.compile(r"^(?=type (?:1|2|one|two) diabetic\b)", re.I), "I am "),
    (
        re.compile(
            r"^(?=(?:(?:a |an )?(?:severe|serious|mild|bad|nasty|deadly|life-threatening) )?"
            r"[\w-]+(?: [\w-]+)? (?:allergy|intolerance)\b)",
            re.I,
        ),
        "I have ",
    ),
)
# "pescatarian here", "freelance translator here (french and italian)": a self-description
_HERE = re.compile(
    r"^(?P<np>(?!(?:I|my|it|that|this|there|you|we|the|our|your|his|her|their)\b)[\w -]{3,40}?)"
    r" here\b(?P<rest>(?:\s*[,(;:].*|\s+(?:and|but|lol|tho|btw)\b.*)?)$",
    re.I,
)
_ADJECTIVE_SELF = re.compile(
    r"^(?:strictly |mostly |fully )?(?:vegetarian|vegan|pescatarian|pescetarian|flexitarian|"
    r"keto|paleo|plant[- ]based|gluten[- ]free|dairy[- ]free|kosher|halal|lactose[- ]intolerant|"
    r"teetotal|sober|diabetic|coeliac|celiac|married|single|divorced|widowed|retired|"
    r"left-handed|self-employed|unemployed)$",
    re.I,
)
# "I have two cats (miso and tofu) and a tortoise": two possessions, two records
_PARENS = re.compile(r"\([^)]*\)")
_HAVE_AND = re.compile(
    r"^I (?P<verb>have|own|speak|play|use|drive|study) (?P<first>[^,]+?),? and (?:also )?"
    r"(?P<second>(?:a|an|one|two|three|four|five|six|\d+|some|a bit of|a little|basic) "
    r"(?![^,]*\b(?:is|are|was|were|am|gets?|got|makes?|keeps?|feels?)\b).+)$",
    re.I,
)
_MASS_NOUNS = frozenset(
    [
        "alcohol",
        "dairy",
        "gluten",
        "meat",
        "pork",
        "sugar",
        "caffeine",
        "coffee",
        "wifi",
        "money",
        "time",
        "family",
        "internet",
        "experience",
        "luggage",
        "insurance",
    ]
)
# "no car here", "also no alcohol": something the user does not have or take
_NO_HERE = re.compile(
    r"^(?:also no (?P<np>[\w -]{2,30}?)(?: here| for me| at all)?|"
    r"no (?P<np2>[\w -]{2,30}?) (?:here|for me|at all)|"
    r"no (?P<np3>alcohol|meat|pork|beef|dairy|gluten|sugar|caffeine|car|kids|children|pets)"
    r"(?=,|$).*)$",
    re.I,
)
_I_AM_HERE = re.compile(r"^(I am (?:an? )?[\w -]{3,40}?) here\b.*$", re.I)
# "47 and back at uni": an age, then the rest
# "Hello, I am Marta": a capitalised given name, not a nationality or a faith ("I am Polish")
_I_AM_NAME = re.compile(
    r"^I am (?!(?:Fine|Good|Okay|Great|Sorry|Back|Home|Done|Ready|Tired|Sure|Well|Not|Very|"
    r"Just|Also|Still|New|Late|Busy|Free|Happy|Glad|Bored|Lost|Stuck|Confused|Retired|Single|"
    r"Married|Vegan|Vegetarian)$)(?P<name>[A-Z][a-z]{2,14})$"
    r"(?<!ish)(?<!ese)(?<!ian)(?<!an)(?<!ch)(?<!ic)(?<!i)(?<!ist)(?<!ite)"
    r"(?<!Muslim)(?<!Hindu)(?<!Sikh)(?<!Jew)(?<!Mormon)(?<!Catholic)(?<!Protestant)(?<!Here)"
)
_AGE_AND = re.compile(r"^(?:I am )?(?P<age>\d{1,2}) and (?P<rest>.+)$", re.I)


# A clause about someone else ("my mum has ...", "she passed ..."): a verb joined to it by
# "and"/"but" with no subject of its own is theirs too, not the user's.
_OTHER_SUBJECT = re.compile(
    rf"^(?:my (?:[\w'-]+ ){{0,2}}?(?:{_RELATIONS})|(?:he|she|they)(?= (?!am\b)[a-z]+))\b", re.I
)
_AND_VERB_START = re.compile(rf"^{_AND_VERBS}\b", re.I)
_AND_BUT = re.compile(r"\b(?:and|but)\s*$", re.I)


def _joined_parts(sentence: str, parts: list[str]) -> list[bool]:
    """For each of ``parts`` (``sentence`` split at clause breaks), whether it was joined to
    the part before it by "and" or "but" (not by a comma alone)."""
    flags: list[bool] = []
    position = 0
    for part in parts:
        start = sentence.find(part, position) if part else position
        start = position if start < 0 else start
        flags.append(bool(flags or position) and bool(_AND_BUT.search(sentence[position:start])))
        position = start + len(part)
    return flags


def _clauses(text: str) -> list[str]:
    """First-person statement clauses of a user message (questions and requests dropped).

    A question sentence still contributes the statements before its question part
    ("I'm vegetarian, can you recommend a restaurant?" -> "I am vegetarian").
    """
    clauses: list[str] = []
    relative: str | None = None  # the last "my <relation>" mentioned, for "he"/"she"
    for sentence, is_question in _sentences(_expand_contractions(text)):
        standing = _STANDING_REQUEST.match(_lead_stripped(sentence))
        if standing:  # "could you always give me metric units?" is an instruction
            sentence, is_question = standing.group("body"), False
        habit = _WHEN_I.match(_lead_stripped(sentence))
        if habit:  # "when I travel I stay in hostels" -> "I stay in hostels when I travel"
            then, comma, rest = habit.group("then").partition(",")
            sentence = f"{then.strip()} {habit.group('when')}{comma}{rest}"
        when = _WHEN_YOU.match(_lead_stripped(sentence))
        if when:  # "when you write code for me, use TypeScript"
            then, comma, rest = when.group("then").partition(",")
            then = re.sub(r"\s+(?:please|pls|plz)$", "", then.strip(), flags=re.I)
            if _NEW_STATEMENT.match(rest.strip()):  # "..., theres no oven": a clause of its own
                comma = ";"
            sentence = f"{then} {when.group('when')}{comma}{rest}"
        sentence = _COUPLE_ASIDE.sub(_couple_aside, sentence)
        sentence = _COUPLE.sub("I", _inline_value_fixed(sentence))
        sentence = _NO_IN_ANSWERS.sub(r"do not use \g<obj>", sentence)
        sentence = _NO_FORMAT.sub(r"do not use \g<obj>", sentence)
        sentence = _APPOSITIVE.sub(r"\1 \2 ", sentence)
        profile = _PROFILE.match(_lead_stripped(sentence))
        if profile and not is_question:
            parts = [_profile_clause(i) for i in _PROFILE_SPLIT.split(profile.group("items"))]
        elif is_question:
            parts = _QUESTION_BREAK.split(sentence)
            if _ASKS.search(parts[-1]):
                parts = parts[:-1]
        else:
            parts = re.split(_CLAUSE_BREAK, sentence)
        joined = _joined_parts(sentence, parts)
        owner: str | None = None  # "my daughter" when the previous clause was about her
        other: str | None = None  # "she" / "my mum": the previous clause's other subject
        for raw, conjoined in zip(parts, joined, strict=True):
            part = _clean_clause(raw)
            if (
                other is not None
                and conjoined
                and (_SUBJECTLESS_START.match(part) or _ELLIPTIC_START.match(part))
            ):
                # "my mum has dementia and moved in with us": the same subject goes on
                ing = re.match(r"^(?:[a-z]+ly )?[a-z]{2,}ing\b", part, re.I)
                part = f"{other} {'is ' if ing else ''}{part}"
            elif conjoined and _AND_VERB_START.match(part):
                part = f"I {part}"  # "I am deaf and use bsl mostly"
            elif (
                owner is not None
                and _SUBJECTLESS_START.match(part)
                and not _ELLIPTIC_START.match(part)
            ):
                # "my daughter started at Edinburgh, studying vet medicine": she is studying
                ing = re.match(r"^(?:[a-z]+ly )?[a-z]{2,}ing\b", part, re.I)
                part = f"{owner} {'is ' if ing else ''}{part}"
            owner_match = re.match(rf"^my ((?:[\w-]+ ){{0,2}}?(?:{_RELATIONS}))\b", part, re.I)
            owner = f"my {owner_match.group(1)}" if owner_match else None
            other_match = _OTHER_SUBJECT.match(part)
            other = other_match.group(0) if other_match else None
            role = _ROLE_APPOSITION.match(part)
            if role:
                part = f"I am {_article(role.group('role'))} {role.group('role')}"
            for pattern, subject in _SUBJECTLESS:
                part = pattern.sub(subject, part, count=1)
            part = _I_AM_HERE.sub(r"\1", part)  # "I am pescatarian here, fish yes meat no"
            absent = _NO_HERE.match(part)
            if absent and not _NO_FORMAT.match(part):
                np = absent.group("np") or absent.group("np2") or absent.group("np3")
                art = "" if np.endswith("s") or np in _MASS_NOUNS else f"{_article(np)} "
                part = f"I do not have {art}{np}"
            here = _HERE.match(part)
            if here:
                np = here.group("np").strip()
                art = "" if _ADJECTIVE_SELF.match(np) else f"{_article(np)} "
                part = f"I am {art}{np}{here.group('rest').split(',')[0]}"
            pair = _HAVE_AND.match(_PARENS.sub(lambda m: m.group(0).replace(" and ", " & "), part))
            if pair:
                clauses.append(
                    f"I {pair.group('verb')} {pair.group('first')}".replace(" & ", " and ")
                )
                part = f"I {pair.group('verb')} {pair.group('second')}".replace(" & ", " and ")
            named = _I_AM_NAME.match(part)
            if named:
                part = f"my name is {named.group('name')}"
            age = _AGE_AND.match(part)
            if age:
                clauses.append(f"I am {age.group('age')}")
                part = f"I am {age.group('rest')}"
            if _ELLIPTIC_START.match(part):
                part = f"I {part}"
            elif _COUNTED_START.match(part):
                part = f"I have {part}"
            if relative is not None and _HE_SHE.match(part):
                part = _HE_SHE.sub(relative, part, count=1)
            mentions = _MY_RELATIVE.findall(raw)
            if mentions:
                relative = f"my {mentions[-1]}"
            if re.match(
                r"^have (?!a (?:good|nice|great|lovely|safe|fun|good one)\b)"
                r"(?:a|an|two|three|four|\d+|no|some)\b",
                part,
                re.I,
            ):
                part = f"I {part}"  # "..., and have a cat already" (not "have you ...")
            if re.match(
                r"^(?:I )?(?:have )?(?:always )?been (?:since|for|ever since|at it|doing it)\b"
                r"|^(?:I )?(?:have )?been\b.*\b(?:for|at|with) it\b",
                part,
                re.I,
            ):
                continue  # "I'm vegetarian, have been since uni": no statement of its own
            if part and not _NOT_STATEMENTS.match(part):
                clauses.append(part)
    return clauses


# The weather of the moment ("bit grey out", "lovely sunny day here finally") and the
# words joining chat ("not bad, bit grey out but cannot complain"): chat, taken out before
# the rest is checked, so a sentence of them and small talk is small talk.
_WEATHER_WORDS = (
    r"grey|gray|cloudy|overcast|drizzly|foggy|misty|muggy|humid|dull|miserable|sunny|"
    r"rainy|wet|windy|cold|chilly|warm|hot|freezing|bright|nice|lovely|gorgeous|glorious|"
    r"beautiful|horrible|grim"
)
_CHAT_WEATHER = re.compile(
    r"(?:^|(?<=[\s,!.;]))(?:it is |its |it has been )?(?:(?:what|such) an? |an? )?"
    r"(?:(?:little |tiny )?bit |bit of a |"
    r"kinda |kind of |pretty |so |very |really |quite |super )?"
    rf"(?:(?:{_WEATHER_WORDS})(?: (?:and )?(?:{_WEATHER_WORDS}))?"
    r"(?: (?:day|morning|afternoon|evening|weekend))?"
    r"(?: (?:here|today|out|outside|out there|this morning|again))+|"
    rf"(?:{_WEATHER_WORDS})(?: (?:{_WEATHER_WORDS}))? (?:day|morning|afternoon|evening|weekend))"
    r"(?: (?:finally|at last|for once|again))?(?=[\s,!.;]|$)"
    r"|(?:^|(?<=[\s,!.;]))(?:but|and|though|tho)(?=[\s,!.;]|$)",
    re.I,
)


def _is_small_talk(sentence: str) -> bool:
    sentence = sentence.strip()
    if _SMALL_TALK.match(sentence):
        return True
    rest = _CHAT_WEATHER.sub(" ", sentence).strip(" ,!.;")
    return rest != sentence and (not rest or bool(_SMALL_TALK.match(rest)))


def _lead_stripped(sentence: str) -> str:
    previous = None
    while sentence != previous:
        previous, sentence = sentence, _LEAD.sub("", sentence).strip()
    return sentence


# A question or request typed without "?" or put as a statement ("whats a good gel brand",
# "trying to figure out if i need to register for vat", "not sure which one to pick").
_ASKING = re.compile(
    r"^(?:(?:what|how|where|who|when|which|why)s\b|any (?:[\w-]+ ){0,2}?(?:tips|ideas|advice|"
    r"suggestions|recommendations|thoughts|options)\b|any good\b|"
    r"anything (?:I|you|u) (?:can|could|should)\b|"
    r"(?:I am |I was |am |was |just )?(?:trying|want|wanting|need|needing|would like|wanted|hoping)"
    r" to (?:figure out|work out|find out|understand|decide|know|learn how|choose|pick)\b|"
    r"(?:I am |I was |am |just )?(?:wondering|not sure (?:if|whether|how|what|which|where|when)|"
    r"unsure (?:if|whether|how|what|which)|curious (?:if|whether|how|what|which|about))\b|"
    r"I do not know (?:if|whether|how|what|which|where)\b|help me\b|"
    r"(?:I )?(?:have )?(?:no|zero) (?:idea|clue) (?:if|whether|how|what|which|where|when)\b|"
    r"(?:I )?need (?:some |a bit of |your )?(?:help|advice|ideas|tips|a hand)\b|"
    r"(?:I am )?looking for (?:advice|tips|ideas|recommendations|suggestions|help)\b)",
    re.I,
)
# A report back on advice ("did that, still crashing", "did the power thing, seems better",
# "tried your suggestion"): it says what was done, it asks nothing.
_REPORTED_BACK = re.compile(
    r"^(?:(?:I )?(?:did|done|tried|followed) (?:all )?(?:that|it|this|those|them|what you said|"
    r"(?:the|your) (?:[\w-]+ ){0,2}?(?:thing|things|one|bit|step|steps|fix|trick|tip|tips|"
    r"suggestion|suggestions|advice|setting|settings|idea))\b)",
    re.I,
)
# Where a request starts after a statement in one sentence ("freelance translator here,
# trying to figure out ...").
_ASKING_BREAK = re.compile(r"(?:,|;|\s+-+)\s+|\s+(?:and|but|so)\s+", re.I)


def _is_asking(sentence: str) -> bool:
    """Whether a sentence (not marked with "?") asks or requests something."""
    lead = _lead_stripped(sentence)
    if _REPORTED_BACK.match(lead):  # "did that, still crashing" reports, asks nothing
        return False
    return (
        bool(_NOT_STATEMENTS.match(lead))
        or any(_ASKING.match(_lead_stripped(p)) for p in _ASKING_BREAK.split(sentence))
        or any(
            # "I'm trying to get back into running ..." states a fact, asks nothing
            _REQUESTS.match(_lead_stripped(c)) and _apply_rules(_clean_clause(c)) is None
            for c in _CLAUSE_BREAK.split(sentence)
        )
    )


_WH = re.compile(r"^(?:what|how|where|which|who|when|why)\b", re.I)
# A question that only points back at what was just said ("good idea?", "is that normal?",
# "thoughts?"): its topic is the statement before it.
_EVALUATIVE = (
    r"(?:(?:really|very|too|even|still|actually) )?(?:an? )?(?:(?:(?:really|very|too) )?(?:good|"
    r"bad|smart|wise|terrible|dumb|silly|stupid|crazy) (?:idea|plan|move|choice)|ok|okay|"
    r"alright|normal|fine|safe|legal|allowed|realistic|doable|possible|worth it|enough|"
    r"too much|too late|a problem|a scam|sensible|reasonable|feasible|fair|common|serious|"
    r"true|necessary|healthy|dangerous|risky|smart|wise|bad|good|mad)"
)
_ABOUT_THAT = re.compile(
    rf"^(?:so |and |but )?(?:(?:(?:is|would|will|could|can|does|was) (?:that|it|this) (?:be )?)?"
    rf"{_EVALUATIVE}|(?:any )?thoughts|what do (?:you|u) (?:think|reckon)|yay or nay|"
    r"opinions?|advice|ideas|does (?:that|this|it) make sense|(?:is it|it is) worth it|"
    r"should (?:I|we)(?: do (?:it|that)| go for it)?|can (?:they|he|she) do that|"
    r"(?:any )?(?:tips|suggestions|recommendations)|help)[\s,!.?]*$",
    re.I,
)
# A question with no topic of its own ("where do i even start", "what should I do now"),
# a question even without its "?": its topic is the statement before it.
_TOPICLESS = re.compile(
    r"^(?:so |and |but |ok |okay )?(?:(?:where|how) (?:do|should|would|can|could) (?:I|we) "
    r"(?:even |actually |best )?(?:start|begin)(?: with (?:it|this|that))?|"
    r"where (?:to|do I) (?:even )?(?:start|begin)|"
    r"what (?:should|do|can|would) (?:I|we) (?:even )?do(?: (?:now|next|about (?:it|this|that)))?|"
    r"what now|what next|now what)[\s,!.?]*$",
    re.I,
)


_BARE_QUESTION_WORDS = 4


_QUOTE_OPENS = re.compile(r"(?:^|(?<=\s))['\"\u2018\u201c](?=\w)")
_QUOTE_CLOSES = re.compile(r"(?<=\w)['\"\u2019\u201d](?=\s|$|[,.!?;:])")


def _open_quote(text: str) -> bool:
    """Whether ``text`` ends inside a quotation it opened (the 'why ... of 'why are you ...')."""
    return len(_QUOTE_OPENS.findall(text)) > len(_QUOTE_CLOSES.findall(text))


def _others_news(statement: str) -> bool:
    """Whether a statement's only news is about someone not of the user's household ("my
    neighbour got scammed by a text"): the context of the question after it, not a point."""
    return bool(_NEWS.search(statement)) and not _NEWS.search(_THIRD_PARTY_MY.sub(" ", statement))


# A statement opening with a word that points back at the question before it ("mine are 3
# years old", "it is for a 10 year old"): a detail of that question, not news of its own.
_BACK_REFERENCE = re.compile(
    r"^(?:(?:and|but|oh|also|btw|because|cause|cuz) )?(?:mine|ours|it|its|this|that|these|those)"
    r"(?: one| ones)? (?:is|are|was|were|has|have|had|only|just|will|would|does|do|did)\b",
    re.I,
)
_YOU = re.compile(r"\b(?:you|u|your|ur)\b", re.I)


def _bare_question(sentence: str) -> bool:
    """Whether a "?" sentence is a bare phrase, no question or request of its own ("IT
    band??", "mesh or powerline?"): it asks about the statement before it."""
    lead = _lead_stripped(sentence)
    return (
        0 < len(lead.split()) <= _BARE_QUESTION_WORDS
        and not _NOT_STATEMENTS.match(lead)
        and not _REQUESTS.match(lead)
        and not _ASKING.match(lead)
        and not _YOU.search(lead)
    )


def _meaningful(text: str) -> list[tuple[str, bool]]:
    """Sentences worth quoting, each flagged True when it is a question or request."""
    text = _expand_contractions(text)
    sentences: list[tuple[str, bool]] = []
    for sentence, is_question in _sentences(text):
        if sentences and _open_quote(sentences[-1][0]) and f"{sentences[-1][0]} {sentence}" in text:
            # "nervous about the 'why are you changing careers' question": a question
            # quoted is mentioned, not asked; the sentence goes on
            sentences[-1] = (f"{sentences[-1][0]} {sentence}", sentences[-1][1])
            continue
        if sentences and is_question and not sentences[-1][1]:
            # "how do I price ..." was cut before its "do I": one question again
            joined = f"{sentences[-1][0]} {sentence}"
            # ("I am 69, what foods" + "should i cut down on"): the question opened in its
            # last part
            opening = _ASKING_BREAK.split(sentences[-1][0])[-1]
            if _WH.match(_lead_stripped(opening)) and joined in text:
                sentences[-1] = (joined, True)
                continue
            if _ABOUT_THAT.match(_lead_stripped(sentence)) or _bare_question(sentence):
                # "... a cat already. good idea?", "... my knee aches afterwards. IT band??"
                sentences[-1] = (f"{sentences[-1][0]}. {sentence}", True)
                continue
            if _others_news(sentences[-1][0]):  # "my neighbour got scammed, how do I ..."
                joined = f"{sentences[-1][0]}, {sentence}"
                if joined not in text:
                    joined = f"{sentences[-1][0]}. {sentence}"
                sentences[-1] = (joined, True)
                continue
        sentences.append((sentence, is_question))
    merged: list[tuple[str, bool]] = []
    for sentence, is_question in sentences:  # "... essay on macbeth. where do i even start"
        if merged and not merged[-1][1] and _TOPICLESS.match(_lead_stripped(sentence)):
            merged[-1] = (f"{merged[-1][0]}. {sentence}", True)
        elif merged and merged[-1][1] and not is_question and _BACK_REFERENCE.match(sentence):
            # "would new shoes help? mine are like 3 years old": a detail of the question
            merged[-1] = (f"{merged[-1][0]}? {sentence}", True)
        else:
            merged.append((sentence, is_question))
    sentences = merged
    return [
        (sentence, is_question or _is_asking(sentence))
        for sentence, is_question in sentences
        if len(sentence.split()) >= 2 and not _is_small_talk(sentence)
    ]


# "my neighbour", "our landlord": someone else's news, the context of what is asked.
_THIRD_PARTY_MY = re.compile(rf"\b(?:my|our) (?:[\w-]+ )?{_THIRD_PARTIES}", re.I)


def _request_split(sentence: str) -> tuple[str, str]:
    """Split "<statement>, <request>" into its statement and request parts.

    The statement part is empty when the sentence opens with the request, or when what
    comes before it is the context of the request (a problem, "my knee hurts, should I ...";
    a statement with no news of the user's world, "he wont eat, is that normal").
    """
    couples = [m.span() for m in _COUPLE.finditer(sentence)]
    for match in _ASKING_BREAK.finditer(sentence):
        if any(a <= match.start() < b for a, b in couples):  # "my husband and I are ..."
            continue
        head, rest = sentence[: match.start()].strip(), sentence[match.end() :].strip()
        if _is_asking(rest) and not _is_asking(head):
            if (
                len(head.split()) < 2
                or _is_small_talk(head)
                or _PROBLEM.search(head)
                or _REACTION.search(head)
                or _statements(head)  # a fact read stays with the request it explains
                # nothing of theirs ("my ...", not "my neighbour") or no number: context
                or not _NEWS.search(_THIRD_PARTY_MY.sub(" ", head))
            ):
                return "", sentence
            return head, rest
    return "", sentence


def _sentence(subject_and_predicate: str) -> str:
    """Capitalise and terminate a generated record sentence."""
    text = re.sub(r"\s+", " ", subject_and_predicate).strip().rstrip(".,;: ")
    return text[0].upper() + text[1:] + "." if text else ""


def _quote(text: str, limit: int = _QUOTE_MAX_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


# --------------------------------------------------------------------------- rule tables

_F, _P = frozenset({"SEMANTIC"}), frozenset({"USER_PREFERENCE"})
_B = _F | _P  # the user's diet and allergies are a fact and a preference

_ADVERBS = (
    r"(?:(?:really|also|just|honestly|absolutely|definitely|generally|truly|do|totally|"
    r"kind of|kinda|actually|still|so|seriously|genuinely|personally|particularly|much|"
    r"way more|much more|far more|a lot more|way|far)\s+)*"
)
_DIETS = r"vegetarian|vegan|pescatarian|pescetarian|flexitarian|keto|paleo|plant[- ]based"
# "keto", "a low sodium diet", "a gluten free diet": what "on ..." a diet is
_ON_DIET = (
    r"(?:an? )?(?:(?:vegetarian|vegan|pescatarian|flexitarian|keto|paleo|plant[- ]based)"
    r"(?: diet)?|(?:[\w-]+ ){1,2}diet|[\w-]+ (?:sodium|salt|fat|carb|sugar|fodmap|protein|"
    r"calorie|gi|residue|cholesterol|potassium))"
)
_RESTRICTIONS = (
    r"gluten[- ]free|dairy[- ]free|kosher|halal|lactose[- ]intolerant|gluten[- ]intolerant|"
    r"celiac|coeliac|teetotal|teetotaller|teetotaler|sober"
)
_CONDITIONS = (
    r"(?:type (?:1|2|one|two) )?diabetic|pre-?diabetic|asthmatic|epileptic|deaf|"
    r"hard of hearing|blind|colou?r[- ]?blind|visually impaired|pregnant|disabled|"
    r"autistic|dyslexic|an[a]?emic|immunocompromised|a wheelchair user|in a wheelchair"
)
_STATUS = (
    r"married|engaged|single|divorced|widowed|separated|in a relationship|retired|"
    r"left-handed|right-handed|unemployed|self-employed|a student|between jobs"
)
# "my X is ..." about momentary things is not a fact worth keeping.
_TRANSIENT = (
    r"(?:order|package|parcel|delivery|question|problem|issue|point|guess|bad|pleasure|"
    r"internet|wifi|connection|battery|phone|laptop|computer|screen|app|code|account|"
    r"password|request|answer|mistake|head|stomach|back|day|week|morning|night|"
    r"apologies|understanding|impression|concern|plan for today)\b"
)
_FACT_VERBS = (
    r"speak|study|own|drive|play|use|teach|volunteer|run|attend|practi[cs]e|ride|collect|"
    r"know|go|train|manage|coach|write|build|rent|commute|care for|look after|belong to|"
    r"support|vote|bike|cycle|swim|climb|sing|paint|knit|garden|fish|hunt|surf|ski|dance"
)
_HABIT_VERBS = r"eat|drink|cook|wear|listen to|watch|take|read|bake|order"
# A verb in the past tense: what happened once, neither a habit nor an instruction
# ("she never wrote the recipe down", "never learned to drive"); habits and instructions
# need a verb in its base form ("never use emojis", "I never eat late").
_PAST_FORM = (
    r"(?:(?![a-z]*eed\b)[a-z]{2,}ed|wrote|had|went|made|took|left|lost|sold|became|began|"
    r"broke|came|found|gave|kept|knew|met|ran|spent|taught|wore|saw|ate|drank|did|said|told|"
    r"thought|bought|brought|felt|heard|slept|spoke|drove|flew|swam|sang|won|chose|forgot|"
    r"been|was|were|learnt|understood|rode|grew|paid|built|sent|stood)\b"
)
# What the user never did that still holds ("never learned to drive"); other past forms
# after "never" are one-offs ("never watched the show"), see _momentary
_NEVER_HELD = (
    r"learned to|learnt to|been|had|passed|owned|married|smoked|drank|drove|flew|finished|"
    r"studied|lived|worked|got"
)
_NEVER_DID = re.compile(rf"^I never (?!(?:{_NEVER_HELD})\b){_PAST_FORM}", re.I)
# A style of answer the user asks for ("i want blunt honest feedback")
_STYLE_WORDS = (
    r"blunt|honest|brutal|brutally|direct|frank|straight|candid|critical|constructive|harsh|"
    r"gentle|short|brief|concise|quick|detailed|thorough|in-depth|simple|plain|clear|formal|"
    r"informal|casual|practical|realistic|step-by-step|no-nonsense|unfiltered"
)
_ANSWER_NOUNS = (
    r"feedback|answers|replies|responses|explanations|advice|critique|criticism|opinions?|"
    r"summaries|examples"
)
# Languages an answer or an explanation can be given in
_LANGUAGES = (
    r"(?:plain |simple |basic |easy |british |american )?(?:english|spanish|french|german|"
    r"italian|portuguese|dutch|polish|russian|ukrainian|arabic|turkish|greek|swedish|"
    r"norwegian|danish|finnish|czech|hungarian|romanian|hindi|urdu|bengali|chinese|mandarin|"
    r"cantonese|japanese|korean|vietnamese|thai|indonesian|tagalog|hebrew|persian|farsi|"
    r"catalan|irish|welsh)"
)
_ING_EXCLUDED = (
    r"going|trying|looking|wondering|asking|thinking|hoping|feeling|getting|having|doing|"
    r"waiting|calling|checking|kidding|joking|talking|sitting|standing|eating|drinking|"
    r"sending|coming|leaving|heading|saying|telling|starting|curious|interested|not\b|"
    r"running (?:late|behind|out)"
)
_HAVE_EXCLUDED = (
    r"to\b|a question|a quick question|questions|another question|an? idea|no\b|an? issue|"
    r"a problem|problems|a doubt|a feeling|a bad feeling|a good feeling|a headache|"
    r"a cold|a fever|time\b|fun\b|just\b|already\b|finished|done|seen|read|heard|noticed|"
    r"tried|changed|forgotten|lost|booked|sent|received|found|made|decided|started|begun|"
    r"been (?:feeling|thinking|trying|wondering|looking|waiting|meaning|having|going)"
)


@dataclass(frozen=True)
class _Rule:
    """A first-person pattern, its third-person template and the strategies it feeds."""

    pattern: re.Pattern[str]
    template: str
    targets: frozenset[str]


def _rules(specs: Iterable[tuple[str, str, frozenset[str]]]) -> list[_Rule]:
    return [_Rule(re.compile(p, re.I), t, targets) for p, t, targets in specs]


# Ordered: the first matching rule wins. Template fields: {obj} (required, rewritten in
# the third person), {opt}/{rest} (optional), {verb3} (third person of {verb}), {be}
# ("am" -> "is", "have been" -> "has been"), {neg} ("not "/"no longer "), {negverb}.
_RULES = _rules(
    [
        # ---- changes of habit or taste
        (
            r"^I no longer (?P<verb>like|love|enjoy|eat|drink|smoke|watch|cook|wear|"
            r"listen to|take|fly)\b ?(?P<opt>.*)",
            "the user no longer {verb3} {opt}",
            _P,
        ),
        (
            rf"^I no longer (?P<verb>live|work|have|own|{_FACT_VERBS})\b ?(?P<opt>.*)",
            "the user no longer {verb3} {opt}",
            _F,
        ),
        # ---- dislikes and negative habits
        (
            rf"^I {_ADVERBS}(?:do not|never) {_ADVERBS}(?:like|love|enjoy|care for) (?P<obj>.+)",
            "the user dislikes {obj}",
            _P,
        ),
        # a diet put as what the user does not eat: a fact and a preference
        (
            rf"^I {_ADVERBS}(?P<neg2>do not|never|cannot|can not) {_ADVERBS}"
            r"(?P<verb>eat|drink|touch)\b ?(?P<opt>(?:any |much )?(?:red |processed )?"
            r"(?:meat|pork|beef|lamb|veal|poultry|chicken|fish|seafood|shellfish|dairy|eggs|"
            r"gluten|wheat|animal products|anything with a face)\b.*)",
            "the user {negverb} {opt}",
            _B,
        ),
        (
            r"^I (?:have|had) (?:never|not ever) (?:really )?(?:liked|loved|enjoyed|been (?:a fan "
            r"of|into|keen on)) (?P<obj>.+)",
            "the user has never liked {obj}",
            _P,
        ),
        (
            rf"^I {_ADVERBS}(?P<neg2>do not|never|cannot|can not) {_ADVERBS}"
            r"(?P<verb>eat|drink|smoke|watch|fly|wear|use|cook|listen to|take|handle|"
            r"tolerate|digest)\b ?(?P<opt>.*)",
            "the user {negverb} {opt}",
            _P,
        ),
        (
            rf"^I {_ADVERBS}(?:hate|dislike|detest|loathe|despise|cannot stand|can not stand|"
            r"am not a fan of|am no fan of) (?P<obj>.+)",
            "the user dislikes {obj}",
            _P,
        ),
        (rf"^I {_ADVERBS}avoid (?P<obj>.+)", "the user avoids {obj}", _P),
        (
            r"^(?:make|keep|write) (?:them|it|everything|those|these|all of them) "
            r"(?P<obj>[\w+#. -]+?),? (?P<when>(?:when(?:ever)?|if) (?:you|I) .+|by default|"
            r"every time .+|from now on|always)$",
            "the user wants the assistant to use {obj} {when}",
            _P,
        ),
        # "leicester is where I work"
        (
            r"^(?P<obj>[\w' -]+?) is where I (?P<verb>live|work|grew up|study|was born|"
            r"went to school|go to school)\b.*$",
            "the user {verb3} in {obj}",
            _F,
        ),
        # a device or vehicle acquired is one the user has ("got a new laptop, a thinkpad")
        (
            r"^I (?:just |finally |recently |have )?(?:got|bought|picked up|upgraded to|"
            r"treated myself to) (?P<obj>(?:a|an|my) (?:new |secondhand |second-hand |used |"
            r"refurbished |brand new )?(?:[\w-]+ )?(?:phone|smartphone|laptop|computer|pc|tablet|"
            r"car|bike|e-?bike|motorbike|scooter|van|ipad|iphone|pixel|macbook|thinkpad|kindle|"
            r"console|ps5|xbox|watch|smartwatch)\b.*)",
            "the user has {obj}",
            _F,
        ),
        # tastes put as obsessions: "been obsessed with 90s britpop lately"
        (
            r"^I (?:am|have been) (?:(?:a bit|kind of|kinda|totally|so|really|lowkey|low key|"
            r"seriously|completely) )?(?:obsessed with|hooked on|addicted to|crazy about|mad about|"
            r"a sucker for|really into|super into|so into) (?P<obj>.+)",
            "the user loves {obj}",
            _P,
        ),
        # "always window seat for me": a preferred option
        (
            r"^(?:always |usually |definitely |only )?(?P<obj>(?!(?:it|that|this|one)\b)"
            r"(?:(?!(?:use|set|are|is|was|do|does|make|made|get|got|cook|write|buy|find|book|up|"
            r"this|that|it|work|works|good|great|fine|enough|too|so|very)\b)[\w'-]+ ?){1,3}?) "
            r"for me(?: please| pls| thanks)?$",
            "the user prefers {obj}",
            _P,
        ),
        # "window seat always", "oat milk in my coffee always": a choice the user always makes
        (
            r"^(?P<obj>(?!(?:I|my|it|that|this|there|you|we|they|he|she|not|never|no|do|does|"
            r"did|is|are|was|and|but|so|also|just|keep|use|make|reply|answer|write|be|call)\b)"
            r"(?:(?!(?:is|are|was|were|am|do|does|did|have|has|will|would|can|get|gets|got)\b)"
            r"[\w'-]+ ?){1,6}?),? (?:always|every (?:single )?time)$",
            "the user prefers {obj}",
            _P,
        ),
        # "please use simple english with me": how to talk to the user
        (
            r"^(?:use|speak|write|talk|reply) (?P<obj>(?:in )?[\w' -]{2,30}?) (?:with|to) me\b.*$",
            "the user wants the assistant to use {obj} with them",
            _P,
        ),
        # "keep any recipes you give me to 5 ingredients max"
        (
            r"^(?:always )?keep (?!(?:your|the|all) (?:answers|replies|responses)\b)"
            r"(?P<obj>(?:any|all|your|the) [\w' -]+? (?:to|under|below|at most|"
            r"short|brief|simple)\b.*)",
            "the user wants the assistant to keep {obj}",
            _P,
        ),
        # a team the user supports is a taste as much as a fact
        (
            r"^I (?:have )?(?:always )?(?:support|follow|root for|supported) (?P<obj>(?!you\b|it\b|"
            r"that\b|this\b|them\b)[A-Z][\w'&. -]{1,40})$",
            "the user supports {obj}",
            _B,
        ),
        # "I am architect": a job said without its article
        (
            rf"^I am (?!an?\b|the\b|my\b|your\b)(?P<obj>(?:[\w-]+ )?(?:{_OCCUPATIONS}))$",
            "the user's job is {obj}",
            _F,
        ),
        # medical devices are facts, not habits ("I wear hearing aids")
        (
            r"^I (?:have to |also )?(?P<verb>wear|use|have|need) (?P<obj>(?:a |an |two )?"
            r"(?:(?:[\w-]+ )?hearing aids?|glasses|contact lenses|contacts|braces|an? brace|"
            r"insulin pump|pacemaker|wheelchair|cane|walker|walking stick|cpap(?: machine)?|"
            r"dentures|prosthetic [\w-]+|stoma|catheter|inhaler)\b.*)",
            "the user {verb3} {obj}",
            _F,
        ),
        # idioms with the thing as subject: "nothing beats a flat white", "X freaks me out"
        (
            r"^(?:nothing (?:beats|compares to|tops)|(?:you )?(?:cannot|can not) beat|"
            r"there is nothing like) (?P<obj>[\w'&, -]+)$",
            "the user loves {obj}",
            _P,
        ),
        (
            r"^(?!I\b|my\b|it\b|that\b|this\b|there\b)(?P<obj>[\w'&, -]+?) (?:is|are) "
            r"(?:totally |definitely |so |really |just )?(?:my (?:jam|go-to|weakness|"
            r"guilty pleasure|comfort food|happy place)|life|the best|"
            r"everything to me)$",
            "the user loves {obj}",
            _P,
        ),
        (
            r"^(?!I\b|my\b|it\b|that\b|this\b|there\b)(?P<obj>[\w'&, -]+?) "
            r"(?:really |totally |honestly |kind of |kinda |just )?(?:freaks?|creeps?|grosses?|"
            r"stresses?) me out\b.*$",
            "the user dislikes {obj}",
            _P,
        ),
        (
            r"^(?!I\b|my\b|it\b|that\b|this\b|there\b)(?P<obj>[\w'&, -]+?) "
            r"(?:really |totally |honestly |kind of |kinda |just )?(?:scares?|bores?|"
            r"annoys?|disgusts?) me\b.*$",
            "the user dislikes {obj}",
            _P,
        ),
        # standing instructions put as imperatives: "keep it brief", "no emojis please",
        # "use TypeScript when you write code for me"
        (
            r"^(?:keep|make) (?:it|things|them|everything) (?P<obj>(?:short|brief|simple|"
            r"concise|casual|light|clear|basic|to the point|high[- ]level|jargon[- ]free)\b.*)",
            "the user wants the assistant to keep answers {obj}",
            _P,
        ),
        (
            r"^(?P<verb>use|give|write|keep|answer|reply|respond|format|explain|include|add|make|"
            r"show|cite|put|stick to|default to|assume|quote|list|convert|measure|express) "
            r"(?P<obj>.+?),? (?P<when>(?:when(?:ever)?|if) (?:you|I) .+|every time .+|by default|"
            r"all the time|each time .+|for everything|in (?:all )?(?:your|the) "
            r"(?:answers|replies|responses|examples|code)\b.*)$",
            "the user wants the assistant to {verb} {obj} {when}",
            _P,
        ),
        # idioms: "I've gone off sushi", "horror movies aren't really my thing"
        (
            r"^I (?:have )?(?:kind of |kinda |totally |completely )?(?:gone|went|gone right) "
            r"off (?:of )?(?P<obj>.+)",
            "the user no longer likes {obj}",
            _P,
        ),
        (
            r"^I am (?:so |totally |completely )?(?:over|done with|sick of|tired of|fed up with) "
            r"(?P<obj>.+)",
            "the user no longer likes {obj}",
            _P,
        ),
        (
            r"^(?!I\b|my\b|it\b|that\b|this\b)(?P<obj>[\w'&, -]+?) (?:is|are) "
            r"(?:really |just |honestly |totally |definitely |so |quite |exactly )*not "
            r"(?:really |quite |exactly |very much |at all )?(?:my (?:thing|cup of tea|jam|scene|"
            r"style|kind of thing)|for me|up my street|up my alley)$",
            "the user dislikes {obj}",
            _P,
        ),
        (
            r"^(?:I am )?not (?:really |very |that |too |so |at all |much )?(?:a |an )?"
            r"(?:(?:big|huge|great|massive) )?(?:fan of|into|keen on|fond of|interested in|"
            r"crazy about) (?P<obj>.+)",
            "the user dislikes {obj}",
            _P,
        ),
        # ---- likes
        (
            r"^I (?:have )?(?:started|begun|began|come|grown|learned|learnt) to "
            r"(?P<verb>like|love|enjoy|hate|dislike|prefer|appreciate) (?P<obj>.+)",
            "the user {verb3} {obj}",
            _P,
        ),
        (
            rf"^I {_ADVERBS}(?P<verb>like|love|enjoy|adore|prefer) (?P<obj>.+)",
            "the user {verb3} {obj}",
            _P,
        ),
        # "I am loyal to KLM": a brand or a place the user sticks to
        (
            r"^I am (?:very |really |quite |pretty |fiercely |super |always )?loyal to (?P<obj>.+)",
            "the user is loyal to {obj}",
            _P,
        ),
        (
            r"^I would (?:much |really |definitely |always )?prefer (?P<obj>.+)",
            "the user prefers {obj}",
            _P,
        ),
        (r"^I would (?:much )?rather (?P<obj>.+)", "the user would rather {obj}", _P),
        (
            r"^I am (?:a |an )?(?:(?:big|huge|great|massive|die-hard|diehard|lifelong) )?"
            r"fans? of (?P<obj>.+)",
            "the user likes {obj}",
            _P,
        ),
        (
            r"^I am (?:a |an )(?:(?:big|huge|great|massive|die-hard|diehard|lifelong) )?"
            r"(?P<obj>[\w'& -]+?) fan$",
            "the user likes {obj}",
            _P,
        ),
        (
            rf"^I am {_ADVERBS}(?:into|keen on|fond of|passionate about|obsessed with|"
            r"crazy about|addicted to|mad about|hooked on|big on|all about|a sucker for) "
            r"(?P<obj>.+)",
            "the user likes {obj}",
            _P,
        ),
        # ---- diet, allergies, intolerances: both a fact and a preference
        (
            r"^I (?P<be>am|have been|was) (?P<neg>not |no longer )?(?:a |an )?"
            r"(?:strict |mostly |fully |now |full-time |part-time |pretty much )?"
            rf"(?P<diet>{_DIETS}|{_RESTRICTIONS})\b(?P<rest>.*)",
            "the user {be} {neg}{diet}{rest}",
            _B,
        ),
        # "been on keto since january", "doc put me on a low sodium diet"
        (
            rf"^I (?P<be>am|have been|was) on (?P<diet>{_ON_DIET})\b(?P<rest>.*)",
            "the user {be} on {diet}{rest}",
            _B,
        ),
        (
            r"^(?:my )?(?:[\w-]+ )?(?:put|has put|have put) me on "
            rf"(?P<diet>{_ON_DIET})\b(?P<rest>.*)",
            "the user is on {diet}{rest}",
            _B,
        ),
        # "I try to keep halal", "trying to stay gluten free": the diet, held to
        (
            r"^I (?:am )?(?:try|tries|trying) to (?:keep|stay|be|eat|go) "
            rf"(?P<diet>{_DIETS}|{_RESTRICTIONS})\b(?P<rest>.*)",
            "the user tries to keep {diet}{rest}",
            _B,
        ),
        (
            r"^I (?:went|turned|became|have become|have gone|switched to being) "
            rf"(?:fully |full |completely |strictly |100% )?(?P<diet>{_DIETS})\b(?P<rest>.*)",
            "the user became {diet}{rest}",
            _B,
        ),
        (
            r"^I (?P<be>am|have been|was) (?P<neg>not |no longer )?(?:very |severely |mildly |"
            r"deathly |super |really |extremely |slightly |a (?:bit|little) )?allergic to "
            r"(?P<obj>.+)",
            "the user {be} {neg}allergic to {obj}",
            _B,
        ),
        (
            r"^I have (?:an? |some |a severe |a mild |a serious )?"
            r"(?P<obj>[\w -]+? (?:allergy|allergies|intolerance)|c(?:o)?eliac disease)\b"
            r"(?P<rest>.*)",
            "the user has {obj}{rest}",
            _B,
        ),
        (
            r"^I am (?P<neg>not |no longer )?(?:very |quite )?intolerant (?:to|of) (?P<obj>.+)",
            "the user is {neg}intolerant to {obj}",
            _B,
        ),
        # ---- favourites, habits, standing instructions
        (
            r"^my (?P<kind>(?:all[- ]time )?(?:favou?rite|go-to)(?: [\w -]+?)?) (?P<be>is|are|was|"
            r"has to be|has always been) (?P<obj>.+)",
            "the user's {kind} {be} {obj}",
            _P,
        ),
        (
            r"^(?P<obj>[\w'&, -]+?) (?P<be>is|are) (?:definitely |probably |still |by far )?"
            r"my (?P<kind>(?:all[- ]time )?(?:favou?rite|go-to)(?: [\w -]+)?)$",
            "the user's {kind} {be} {obj}",
            _P,
        ),
        (
            r"^I am (?P<neg>not |no longer )?(?:more of |much more of |more |much of )?"
            r"(?P<art>a |an )?"
            r"(?P<obj>(?:(?:big|huge|real|"
            r"massive|total|heavy|light) )?(?:morning person|night owl|early bird|early riser|"
            r"night person|[\w-]+ person|(?:[\w-]+ )?drinker|(?:[\w-]+ )?smoker|"
            r"[\w-]+ lover|[\w-]+ eater|foodie|"
            r"homebody|couch potato))(?P<rest> than .+)?(?: at all| really)?$",
            "the user is {neg}{art}{obj}{rest}",
            _P,
        ),
        (r"^I tend to (?P<obj>.+)", "the user tends to {obj}", _P),
        # a time the user is up is a habit: "usually up at 5", "I am up by 6 most days"
        (
            r"^I am (?P<adv>(?:usually |always |normally |typically |often |generally |mostly )?)"
            r"(?:up|awake) (?P<prep>at|by|before|around) (?P<obj>(?!.*\b(?:tomorrow|tonight|"
            r"today)\b).+)",
            "the user is {adv}up {prep} {obj}",
            _P,
        ),
        # "i have a latte every morning": have with a routine time is a consumption habit
        (
            r"^I (?P<adv>(?:usually |always |normally |often |generally )?)have "
            r"(?P<obj>(?:a|an|one|two|my|some) (?:[\w'-]+ ){1,3}?(?:every|each|most|before|"
            r"after|with) (?:single )?(?:morning|day|night|evening|weekday|weekend|lunchtime|bed|"
            r"breakfast|lunch|dinner|work)s?\b.*)",
            "the user {adv}has {obj}",
            _P,
        ),
        # a book, show or trip the user finished and loved: a taste ("just finished X and
        # loved it")
        (
            r"^I (?:just |recently |finally )?(?:finished|read|watched|saw|tried|played|"
            r"listened to|binged|visited) (?P<obj>(?!(?:it|this|that|them)\b).+?),? and "
            r"(?:I )?(?:really |absolutely |totally |honestly )?(?P<verb>loved|liked|enjoyed|"
            r"adored|hated|disliked) (?:it|them|every (?:minute|bit|second)(?: of it)?)$",
            "the user {verb} {obj}",
            _P,
        ),
        (
            r"^do not (?:ever )?(?P<verb>use|send|add|include|write|call|mention|give|show|"
            r"put|say|ask|recommend|suggest|book|schedule|share) (?P<obj>.+)",
            "the user does not want the assistant to {verb} {obj}",
            _P,
        ),
        # "dont sugarcoat things for me": a "do not" about how the user is treated is said
        # to the assistant (any verb, as long as the user is its object)
        (
            r"^do not (?:ever )?(?!(?:have|own|know|like|love|eat|drink|live|work|need|want|"
            r"get|mind|care)\b)(?P<verb>[a-z]+) (?P<obj>(?:[\w' -]+ )?(?:me|for me|to me|with me)"
            r"\b.*)",
            "the user does not want the assistant to {verb} {obj}",
            _P,
        ),
        # "i want blunt honest feedback": the style of answers the user wants
        (
            r"^I (?:want|need|would like|would prefer|appreciate) "
            rf"(?P<obj>(?:(?:{_STYLE_WORDS}),? (?:and )?){{1,3}}(?:{_ANSWER_NOUNS}))\b(?P<rest>.*)",
            "the user wants {obj}{rest}",
            _P,
        ),
        # "explain grammar stuff in english": the language for a kind of answer
        (
            r"^(?P<verb>explain|write|give|do|put|say) (?P<obj>(?!(?:me|us|it|this|that|these|"
            r"those|them|a|an|the|my)\b)[\w' -]+?) in "
            rf"(?P<lang>{_LANGUAGES})(?: (?:ok|okay|please|pls|thanks))?$",
            "the user wants the assistant to {verb} {obj} in {lang}",
            _P,
        ),
        (
            r"^(?:keep|make) (?:your |the |all )?(?P<obj>(?:answers|replies|responses|"
            r"explanations|messages|emails|summaries)\b.+)",
            "the user wants the assistant to keep {obj}",
            _P,
        ),
        (
            r"^(?P<obj>be (?:more |very |always )?(?:brief|concise|short|detailed|direct|"
            r"formal|informal|casual|polite|honest|blunt|funny|gentle))\b(?P<rest>.*)",
            "the user wants the assistant to {obj}{rest}",
            _P,
        ),
        (
            r"^(?:answer|reply|respond|write|talk|speak)(?: to me| me)? in (?P<obj>.+)",
            "the user wants the assistant to answer in {obj}",
            _P,
        ),
        (
            r"^call me (?!tomorrow\b|today\b|tonight\b|later\b|back\b|now\b|when\b|if\b|"
            r"at\b|on\b|in\b|asap\b)(?P<obj>[\w'-]+(?: [\w'-]+)?)(?:,.*)?$",
            "the user wants the assistant to call them {obj}",
            _P,
        ),
        # income and outgoings: "i take home about 2.1k a month", "salary is 28k"
        (
            rf"^I (?P<verb>take home|earn|make|bring in|clear) (?P<obj>{_AMOUNT}.*)",
            "the user {verb3} {obj}",
            _F,
        ),
        (
            rf"^(?P<subj>{_MONEY_NOUNS}) (?P<be>is|are|was) (?P<obj>{_AMOUNT}.*)",
            "the user's {subj} {be} {obj}",
            _F,
        ),
        # what the user never did that still holds ("never learned to drive", "never been
        # abroad"); a one-off ("never watched the show") is no record
        (
            rf"^I never (?P<verb>{_NEVER_HELD}) ?(?P<opt>.*)",
            "the user never {verb} {opt}",
            _F,
        ),
        (
            r"^I (?P<adv>always|usually|normally|typically|often|mostly|generally|regularly|"
            rf"never) (?!{_PAST_FORM})(?P<verb>[a-z]+)\b ?(?P<opt>.*)",
            "the user {adv} {verb3} {opt}",
            _P,
        ),
        (
            rf"^I {_ADVERBS}(?P<verb>{_HABIT_VERBS})(?! home\b) (?P<obj>.+)",
            "the user {verb3} {obj}",
            _P,
        ),
        (
            rf"^(?P<when>always|never) (?!mind\b|{_PAST_FORM})(?P<obj>.+)",
            "the user wants the assistant to {when} {obj}",
            _P,
        ),
        (
            r"^(?P<when>from now on|in (?:the )?future|going forward)[\s,]+(?P<obj>.+)",
            "the user wants the assistant to {obj} {when}",
            _P,
        ),
        # ---- where the user lives and comes from
        (
            r"^I (?:live|reside|am living|am based|am located|am settled|have lived|"
            r"have been living|currently live|still live|now live) (?P<prep>in|near|outside|"
            r"outside of|close to|just outside|just outside of|on|by) (?P<obj>.+)",
            "the user lives {prep} {obj}",
            _F,
        ),
        (
            r"^I (?:live|am living|have been living|still live) with (?P<obj>.+?)"
            r"(?: at the moment| for now| currently)?$",
            "the user lives with {obj}",
            _F,
        ),
        (
            r"^I (?:have )?(?:just |recently |finally |already )?(?:moved|relocated|"
            r"moved back) (?:to|into) (?P<obj>.+)",
            "the user lives in {obj}",
            _F,
        ),
        (
            r"^I (?:have )?(?:just |recently )?moved (?:here |over )?from (?P<obj>.+)",
            "the user moved from {obj}",
            _F,
        ),
        (r"^I am (?:originally |actually |also )?from (?P<obj>.+)", "the user is from {obj}", _F),
        (
            r"^I am (?:originally |half |actually )?"
            r"(?P<obj>(?-i:[A-Z])[a-z]+(?:ian|ish|ese|an|ch|i|ic))$",
            "the user is {obj}",
            _F,
        ),
        (
            r"^I am (?P<verb>going|heading|travell?ing|flying|driving|moving) "
            r"(?P<obj>(?:back )?to (?-i:[A-Z]).+)",
            "the user is {verb} {obj}",
            _F,
        ),
        # "off to lisbon next month", "flying to porto in june": a trip, place typed lowercase
        # ("going to" is left out: "going to cook next week" is no trip)
        (
            r"^(?:I am )?(?P<verb>off|heading|travell?ing|flying|driving) (?P<obj>(?:back )?to "
            r"(?!(?:the|a|an|my|bed|work|school|sleep|uni|town|church|class|see|visit|get)\b)"
            r"[a-z][\w'-]*(?: [a-z][\w'-]*)? (?:next|this|in|on|for|over|at the end of) .+)",
            "the user is {verb} {obj}",
            _F,
        ),
        (r"^I (?:come|came) from (?P<obj>.+)", "the user is from {obj}", _F),
        # ---- work
        (
            r"^I (?:work|am working|have been working|currently work|still work|now work) "
            r"(?P<prep>as|at|for|in|on|with|from) (?P<obj>.+)",
            "the user works {prep} {obj}",
            _F,
        ),
        (r"^I am employed (?P<prep>at|by|as) (?P<obj>.+)", "the user works {prep2} {obj}", _F),
        # "(moving to leeds) for a new job at a bank"
        (
            r"^for (?:a|my) (?P<obj>(?:new )?(?:job|role|position) (?:at|with|as) .+)$",
            "the user has a {obj}",
            _F,
        ),
        # "for context im at a bank": at a kind of employer ("at the bank" is an errand)
        (
            r"^I am (?:currently |now )?at (?P<obj>(?:a|an) (?:[\w-]+ ){0,2}?(?:bank|firm|company|"
            r"startup|start-up|agency|consultancy|charity|council|hospital|factory|warehouse|"
            r"call centre|call center|nonprofit|non-profit|retailer|publisher|supermarket|"
            r"care home|law firm|tech company|school|university))(?:,.*)?$",
            "the user works at {obj}",
            _F,
        ),
        # "(did) a 12h shift at the warehouse": where the user works shifts
        (
            r"^I (?:have )?(?:just )?(?:finished|did|done|worked|pulled|started|came off|got back "
            r"from|am on) (?:a|an|my|another|the) (?:[\w-]+ ){0,2}?(?:shift|double) (?:at|in) "
            r"(?P<obj>(?:the |a |an )?[\w' -]+?)$",
            "the user works shifts at {obj}",
            _F,
        ),
        (
            r"^I am (?P<obj>(?:fluent|conversational|native|bilingual|proficient|a native speaker)"
            r"(?: in .+)?)$",
            "the user is {obj}",
            _F,
        ),
        (r"^I work (?!out\b)(?P<obj>.+)", "the user works {obj}", _F),
        (
            r"^I am in (?P<obj>(?:my |the )?(?:first|second|third|fourth|final|last|\d+\w*) "
            r"year (?:of|at) .+|(?:college|university|high school|grad school|med school|"
            r"law school|uni)\b.*)",
            "the user is in {obj}",
            _F,
        ),
        (
            r"^I am (?:currently |now )?(?:doing|taking|studying for|working on|enrolled in) "
            r"(?P<obj>(?:a |an |my )?(?:[\w'-]+ )?(?:phd|ph\.d|doctorate|masters?|master's|"
            r"degree|bachelor'?s?|mba|course|bootcamp|internship|apprenticeship|residency|"
            r"diploma|thesis|gcses?|a-?levels?|highers|exams|finals|ib)\b.*)",
            "the user is doing {obj}",
            _F,
        ),
        # ---- age, birth, status, health
        (r"^I was born (?P<prep>in|on) (?P<obj>.+)", "the user was born {prep} {obj}", _F),
        (
            r"^I am (?P<age>\d{1,3})(?: years old| years of age| yo| y/o)?"
            r"(?:$|(?=,| and\b| but\b))",
            "the user is {age} years old",
            _F,
        ),
        (r"^I (?:just |recently )?turned (?P<age>\d{1,3})\b", "the user is {age} years old", _F),
        # "just had my birthday, 30 now": a bare age said as a change
        (
            r"^(?P<age>\d{1,3})(?: years old| yo)? (?:now|as of (?:today|this week))$",
            "the user is {age} years old",
            _F,
        ),
        (
            rf"^I am (?P<neg>not |no longer )?(?P<obj>{_STATUS})\b(?P<rest>.*)",
            "the user is {neg}{obj}{rest}",
            _F,
        ),
        (
            r"^I (?:just |recently )?got (?P<obj>married|engaged|divorced)\b(?P<rest>.*)",
            "the user got {obj}{rest}",
            _F,
        ),
        (
            rf"^I (?P<be>am|have been) (?P<neg>not |no longer )?(?:a |an )?(?P<obj>{_CONDITIONS})"
            r"\b(?P<rest>.*)",
            "the user {be} {neg}{obj}{rest}",
            _F,
        ),
        # "got diagnosed with type 1 diabetes at 30 which is ...": the condition, not the aside
        (
            r"^I (?:have |had |just |recently |finally )*(?:got|was|been|have been) "
            r"(?:officially |finally |just )?diagnosed with (?P<obj>.+?)(?:,? (?:which|and|but) "
            r".*)?$",
            "the user was diagnosed with {obj}",
            _F,
        ),
        # "since my gallbladder surgery in the autumn": an operation the user had
        (
            r"^(?:since |after |before )?my (?P<obj>(?:[\w-]+ ){0,3}?(?:surgery|operation|op|"
            r"transplant|replacement|bypass|c-section|caesarean|mastectomy|hysterectomy|"
            r"vasectomy|amputation))(?P<rest>(?: (?:in|last|this|a|two|three|\d)\b.*)?)$",
            "the user had {obj}{rest}",
            _F,
        ),
        # "it is my first time fasting (since ...)": something the user does now, for the first time
        (
            r"^(?:it is|its|this is) my first (?:time|year) (?P<verb>[a-z]{2,}ing)\b(?P<rest>.*)$",
            "the user is {verb}{rest} for the first time",
            _F,
        ),
        # "just paid off my student loan": a debt the user had
        (
            r"^(?:I )?(?:have )?(?:just |finally |recently )?(?:paid off|cleared|repaid) "
            r"(?P<obj>(?:my|our|the) (?:[\w-]+ ){0,2}?(?:loan|mortgage|debt|credit card|overdraft|"
            r"car|student loan|finance)s?\b.*)$",
            "the user paid off {obj}",
            _F,
        ),
        # "BSL is my first language"
        (
            r"^(?P<obj>[\w'-]+(?: [\w'-]+)?) (?P<be>is|are) my (?P<kind>(?:first|native|main|"
            r"second|home|mother) (?:language|tongue)s?)$",
            "the user's {kind} {be} {obj}",
            _F,
        ),
        # ---- "my ..." : the user's attributes, family and pets
        (
            rf"^my (?!{_THIRD_PARTIES})(?P<subj>[\w' -]{{1,40}}?)(?:'s name| name) is (?P<obj>.+)",
            "the user's {subj} is called {obj}",
            _F,
        ),
        (
            rf"^my (?!{_THIRD_PARTIES})(?P<subj>[\w' -]{{1,40}}?) (?P<be>is|are) (?:called|named) "
            r"(?P<obj>.+)",
            "the user's {subj} {be} called {obj}",
            _F,
        ),
        (
            rf"^my (?!{_TRANSIENT}|{_THIRD_PARTIES})(?P<subj>[\w' -]{{1,40}}?) "
            r"(?P<be>is|are|was|were|has been|"
            r"have been) (?P<obj>.+)",
            "the user's {subj} {be} {obj}",
            _F,
        ),
        (
            rf"^my (?P<subj>(?:[\w-]+ ){{0,2}}?(?:{_RELATIONS})) "
            r"(?P<obj>(?!and\b|or\b|is\b|are\b|was\b|were\b|will\b|would\b|could\b|"
            r"might\b|should\b|can\b|may\b|must\b|"
            # opinions and speech are about the relative's view, not a fact
            r"thinks?\b|thought\b|says?\b|said\b|believes?\b|reckons?\b|feels?\b|told\b|"
            r"suggested\b|suggests\b|wants?\b|wanted\b|asked\b|asks\b|keeps\b|hopes?\b|"
            r"wishes\b|wonders\b)(?:[\w-]+ .+|passed away|passed|died|retired)$)",
            "the user's {subj} {obj}",
            _F,
        ),
        # ---- possessions and other facts
        (
            r"^I (?:have )?(?:just |recently |finally )?(?:sold|got rid of|gave away|"
            r"given away|donated|scrapped) (?:my|our) (?!(?:" + _RELATIONS + r")\b)"
            r"(?P<obj>[\w -]+?)(?: (?:last|this) \w+| yesterday| recently| a while ago)?$",
            "the user no longer has a {obj}",
            _F,
        ),
        (
            r"^I (?:have )?(?:just |recently |finally )?(?:quit|left) (?:my job (?:at|with) |"
            r"my job as |working (?:at|for) |the )(?P<obj>.+)",
            "the user no longer works at {obj}",
            _F,
        ),
        (
            r"^I am (?:on|using|running|working on) (?P<obj>(?:a|an) (?=[\w -]*(?:\d|(?-i:[A-Z])))"
            r"[\w' .-]+)$",
            "the user uses {obj}",
            _F,
        ),
        (
            r"^I am (?:trying to get|getting|starting to get|easing) (?P<back>back )?into "
            r"(?P<obj>.+)",
            "the user is getting {back}into {obj}",
            _F,
        ),
        (
            r"^I am (?:starting|beginning|about to start) (?P<obj>(?:a |an |my )?(?:new )?"
            r"(?:job|role|position|internship|apprenticeship|course|degree)\b.*)",
            "the user is starting {obj}",
            _F,
        ),
        (
            r"^I (?:do|did) not (?P<verb>have|own|speak|drive|know|play|work|live|rent|ride)\b "
            r"(?P<obj>.+)",
            "the user does not {verb} {obj}",
            _F,
        ),
        (
            r"^I have no (?!idea\b|clue\b|problem\b|time\b|questions?\b|doubt\b)(?P<obj>.+)",
            "the user has no {obj}",
            _F,
        ),
        (rf"^I have (?!{_HAVE_EXCLUDED})(?P<obj>.+)", "the user has {obj}", _F),
        (
            r"^I am (?P<neg>not |no longer )?(?P<art>a|an) (?!bit\b|little\b|lot\b|mess\b)"
            r"(?P<obj>.+)",
            "the user is {neg}{art} {obj}",
            _F,
        ),
        (
            rf"^I am (?!{_ING_EXCLUDED})(?P<verb>\w+ing) (?P<obj>.+)",
            "the user is {verb} {obj}",
            _F,
        ),
        (rf"^I {_ADVERBS}(?P<verb>{_FACT_VERBS}) (?P<obj>.+)", "the user {verb3} {obj}", _F),
        (
            rf"^I {_ADVERBS}(?:recently )?(?P<verb>grew up|graduated|studied|worked|lived|"
            r"used to|adopted|bought|joined|started (?=an? |my |working |at |as )|landed|"
            r"accepted|"
            r"retired|got (?=an? |my |two |three |\d))\s?(?P<opt>.*)",
            "the user {verb} {opt}",
            _F,
        ),
    ]
)

# Any other present-tense "I <verb> ..." is a lasting fact ("I overpronate a bit"), unless
# the verb is about the moment, the mind or the past, or it is a request or a wish.
_NOT_LASTING_VERBS = (
    r"need|want|wanna|gotta|think|guess|hope|wish|wonder|mean|feel|see|know|believe|suppose|"
    r"reckon|bet|agree|disagree|understand|remember|forget|assume|promise|apologi[sz]e|"
    r"appreciate|care|mind|doubt|suspect|expect|plan|intend|try|look|ask|wait|love|like|hate|"
    r"prefer|enjoy|just|also|really|only|still|actually|probably|basically|literally|"
    r"definitely|mostly|even|totally|kinda|sort|kind|am|have|do|did|does|was|were|will|would|"
    r"could|should|might|must|can|may|shall|had|got|get|went|go|came|come|saw|made|make|took|"
    r"take|told|tell|said|say|thought|found|find|left|lost|bought|brought|caught|felt|heard|"
    r"kept|knew|met|paid|ran|sent|sold|spent|stood|taught|understood|won|wrote|woke|broke|"
    r"chose|drove|ate|drank|forgot|gave|give|began|sang|swam|flew|fell|grew|hid|held|hurt|"
    r"let|put|quit|read|set|shut|slept|spoke|stole|threw|wore|sat|became|dunno|gotcha|"
    r"meant|no|not|am|keep|let|call|hear|check|help|owe|bring|send|show|use|start|stop|"
    r"finish|miss|lose|win|pay|buy|sell|guess|figure|realize|realise|noticed?|suggest|"
    r"recommend|wonder|cannot|sometimes|occasionally|rarely|seldom|once|swear|suck|gonna|"
    r"sorta|honestly|seriously|personally|apparently|hardly|barely|almost|already|then|"
    r"now|currently|usually|normally|always|never|often|ever|typically|regularly|generally"
)
_GENERIC_FACT = re.compile(
    rf"^I (?!(?:{_NOT_LASTING_VERBS})\b)(?P<verb>[a-z]{{3,}})(?<!ed)(?<!ing)(?<!ly) "
    r"(?P<opt>[\w' -][\w' ,-]*)$"
)

_BE = {"am": "is", "have been": "has been", "has to be": "is", "has always been": "has always been"}


def _apply_rules(clause: str) -> tuple[str, frozenset[str]] | None:
    """Rewrite a first-person clause with the first matching rule: (text, strategies)."""
    for rule in _RULES:
        match = rule.pattern.match(clause)
        if match is None:
            continue
        values = {k: v or "" for k, v in match.groupdict().items()}
        if "obj" in values and (not values["obj"].strip() or _PRONOUN_OBJECT.match(values["obj"])):
            return None
        if rule.targets == _P and _PRONOUN_OBJECT.match(values.get("opt", "")):
            return None  # "i mostly read them on my phone": about something said before
        for key in ("obj", "opt", "rest"):
            if key in values:
                values[key] = _third_person_object(values[key])
                if len(values[key]) > 300:
                    return None
        if values.get("rest"):
            values["rest"] = " " + values["rest"]
        for key in (
            "diet",
            "kind",
            "adv",
            "verb",
            "prep",
            "be",
            "neg",
            "art",
            "when",
            "neg2",
        ):
            if key in values:
                values[key] = values[key].lower()
        if "verb" in values:
            values["verb3"] = _third_person_verb(values["verb"])
        if "be" in values:
            values["be"] = _BE.get(values["be"], values["be"])
        if "prep" in values:
            values["prep2"] = "as" if values["prep"] == "as" else "at"
        if "neg2" in values:
            neg = values["neg2"]
            values["negverb"] = (
                f"never {values['verb3']}"
                if neg == "never"
                else f"cannot {values['verb']}"
                if neg.startswith("can")
                else f"does not {values['verb']}"
            )
        return _sentence(rule.template.format(**values)), rule.targets
    match = _GENERIC_FACT.match(clause)
    if match and not _PRONOUN_OBJECT.match(match.group("opt")):
        opt = _third_person_object(match.group("opt"))
        return _sentence(f"the user {_third_person_verb(match.group('verb'))} {opt}"), _F
    return None


_MOMENTARY = re.compile(
    r"\b(?:today|tonight|right now|this (?:morning|afternoon|evening)|running late)\b"
    # a booking or errand at a clock time ("booked the vet for 6pm") is not long-term memory
    r"|\b(?:at|for|by) \d{1,2}(?:[:.]\d\d)? ?(?:am|pm)\b",
    re.I,
)


# ---------------------------------------------------------------- subjectless clauses

_ADVERB_LEAD = (
    r"(?:(?:just|finally|recently|currently|still|usually|always|never|also|really|honestly|"
    r"totally|mostly|only|kinda|basically|now|often|generally|normally|literally|seriously|"
    r"def|definitely|officially) )*"
)
_PAST_IRREGULAR = (
    r"bought|got|had|went|made|took|left|lost|sold|grew up|became|began|broke|came|found|"
    r"gave|kept|knew|met|ran|spent|taught|wore|wrote|quit|passed|switched|moved"
)
# (imperatives look the same: "use bullet points", "read this", "avoid jargon" are left out)
_BASE_VERBS = (
    rf"love|like|hate|prefer|adore|enjoy|{_WORK_OR_LIVE}|have|own|drive|speak|play|wear|"
    r"study|teach|eat|drink|cannot|can not|do not|never|am|volunteer|cook|bake|"
    r"commute|cycle|swim|sing|paint|knit|rent|earn|manage|run"
)
_NOT_GERUND = (
    r"nothing|something|anything|everything|morning|evening|thing|king|ring|spring|wedding|"
    r"building|ceiling|sibling|pudding|string|wing|ping|bring|sing|ding|clothing|meaning|"
    r"feeling|boring|amazing|interesting|exciting|during|according|including|"
    r"regarding|thanksgiving|darling|ceiling|evening"
)
# A word that looks like a verb is the subject of the clause when "is"/"are" follows ("rent
# is 850 tho", "work was mad"): no "I" was left out.
_NOUN_SUBJECT = r" (?:is|are|was|were)\b"
# "took 9 years", "cost me 50 quid": what was left out is "it", not "I".
_IT_TOOK = (
    r"(?:took|cost|lasted)(?: (?:me|us))? (?:about |around |roughly |like |nearly |almost |over |"
    r"just |only )?(?:\d|an? |ages\b|forever\b|years\b|months\b|weeks\b|days\b|hours\b)"
)
_SUBJECTLESS_START = re.compile(
    rf"^{_ADVERB_LEAD}(?:(?P<ing>(?!(?:{_NOT_GERUND})\b)[a-z]{{2,}}ing)\b(?! (?:is|are|was|"
    rf"were|makes|sounds|seems|looks)\b)|(?P<past>(?!{_IT_TOOK})(?:{_PAST_IRREGULAR})\b|"
    rf"[a-z]{{3,}}ed\b)(?!{_NOUN_SUBJECT})|(?P<base>(?:{_BASE_VERBS})\b)(?!{_NOUN_SUBJECT})|"
    r"(?P<fan>(?:a |an |such an? |bit of an? )?(?:big|huge|"
    r"massive|total|complete|proper|die-?hard|real) (?:[\w-]+ )?(?:fan|snob|nerd|geek|lover|"
    r"person|addict|junkie|foodie|buff)\b|fan of\b)|(?P<habit>(?:usually|normally|often|mostly|"
    r"generally|tend to|sometimes) [a-z]+\b))",
    re.I,
)


def _restore_subject(clause: str) -> str | None:
    """``clause`` with the "I" a chat message left out put back ("been vegan 6 yrs",
    "flying to lisbon on the 14th", "big fan of board games"); None if it has a subject."""
    match = _SUBJECTLESS_START.match(clause)
    if match is None:
        return None
    if match.group("ing"):
        return f"I am {clause}"
    if match.group("fan"):
        article = "" if re.match(r"^(?:a|an|such|bit)\b", clause, re.I) else "a "
        return f"I am {article}{clause}"
    return f"I {clause}"


# ---------------------------------------------------------------- learned fallback

_MODAL_OR_PAST = frozenset(
    re.findall(
        r"\w+",
        "was had did will would can could should might must may cannot no used got went made "
        "took left lost bought sold grew moved became began broke came felt found gave kept "
        "knew met ran saw spent taught told thought wore wrote",
    )
)
_SUBJECT_VERB = re.compile(
    r"^I (?P<adv>(?:(?:always|usually|normally|often|never|really|also|still|mostly|just|"
    r"generally|typically|sometimes|rarely|only|even|actually|kind of|kinda|totally|"
    r"definitely|basically|absolutely|honestly|truly|pretty much|currently|now|"
    r"regularly|occasionally|barely|hardly|literally|seriously|constantly|[a-z]{3,}ly) )*)"
    r"(?P<verb>[a-z]+)\b(?P<rest>.*)$",
    re.I,
)
_LEADING_ADVERB = re.compile(
    r"^(?P<adv>[a-z]+ly|originally|now|currently|also),? (?=I\b|my\b)", re.I
)


_MY_VERB = re.compile(
    r"^my [\w' -]+? (?:is|are|was|were|has|have|had|does|do|did|will|would|can|cannot|"
    r"lives?|works?|gets?|goes|takes?|loves?|hates?|likes?|gave|got|bought|made|took|set|sent|"
    r"[a-z]{3,}s|[a-z]{3,}ed)\b",
    re.I,
)


def _generic_record(clause: str) -> str | None:
    """A first-person clause in the third person, keeping its words ("I overpronate" ->
    "The user overpronates."); None when the clause has no first-person subject."""
    lead = _LEADING_ADVERB.match(clause)
    adverb = ""
    if lead:
        adverb, clause = lead.group("adv").lower(), clause[lead.end() :]
    if re.match(r"^my\b", clause, re.I):
        if not _MY_VERB.match(clause):  # a noun phrase ("my first electric car"), no statement
            return None
        rest = _third_person_object(clause[2:])
        return _sentence(f"the user's {rest}") if rest else None
    match = _SUBJECT_VERB.match(clause)
    if match is None:
        return None
    adv, verb = match.group("adv").lower(), match.group("verb").lower()
    if verb in {"am", "have", "do"}:
        verb = {"am": "is", "have": "has", "do": "does"}[verb]
    elif verb in _MODAL_OR_PAST or (verb.endswith("ed") and not verb.endswith("eed")):
        pass
    else:
        verb = _third_person_verb(verb)
    rest = _third_person_object(match.group("rest"))
    head = f"{verb} {adverb}" if adverb and verb in {"is", "has", "was"} else f"{adverb} {verb}"
    return _sentence(f"the user {adv}{head.strip()} {rest}")


# Probability the learned model must give a label before its guess is used.
_LEARNED_MIN = 0.6
_LEARNED_TARGETS = {"fact": _F, "preference": _P, "both": _B}


# Something that just happened is rarely worth keeping ("had my birthday last week");
# lasting events have rules of their own ("I adopted a dog last week").
_RECENT = re.compile(
    r"\b(?:yesterday|last (?:night|week|weekend)|the other day|earlier (?:today|this week)|"
    r"just now|a (?:few|couple of) days ago|this (?:week|weekend))\b",
    re.I,
)


# Leaving or giving something up changes an existing record (see the consolidation
# below), it is not a new one ("I left Google", "I stopped eating meat").
_GIVING_UP = re.compile(
    r"^I (?:just |recently |finally |have )?(?:left|quit|sold|gave up|given up|stopped|"
    r"got promoted|got rid of|moved out|switched|changed|cut down|cut out)\b",
    re.I,
)


# "I had to put my foot down", "I ended up calling them": something that happened once
_ONE_TIME = re.compile(
    r"^I (?:(?:just|finally|eventually|even) )?(?:had to|have had to|needed to|ended up|"
    r"managed to|decided to|got to|tried to)\b",
    re.I,
)


# "The user finds them silly.": about something said before, not a lasting fact
_PRONOUN_ONLY = re.compile(r"^The user (?:\w+ ){1,2}(?:them|it|that|this|those|these|one)\b", re.I)


# What the clause model may take for a preference but is none: an event in the past ("she
# never wrote the recipe down"), not knowing ("I do not really know why"), or a
# circumstance ("I cannot just pop over"). Past likes ("I always hated olives") stay.
_NOT_A_TASTE = re.compile(
    r"^I (?:(?:never|just|really|only|also|still|even|actually|always) )*"
    rf"(?!(?:liked|loved|hated|enjoyed|preferred|adored|disliked)\b){_PAST_FORM}"
    r"|^I (?:do not|did not|cannot|can not|never) (?:(?:really|even|quite|fully|always) )*"
    r"(?:know|understand|remember|get|see|think)\b"
    r"|^I (?:cannot|can not) (?:just|simply|easily)\b",
    re.I,
)


def _learned(clause: str) -> tuple[str, frozenset[str]] | None:
    """The clause model's reading of a clause no rule matched: (record, strategies)."""
    model = default_model()
    if (
        model is None
        or _RECENT.search(clause)
        or _GIVING_UP.match(clause)
        or _ONE_TIME.match(clause)
    ):
        return None
    probs = model.predict(clause)
    label = max(probs, key=probs.__getitem__)
    if label == "none" or probs[label] < _LEARNED_MIN:
        return None
    if label == "preference" and _NOT_A_TASTE.match(clause):
        return None
    text = _generic_record(clause)
    if text is None or _PRONOUN_ONLY.match(text):
        return None
    return text, _LEARNED_TARGETS[label]


# Catch-all rules ("my X is Y", "I am X", "I have X", "I <verb> X") read any statement of
# their shape, momentary or not; the clause model vetoes them when it is sure the clause
# holds nothing to keep ("my wifi is acting up", "I have been coughing for three days").
_BROAD_TEMPLATES = frozenset(
    {
        "the user's {subj} {be} {obj}",
        "the user's {subj} {obj}",
        "the user has {obj}",
        "the user is {verb} {obj}",
        "the user {verb} {opt}",
        "the user {verb3} {obj}",
    }
)
_VETO_MIN = 0.9
_CATCH_ALL_FROM = next(
    i for i, rule in enumerate(_RULES) if rule.template == "the user's {subj} {be} {obj}"
)


def _vetoed(clause: str) -> bool:
    """True when a catch-all rule read ``clause`` (which some rule did) and the clause model
    says "none"."""
    if not _broad(clause):
        return False
    model = default_model()
    return model is not None and model.predict(clause)["none"] >= _VETO_MIN


def _broad(clause: str) -> bool:
    """True when the rule that read ``clause`` is one of the catch-alls at the table's end.

    The first rule whose pattern matches is the one :func:`_apply_rules` used; when none
    matches, the generic "I <verb> ..." fallback did.
    """
    for index, rule in enumerate(_RULES):
        if rule.pattern.match(clause):
            return index >= _CATCH_ALL_FROM and rule.template in _BROAD_TEMPLATES
    return True


# A mood or a state of the moment, the user's or anyone's, is no lasting fact ("my daughter
# is quite nervous", "I'm terrified", "my sleep is all over the place", "struggling with
# linear algebra"); traits put with "a" or "of" stay facts ("a nervous flyer", "scared of dogs").
_MOOD_WORDS = (
    r"nervous|terrified|scared|afraid|anxious|worried|stressed(?: out)?|excited|tired|exhausted|"
    r"knackered|shattered|bored|upset|sad|gutted|overwhelmed|confused|lost|stuck|frustrated|"
    r"annoyed|fed up|sick|poorly|unwell|ill|busy|slammed|swamped|panicking|panicked|freaking out|"
    r"struggling|stressing|thrilled|delighted|relieved|desperate|skint|broke|behind|"
    # anger, grief and a body worn out by the day ("she's furious", "my feet are destroyed")
    r"furious|livid|fuming|raging|heartbroken|devastated|grumpy|destroyed|wrecked|killing me|"
    r"aching|sore|in bits|"
    r"all over the place|a (?:bit of a )?(?:mess|wreck|nightmare)|not (?:great|good|ok|okay)"
)
_MOOD = re.compile(
    r"^(?:I am|I have been|I feel|my (?:[\w'-]+ ){1,3}(?:is|are|has been|feels?)|(?:he|she|they) "
    r"(?:is|are|has been)) (?:(?:so|very|really|quite|a (?:bit|little)|pretty|super|totally|"
    r"completely|kind of|kinda|sort of|a little bit|absolutely|literally|just|still|also|"
    rf"always|getting|already) )*(?:{_MOOD_WORDS})(?:$|[ ,](?!of\b))",
    re.I,
)
# One-off arrangements are no lasting fact ("I'm organising the team lunch", "cooking for
# my in-laws on saturday", "hosting the team lunch on friday").
_ONE_OFF = re.compile(
    r"^I am (?:organi[sz]ing|throwing|cooking|making|baking|preparing|planning|doing)"
    r" (?:(?:a|the|our|my|this|some) )?(?:[\w'-]+ ){0,3}?(?:lunch|dinner|party|bbq|barbecue|meal|"
    r"brunch|picnic|meeting|event|quiz|roast|breakfast|buffet|do)\b"
    r"|^I am cooking for\b"
    r"|^I am hosting (?:the|our) (?:team|office|work|school)\b",
    re.I,
)


def _momentary(clause: str) -> bool:
    """True for a mood, a one-off arrangement or a one-off never (:data:`_MOOD`, ...)."""
    return bool(_MOOD.match(clause) or _ONE_OFF.search(clause) or _NEVER_DID.match(clause))


def _read_clause(clause: str) -> tuple[str, frozenset[str]] | None:
    """Rules first (as typed, then with a left-out "I" restored), then the clause model."""
    if _momentary(clause):
        return None
    hit = _apply_rules(clause)
    if hit is not None:
        return None if _vetoed(clause) else hit
    restored = _restore_subject(clause)
    if restored is not None:
        if _momentary(restored):
            return None
        hit = _apply_rules(restored)
        if hit is not None:
            return None if _vetoed(restored) else hit
        return _learned(restored)
    return _learned(clause)


def _statements(text: str) -> list[tuple[str, frozenset[str]]]:
    """Third-person records of one USER message, each with the strategies it belongs to.

    Clauses about the moment ("... today", "right now") are not long-term memory. A
    clause no rule matches is read by the learned clause model (:mod:`.clause_model`).
    """
    hits = [
        hit
        for clause in _clauses(text)
        if not _MOMENTARY.search(clause) and (hit := _read_clause(clause)) is not None
    ]
    said = " ".join(t for t, targets in hits if "SEMANTIC" in targets).lower()
    for match in _BODY.finditer(_expand_contractions(text)):
        adj, part = match.group("adj").lower(), match.group("part").lower()
        if f"{adj} {part}" not in said:  # "they fit my wide feet better"
            plural = part.endswith(("s", "hair", "feet", "teeth"))
            hits.append((_sentence(f"the user has {'' if plural else 'a '}{adj} {part}"), _F))
    return hits


# A lasting trait of the user's body mentioned in passing ("... fit my wide feet better").
_BODY = re.compile(
    r"\bmy (?P<adj>wide|narrow|flat|small|big|large|long|short|sensitive|dry|oily|curly|"
    r"straight|thin|thick|bad|weak|dodgy|wonky|high|low) (?P<part>feet|hands|skin|hair|eyes|"
    r"knees?|back|ankles?|wrists?|arches|hips?|shoulders?|neck|stomach|teeth)\b",
    re.I,
)

# "sorry, the 14th" (the next turn) or "..., no wait, the 5th" (inline): a bare correction
# of the previous statement's value; ``lead`` holds the correction markers.
_FRAGMENT_CORRECTION = re.compile(
    r"^(?P<lead>(?:(?:oh|ah|um+|uh+|hmm+|well|no|nope|ugh|no wait|wait|sorry|oops|whoops|"
    r"actually|technically|correction|typo|my bad|my mistake|I mean|I meant|make that|"
    r"or rather|rather|"
    r"it is|its|it should be|should be|that should be|I should have said|(?:a )?change of plans?|"
    r"(?:quick |small )?update|(?:his|her|its|their) name is|(?:he|she|it) is (?:called|named)|"
    r"(?:it is )?not (?:[\w'-]+ )?[\w'-]+(?=\s*,|\s+but\b)(?:\s+but)?|"
    r"(?:(?:he|she|they) (?:(?:has |have )?just )?(?:turned|is turning|are turning|turns|"
    r"turn|is|are)|(?:he|she)s(?: turning)?)(?= \d))\b"
    r"[\s,:;!.-]*)*)"
    r"(?P<value>[\w' -]{1,40}?)"
    r"(?P<tail>(?:[\s,]+(?:actually|now|instead|then|sorry|lol|haha|tbh|these days|I mean|"
    r"I meant|technically|I guess|I think|apparently|officially|really|my bad|"
    r"(?:as of|since) (?:last|this) (?:week|month|year|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday)|(?:as of|since) (?:yesterday|today)))*)"
    r"[\s.!]*(?:$|[,;:.!]\s*(?P<rest>\S.*)$|\s+[-\u2013\u2014]+\s+(?P<rest2>\S.*)$)",
    re.I,
)
# Where a correction starts inside a message ("on the 3rd, no wait, the 5th").
_INLINE_MARKER = re.compile(
    r"(?:,\s*|\s+)(?=(?:no wait|wait no|oops|whoops|or rather|I mean|I meant|make that|"
    r"my bad)\b)|(?:,|[.!])\s*(?=(?:sorry|wait|oops|no wait)\s*,)|"
    r",\s*(?=(?:wait|sorry|oops)\s+(?:\d|(?-i:[A-Z])))|"
    r"(?:,|\s+[-\u2013\u2014]+)\s*(?=(?:oh|ah|um+|uh+) (?:no )?wait\b)|"
    r"(?:\.{2,}|\u2026|,|\s+[-\u2013\u2014]+)\s*(?=well\b)",
    re.I,
)
# "..., well technically Geelong now": "well" corrects only with "technically" or "now"
_WELL_CORRECTS = re.compile(
    r"^well\b,?[^,.;!?]*?\b(?:technically|actually|really|now)\b|^well\b[\s,]*more like\b", re.I
)
_NOT_A_VALUE = re.compile(
    r"^(?:I|my|me|we|our|you|your|it|that|this|they|he|she|his|her|its|there|what|how|why|who|"
    r"ok|okay|"
    r"thanks|thank you|no worries|never mind|nevermind|np)\b",
    re.I,
)
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_LEVEL = (
    r"(?:junior|mid[- ]level|mid|senior|lead|principal|staff|chief|head|trainee|intern|"
    r"assistant|associate|entry[- ]level)"
)
# A name, maybe with a model number ("Sam", "New York", "Pixel 6"), not a weekday or month.
_NAME = (
    r"(?!(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
    r"april|may|june|july|august|september|october|november|december)\b)"
    r"(?-i:[A-Z])[\w'-]*(?: (?:(?-i:[A-Z])[\w'-]*|\d[\w.]*))*"
)
# The plain value at the end of a record: "... is blue", "... allergic to peanuts".
_PLAIN_VALUE = re.compile(
    r"^(?P<keep>The user(?:'s [\w' -]+?)? .*\b(?:is|are|to|of|prefers|called|named))"
    r" (?P<old>[a-zA-Z]+(?: [a-z]+){0,2})$"
)
# Words that show a message is about the chat, not a value ("oops, wrong chat").
_META = re.compile(
    r"\b(?:wrong|chat|window|thread|message|typo|joke|kidding|mistake|mind|nothing|whatever|"
    r"thanks|anyway|ignore|nvm|lol|haha|fine|good|great|cool|okay|ok|yes|yeah|no|nope)\b"
)
_DATE_WORD = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
    r"april|may|june|july|august|september|october|november|december)"
)


# A day of a month: "may 13th", "13 may", "the 13th of May".
_DAY_OF_MONTH = re.compile(
    rf"\b(?:{_DATE_WORD} (?:the )?\d{{1,2}}(?:st|nd|rd|th)?|"
    rf"(?:the )?\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_DATE_WORD})\b",
    re.I,
)


_STRONG_MARKER = re.compile(
    r"\b(?:sorry|oops|whoops|typo|I mean|I meant|correction|make that|or rather|no wait|wait|"
    r"my bad|my mistake|should be|should have said|not|actually|change of plans?|update)\b",
    re.I,
)


# "3 actually lol how did i forget": chatter ends the fragment when a new sentence follows
_CHATTER_BREAK = re.compile(
    r"\b(?P<w>lol|lmao|haha+|tbh|oops)\s+(?=(?:how|what|why|when|where|who|which|can|could|"
    r"should|do|does|did|I|we|my|our|so|but|anyway)\b)",
    re.I,
)
# "it's just prawns": the narrowed value is the value ("prawns")
_ONLY = re.compile(r"^(?:just|only|simply)\s+(?=\S)", re.I)


def _fragment(text: str) -> tuple[str, str, bool] | None:
    """(value, rest, strong) of a message that opens with a bare correction, else None.

    "oops, typo, it's Sian" -> ("Sian", "", True); "well, mid-level now, got promoted" ->
    ("mid-level", "got promoted", False). A marker before or "now"/"actually" after the
    value is required, and the value must not be a clause of its own ("sorry, I live in
    Porto"); ``strong`` says the marker is an unmistakable correction ("sorry", "oops").
    """
    said = _expand_contractions(_strip_symbols(text)).strip()
    said = _CHATTER_BREAK.sub(lambda m: f"{m.group('w')}, ", said)
    match = _FRAGMENT_CORRECTION.match(said)
    # "sorry, Chicago?" asks; a question after the correction ("..., how much?") does not
    if match is None:
        return None
    after = "rest" if match.group("rest") else "rest2" if match.group("rest2") else None
    if "?" in said[: match.start(after) if after else None]:
        return None
    value = _ONLY.sub("", match.group("value").strip(" -'"))
    if not value or _NOT_A_VALUE.match(value) or not (match.group("lead") or match.group("tail")):
        return None
    rest = (match.group("rest") or match.group("rest2") or "").strip()
    strong = bool(_STRONG_MARKER.search(f"{match.group('lead')} {match.group('tail')}"))
    return value, rest, strong


def _singular(noun: str) -> str:
    noun = noun.lower()
    if noun in {"children", "kids"}:
        return "kid" if noun == "kids" else "child"
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def _corrected(previous: str, value: str, *, strict: bool = False) -> str | None:
    """``previous`` with its value of the same shape replaced by ``value``, if one is found.

    "on the 12th" + "the 14th" -> "on the 14th"; "to Boston" + "Denver" -> "to Denver";
    "a Pixel 6" + "Pixel 7" -> "a Pixel 7"; "two dogs" + "three dogs" -> "three dogs";
    "a junior dev" + "mid-level" -> "a mid-level dev". ``strict`` (a correction inside a
    sentence) accepts only values with a capital, a digit, a count or a level.
    """
    body = previous.rstrip(".")
    words = value.split()
    head = words[0].lower()
    count = re.fullmatch(rf"(?:\d+|{_NUMBER_WORD}) (?P<noun>[a-z]+)", value, re.I)
    date = _DAY_OF_MONTH
    dates = list(date.finditer(body))
    day = re.fullmatch(r"(?:the )?(?P<d>\d{1,2}(?:st|nd|rd|th))", value, re.I)
    if day and dates:  # "the 13th" for "may 3rd": the day of the date said
        old = re.search(r"\d{1,2}(?:st|nd|rd|th)?", dates[-1].group(0))
        if old is None:
            return None
        at = dates[-1].start() + old.start()
        return _sentence(body[:at] + day.group("d") + body[at + len(old.group(0)) :])
    if date.fullmatch(value):  # "may 13th" for "may 3rd", "the 13th of May" for "3 May"
        pattern = date.pattern
    elif count:  # "three dogs": the count of the same thing
        noun = re.escape(_singular(count.group("noun")))
        pattern = rf"\b(?:\d+|{_NUMBER_WORD}|an?) {noun}(?:s|es|ren)?\b"
    elif re.fullmatch(rf"{_LEVEL}", value, re.I):
        pattern = rf"\b{_LEVEL}\b"
    elif head in {"the", "on", "in", "at", "to", "for", "from", "a", "an", "with", "by"}:
        if strict and not re.search(r"[A-Z0-9]", value[len(head) :]):
            return None
        if value[len(head) + 1 : len(head) + 2].isupper():  # "a Toyota" for "a Honda Civic"
            pattern = rf"(?<!^)\b{head} {_NAME}"
        else:
            pattern = rf"(?<!^)\b{head} [\w'-]+(?: [\w'-]+){{0,{max(len(words) - 2, 0)}}}"
    elif re.fullmatch(r"[a-z]+ \d+", value, re.I) and head not in _NUMBERS:
        # "year 5" for "year 4", "room 12" for "room 9": the same word, a new number
        pattern = rf"\b{re.escape(head)} \d+\b"
    elif re.fullmatch(r"\d+(?:st|nd|rd|th)?|\d+(?:[.,:]\d+)?", value):
        pattern = r"\b\d+(?:st|nd|rd|th)?(?:[.,:]\d+)?\b"
    elif re.fullmatch(_NUMBER_WORD, value, re.I):
        pattern = rf"\b(?:\d+|{_NUMBER_WORD})\b"
    elif re.fullmatch(_DATE_WORD, value, re.I):
        pattern = rf"\b{_DATE_WORD}\b"
    elif value[:1].isupper():
        pattern = rf"(?<!^)\b{_NAME}"
    elif not strict and re.fullmatch(r"[a-z]+(?: [a-z]+){0,2}", value) and not _META.search(value):
        # "is blue" + "green", "allergic to peanuts" + "tree nuts": the plain value at the end
        match = _PLAIN_VALUE.match(body)
        if match is None or match.group("old")[:1].isupper():
            return None
        return _sentence(f"{match.group('keep')} {value}")
    else:
        return None
    matches = list(re.finditer(pattern, body, re.I))
    if not matches:
        return None
    last = matches[-1]
    fixed = body[: last.start()] + _third_person_object(value) + body[last.end() :]
    return _sentence(fixed) if fixed != body else None


# "bella is 4", "the flight is on the 21st, not the 12th": a correction that names what it
# corrects (a name or thing said in the record), not a statement of the user's own
_NAMED_VALUE = re.compile(
    r"^(?:(?:the|my|our|his|her|their) )?(?P<subj>[a-z][\w'-]*(?: [a-z][\w'-]*)?) "
    r"(?:is|are|was|were|will be) (?P<value>[\w' -]+?)"
    r"(?:,?\s+(?:and\s+)?not\s+(?P<old>[\w' -]{1,30}?))?[\s.!]*$",
    re.I,
)
_NOT_A_SUBJECT = frozenset(
    re.findall(r"\w+", "it that this there he she they what which who one name thing plan it s")
)


# "The user's dog is called pepper.": a name that stands for its owner's records ("dog")
_CALLED_RECORD = re.compile(
    r"^The user's (?P<owner>[\w' -]{1,40}?)(?:'s name| name)? (?:is|are) (?:called |named )?"
    r"(?P<name>[\w'-]+)\.?$"
)


def _aliases(name: str, records: Sequence[str]) -> set[str]:
    """Owners that ``name`` stands for in ``records`` ("pepper" -> "The user's dog ")."""
    owners = set()
    for record in records:
        match = _CALLED_RECORD.match(record)
        if match and normalize_text(match.group("name")) == normalize_text(name):
            owners.add(f"The user's {match.group('owner')} ")
    return owners


def _named_correction(value: str, records: Sequence[str]) -> tuple[int, str] | None:
    """(index, corrected text) of the newest of ``records`` naming the subject of ``value``.

    "bella is 4" with "The user's dog bella is 3." -> "The user's dog bella is 4."; a
    value after ", not" must be the one the record holds. A name a record gives ("my dog
    is called pepper") also names its owner's records ("pepper is 3" fixes "The user's dog
    is a 2 year old spaniel."). Only values a correction inside a sentence accepts (a
    capital, a digit, a count) are taken.
    """
    match = _NAMED_VALUE.match(value.strip())
    if match is None or match.group("subj").lower() in _NOT_A_SUBJECT:
        return None
    subject = f" {normalize_text(match.group('subj'))} "
    owners = _aliases(match.group("subj"), records)
    old = match.group("old")
    for i in range(len(records) - 1, -1, -1):
        said = f" {normalize_text(records[i])} "
        if not records[i].startswith("The user"):
            continue
        if subject not in said and not any(records[i].startswith(o) for o in owners):
            continue
        if old and f" {normalize_text(old)} " not in said:
            continue
        fixed = _corrected(records[i], match.group("value"), strict=True)
        if fixed is not None:
            return i, fixed
    return None


# "it's not all shellfish, just prawns": the old value a correction names before its new one
_NOT_NAMED = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:it is |its )?not (?:all |any |the |just |a |an )?"
    r"(?P<old>[\w'-]+(?: [\w'-]+)?)\s*(?:,|\bbut\b)",
    re.I,
)


def _stored_correction(
    value: str, strong: bool, existing: Sequence[ExistingRecord], said: str = ""
) -> tuple[str, str] | None:
    """(corrected text, record id) of the stored record a session's opening correction fixes.

    A correction naming the old value ("it's not all shellfish, just prawns", in ``said``)
    fixes the newest record holding it; an unmistakable marker ("sorry, Pixel 7") the last
    single-valued record; a count ("well, 4 kids now") the stored count of the same thing;
    a named subject ("oops, bella is 4") the newest record naming it.
    """
    named_old = _NOT_NAMED.match(_expand_contractions(_strip_symbols(said)))
    if named_old is not None:
        old = f" {normalize_text(named_old.group('old'))} "
        for record in reversed(existing):
            if (
                not record.text.startswith("The user")
                or old not in f" {normalize_text(record.text)} "
            ):
                continue
            fixed = _corrected(record.text, value)
            if fixed is not None and old not in f" {normalize_text(fixed)} ":
                return fixed, record.record_id
    if strong:
        last = existing[-1]
        fixed = _corrected(last.text, value)
        key = subject_key(last.text)
        if (
            fixed is not None
            and key is not None
            and subject_key(fixed) == key
            # a count takes a count ("make that 3 kids") or a model ("Pixel 7")
            and (
                key[0] != "count"
                or bool(_COUNT_VALUE.search(value))
                or key[1] in normalize_text(value).split()
            )
        ):
            return fixed, last.record_id
    count = re.fullmatch(rf"(?:\d+|{_NUMBER_WORD}) (?P<noun>[a-z]+)", value, re.I)
    if count is not None:
        for record in reversed(existing):
            key = subject_key(record.text)
            if key == ("count", _singular(count.group("noun"))):
                fixed = _corrected(record.text, value)
                if fixed is not None and subject_key(fixed) == key:
                    return fixed, record.record_id
    named = _named_correction(value, [r.text for r in existing]) if strong else None
    return (named[1], existing[named[0]].record_id) if named else None


# "i said 4 before", "I told you Tuesday earlier": the old value named by talk about the
# chat; "I told you wrong before", "I got that wrong": a correction naming none
_SAID_BEFORE = re.compile(
    r"\bI (?:said|told you|wrote|typed|put|gave you|put down) (?!(?:it|that|this|the wrong|"
    r"wrong)\b)(?P<old>[\w'-]+(?: [\w'-]+)?) (?:before|earlier|last time|by mistake|"
    r"yesterday|the other day)\b",
    re.I,
)
_TOLD_WRONG = re.compile(
    r"\bI (?:told you|said (?:it|that)?|typed (?:it|that)?|gave you (?:the )?|got (?:it|that))"
    r"\s*(?:wrong|the wrong (?:age|date|day|name|number|info|information))"
    r"(?: (?:before|earlier|last time|yesterday|the other day))?\b",
    re.I,
)


def _meta_corrected(text: str) -> str:
    """``text`` with talk about what was said before turned into a correction marker.

    "sorry i said 4 before, he's turning 5" -> "sorry not 4, he's turning 5" (the stored
    record holding "4" takes the new value); "oops i told you wrong before, pepper's 3" ->
    "oops sorry, pepper's 3". Never a record of its own ("The user said 4 before.").
    """
    said = _expand_contractions(_strip_symbols(text))
    fixed = _SAID_BEFORE.sub(lambda m: f"not {m.group('old')}", said)
    fixed = _TOLD_WRONG.sub("sorry", fixed)
    return fixed if fixed != said else text


# "conference got pushed to june 3rd", "the wedding has been moved to Saturday": a thing
# the user named before, rescheduled to a new date
_RESCHEDULED = re.compile(
    r"\b(?:the |my |our )?(?P<thing>[a-z][\w'-]*) (?:has |have )?(?:got|gets|has been|have been|"
    r"was|were|is|is being|been)? ?(?:pushed|moved|postponed|rescheduled|brought|put|delayed|"
    r"changed|bumped|shifted)(?: back| forward| up)? (?:to|till|until|for) (?:the )?"
    rf"(?P<when>{_DAY_OF_MONTH.pattern}|{_DATE_WORD}|\d{{1,2}}(?:st|nd|rd|th))\b",
    re.I,
)


def _redated(record: str, when: str) -> str | None:
    """``record`` with its date replaced by ``when``; a weekday or month alone replaces a
    whole day of a month ("on may 12th" + "friday" -> "on friday", not "friday 12th")."""
    whole = list(_DAY_OF_MONTH.finditer(record))
    if whole and re.fullmatch(_DATE_WORD, when, re.I):
        at = whole[-1]
        return _sentence(record.rstrip(".")[: at.start()] + when + record.rstrip(".")[at.end() :])
    return _corrected(record, when, strict=True)


_CLAUSE_VERB = re.compile(
    r"\b(?:is|are|was|were|am|has|have|had|will|would|can|could|do|does|did|says?|said|"
    r"calling|coming|going)\b",
    re.I,
)


def _inline_corrected(text: str) -> list[tuple[str, frozenset[str]]]:
    """Statements of a message with a correction inside it applied ("3rd, no wait, 5th")."""
    said = _expand_contractions(_strip_symbols(text))
    for marker in _INLINE_MARKER.finditer(said):
        after = said[marker.end() :]
        fragment = _fragment(after)
        if fragment is None or not (fragment[2] or _WELL_CORRECTS.match(after)):
            continue
        if _CLAUSE_VERB.search(fragment[0]):  # "..., sorry Mum is calling" is no value
            continue
        if after[:4].lower() == "well" and not _WELL_CORRECTS.match(after):
            continue
        hits = _statements(said[: marker.start()])
        fixed = _corrected(hits[-1][0], fragment[0], strict=True) if hits else None
        if fixed is not None:
            rest = _statements(fragment[1]) if fragment[1] else []
            return [*hits[:-1], (fixed, hits[-1][1]), *rest]
    return _statements(text)


# --------------------------------------------------------------------------- consolidation

_TAILS = re.compile(
    r"(?:\s+(?:any ?more|any longer|now|these days|nowadays|lately|too|as well|a lot|"
    r"so much|very much|again|still|instead|for now|at the moment|currently))+$"
)
_NEG_PREFIX = r"(?:no longer |does not |do not |not |never )?"
_SINGLE_VALUED = (
    (
        re.compile(
            rf"^the user {_NEG_PREFIX}(?:lives|live|resides|is based|moved|has moved|"
            r"has just moved|just moved|relocated|has relocated|is moving|is relocating|is move|"
            r"moves)(?: back(?: home)?| home)? (?:in|to|near|outside|close to|on(?! to| from)|by)\b"
        ),
        ("residence",),
    ),
    # "I'm back in Derby", "got a place in Galway", "renting a studio in Dublin 8": a home
    (
        re.compile(
            r"^the user (?:is (?:now )?back (?:home )?in (?!(?:the|a|my|their|work|school|bed|"
            r"hospital|training|touch|business|action|shape|town)\b)|is (?:now )?living in\b|"
            r"(?:has )?(?:just |finally |recently |now )?(?:got|found|bought|rented) "
            r"(?:a |an |their own )?(?:new )?(?:place|flat|"
            r"house|apartment|home|studio|room) in\b|is renting (?:a |an )?(?:[\w-]+ ){0,2}?"
            r"(?:place|flat|house|apartment|studio|room|bedsit) in\b)"
        ),
        ("residence",),
    ),
    (
        re.compile(
            rf"^the user {_NEG_PREFIX}(?:works|work|is employed)(?: (?:mornings|nights|days|"
            r"evenings|weekends|weekdays|part time|full time|remotely|shifts|nine to five))? "
            r"(?:as|at|for|by)\b"
        ),
        ("job",),
    ),
    (re.compile(r"^the user s (?:job|occupation|profession) is\b"), ("job",)),
    (re.compile(r"^the user (?:started|got|landed|accepted) (?:a )?(?:new )?job\b"), ("job",)),
    # "I'm at a small accounting firm now": a workplace
    (
        re.compile(
            r"^the user is (?:now )?(?:at|with) (?:a |an )?(?:[\w-]+ ){0,3}?(?:firm|company|"
            r"startup|start up|agency|bank|studio|practice|consultancy|fintech|charity|"
            r"nonprofit|council|hospital|clinic|lab)\b"
        ),
        ("job",),
    ),
    # "started as a junior dev at a fintech", "started working at Acme": the new job
    (
        re.compile(
            r"^the user (?:has )?(?:just )?(?:started|began|starts|is starting) "
            r"(?:as|at|working (?:as|at|for))\b"
        ),
        ("job",),
    ),
    (re.compile(r"^the user is (?:not |no longer )?an? [\w -]+? (?:at|for) "), ("job",)),
    (re.compile(r"^the user is from\b"), ("origin",)),
    (re.compile(r"^the user was born\b"), ("birth",)),
    (re.compile(r"^the user is \d+ years old"), ("age",)),
    # one current job: "is a barista" then "is a junior developer now"
    (
        re.compile(
            rf"^the user is (?:not |no longer )?an? (?:[\w-]+ ){{0,3}}?(?:{_OCCUPATIONS})s?$"
        ),
        ("job",),
    ),
    # one current trip or plan: "is flying to Boston" then "is going to Norway instead"
    (
        re.compile(
            r"^the user is (?:planning (?:a |an |their )?(?:trip|holiday|vacation|visit|journey) "
            r"to|going to|heading to|travell?ing to|flying to|driving to)\b"
        ),
        ("trip",),
    ),
    (
        re.compile(
            r"^the user (?:is|has been|became|went|was|has gone|has become|has turned|turned|"
            r"is going|has gone back to|went back to) (?:not |no longer )?(?:a |an )?"
            rf"(?:strict |mostly |fully |full |now |back )?(?:{_DIETS}|veggie)\b"
        ),
        ("diet",),
    ),
    (
        re.compile(
            r"^the user (?:(?:is|got|has been|was) (?:not |no longer )?(?:married|engaged|single|"
            r"divorced|widowed|separated|in a relationship)|(?:has )?(?:just )?(?:broke|broken|"
            r"split) up)\b"
        ),
        ("marital",),
    ),
)
# A relative's one home, job or age: "my son lives in Toronto" / "my son has moved to
# Vancouver" (the same relative and slot; another relative is another slot).
_OWNER_SLOTS = (
    (
        re.compile(
            rf"^the user s (?P<who>(?:{_RELATIONS})) {_NEG_PREFIX}(?:lives|resides|is based|"
            r"moved|has moved|has just moved|just moved|relocated|has relocated|is now living) "
            r"(?:in|to|near|outside|close to|on|by)\b"
        ),
        "residence",
    ),
    (
        re.compile(
            rf"^the user s (?P<who>(?:{_RELATIONS})) (?:{_NEG_PREFIX}(?:works|is working) "
            r"(?:as|at|for)|(?:has )?(?:just )?(?:got a (?:new )?job |started (?:working )?)"
            r"(?:as|at|with|for))\b"
        ),
        "job",
    ),
    (
        re.compile(rf"^the user s (?P<who>(?:{_RELATIONS})) (?:is|just turned|turned) \d+\b"),
        "age",
    ),
)
# The one phone, laptop or car the user has: "has an iPhone 11" / "upgraded, it's a Pixel 8
# now" / "got a new phone" (brands and models name the kind of thing).
_DEVICE_KINDS = {
    "phone": r"phone|iphone|pixel|galaxy|samsung|oneplus|nokia|motorola|moto|xiaomi|huawei|"
    r"android|smartphone",
    "laptop": r"laptop|macbook|mac(?! (?:and|n) cheese)|thinkpad|chromebook|xps|zenbook|ideapad",
    "car": r"car|toyota|honda|ford|tesla|bmw|audi|volkswagen|vw|nissan|hyundai|kia|mazda|"
    r"subaru|volvo|mercedes|prius|corolla",
}
_DEVICE_WORD = re.compile(
    r"\b(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _DEVICE_KINDS.items()) + r")\b"
    r"(?! (?:call|calls|number|bill|case|charger|plan|contract|insurance|wash|park|seat|"
    r"screen|battery|ride|trip|rental|loan|payment)\b)"
)
_DEVICE_RECORD = re.compile(
    r"^the user (?:(?:just|finally|recently|now|also|still|currently|has|have) )*"
    r"(?:has|got|bought|upgraded|switched|uses|drives|owns|gets|picked up|is using|is driving|"
    r"is on)\b"
)
# "The user is in Glasgow now", "is based in Leeds": where the user lives (a capital names
# the place, "is in year 5" or "is in pain" are not places; a bare "is in Paris" may be a
# trip, so it takes "now" or "based", "living", "settled")
_PLACE_NAME = (
    r"in (?!(?:Year|Grade|January|February|March|April|May|June|July|August|September|"
    r"October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
    r"(?-i:[A-Z])[\w'-]*(?: (?-i:[A-Z])[\w'-]*)*"
)
_IN_PLACE = re.compile(
    rf"^The user is (?:(?:now |currently )?(?:living|based|settled) {_PLACE_NAME}"
    rf"(?: now| these days| nowadays| currently)?|(?:now |currently )?{_PLACE_NAME}"
    rf"(?: now| these days| nowadays| currently)|(?:now|currently) {_PLACE_NAME})\.?$"
)
_RESTRICTION_KEY = re.compile(
    rf"^the user (?:is|has been|was) (?:not |no longer )?(?:a |an )?(?P<r>{_RESTRICTIONS})\b"
)
# Attributes that hold one value at a time ("my dog is called Rex", "my favourite X is Y").
_ATTRIBUTE = re.compile(
    r"^the user s (?P<subj>[\w' -]{1,40}?)(?: s name| name)? (?:is|are) (?P<called>called |named )?"
)
_SINGLE_ATTRIBUTES = re.compile(
    r"(?:^|\s)(?:name|names|favou?rite|birthday|job|occupation|profession|email|phone number|"
    r"address|age|height|weight|nationality|hometown|zodiac sign|star sign|pronouns|"
    r"timezone|time zone|car|budget|salary|goal|phone|laptop|computer|tablet|employer|"
    r"school|university|uni|shift|shifts|religion|year|grade|level)(?:\s|$)"
)
_SENTIMENT = re.compile(
    r"^the user (?:likes|loves|enjoys|adores|dislikes|hates|avoids|does not like|"
    r"does not enjoy|does not love|no longer likes|no longer loves|no longer enjoys) (?P<obj>.+)"
)
_HABIT = re.compile(
    rf"^the user {_NEG_PREFIX}(?:cannot )?(?:always |usually |normally |often |typically |"
    r"mostly |generally |regularly )?(?P<verb>eats?|drinks?|smokes?|cooks?|wears?|"
    r"watch(?:es)?|takes?|listens? to|bakes?|reads?|orders?)\b ?(?P<obj>.*)"
)
_PREFERS = re.compile(r"^the user (?:prefers|would rather) (?P<obj>.+)")
_COUNT = re.compile(
    r"^the user (?:no longer has|does not have|has) "
    r"(?:no|a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+) "
    r"(?P<noun>[a-z]+)\b(?! of\b)"
)
_INSTRUCTION = re.compile(r"^the user wants the assistant to (?:always |never )?(?P<verb>\w+)")
_PHRASE_BREAK = re.compile(r"\b(?:over|to|when|on|for|in|at|because|rather|instead|than)\b")

# A message that changes or corrects what the user said before (a bare "now" is too weak:
# "I'm a nurse now" is left to the known slots, "from now on" is an instruction).
_CHANGE_MARKER = re.compile(
    r"\b(?:actually|update|updated|sorry|no wait|oops|whoops|typo|correction|changed my mind|"
    r"changing my mind|"
    r"change of (?:plans?|heart)|on second thought|scratch that|instead|these days|"
    r"nowadays|any ?more|any longer|no longer|switched|not any more|not anymore)\b",
    re.I,
)
# "changed my mind, The Bear is my favourite now": the marker is not part of the statement
_CHANGE_LEAD = re.compile(
    r"^\s*(?:(?:ok|okay|so|right|actually|hmm+)[\s,]+)?(?:I (?:have |am )?|I've |Im |I'm )?"
    r"(?:changed my mind|changing my mind|change of heart|on second thought|"
    r"scratch that)[\s,:;.!-]+",
    re.I,
)
# "I actually live in Leeds", "my cat's name is actually Luna": the marker inside a clause
_INNER_ACTUALLY = re.compile(r"(?<=\w)(?P<before>\s*,)?\s+actually(?P<after>\s*,)?(?=\s+\w)", re.I)


def _without_actually(text: str) -> str:
    """``text`` without an inner "actually"; a comma after it still ends the clause
    ("it's just prawns actually, crab is fine" -> "it's just prawns, crab is fine")."""
    return _INNER_ACTUALLY.sub(
        lambda m: "," if m.group("after") and not m.group("before") else "", text
    )


# "my cat is Luna, not Lulu": the value said before ", not" replaces the old one named after it
_NOT_OLD = re.compile(
    r"^(?P<new>.*?[\w'-]+),?\s+(?:and\s+)?not\s+(?P<old>[\w' -]{1,30}?)[\s.!]*$", re.I
)
# "I left Deloitte", "I quit my job at Acme", "I sold my car": what the user no longer has
_LEFT = re.compile(
    r"\bI (?:have )?(?:just |recently |finally )?(?:left|quit|sold|gave up|given up|"
    r"moved away from|moved out of|stopped working (?:at|for)) (?:my (?:job|position|role) "
    r"(?:at|with) )?(?P<x>(?-i:[A-Z])[\w&'-]*(?: (?-i:[A-Z])[\w&'-]*)*)",
    re.I,
)
_ORDINAL = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_ADDED = re.compile(
    r"^the user (?:adopted|got|bought|has|had|welcomed|rescued) (?:just )?(?:a |an |their )?"
    rf"(?P<n>{'|'.join(_ORDINAL)}|another) (?P<noun>[a-z]+)$"
)
_COUNT_VALUE = re.compile(rf"\b(?P<n>\d+|{_NUMBER_WORD}|an?) (?P<noun>[a-z]+)\b")
_NUMBERS = {
    w: n
    for n, w in enumerate(re.findall(r"\w+", "one two three four five six seven eight nine ten"), 1)
}
_NUMBERS["an"] = _NUMBERS["a"] = 1
# "so it's three dogs now", "well, 4 kids now, ...": a new count of something already counted
_RECOUNT = re.compile(
    r"\b(?:it is|that is|that makes(?: it)?|makes it|so|now(?: I have| we have)?) "
    rf"(?P<v>(?:\d+|{_NUMBER_WORD}) [a-z]+)\b|"
    r"^\W*(?:(?:well|oh|ok|okay|actually|update|so)\b\W*)*"
    rf"(?P<w>(?:\d+|{_NUMBER_WORD}) [a-z]+) now\b",
    re.I,
)
# "had my birthday, officially 30 now", "I just turned 30": the user's new age (the
# message must speak of the user's birthday or turning, so "6 to 2 now" is no age and
# "my son turned 6" is the son's)
_AGE_CUE = re.compile(
    r"\b(?:my (?:birthday|bday)|I (?:have )?(?:just )?turned|I am (?:now )?officially)\b", re.I
)
_AGE_NOW = re.compile(
    r"(?:\b(?:officially|finally|now)|\bI (?:have )?(?:just )?turned)\s+(?P<n>\d{1,3})\b"
    r"(?!\s*(?:am|pm|%|:|"
    r"\.\d|k\b|mins?|minutes|hours?|days?|weeks?|months?|kg|lbs?|pounds|miles|km))|"
    r"\b(?P<m>\d{1,3})(?: years old)? now\b",
    re.I,
)
# "switched to green tea", "I switched to Brentford": the new value of what it replaces
_SWITCHED = re.compile(
    r"(?:^|(?<=[,.;:!?\u2013\u2014-])|\b(?:I|and|so|then|but|ok|okay|actually|now|well|also)\b)"
    r"\s*(?:have )?(?:just |recently |finally |since )?(?:switched|swapped|changed|"
    r"gone over|converted|cut down|cut back|gone down) (?:over )?(?:from [\w' -]{1,30}? )?"
    r"to (?P<x>[\w' -]+?)"
    r"(?=\s*(?:[,.;!?]|$)|\s+(?:lately|now|recently|these days|instead|nowadays|when|because|"
    r"since|as|after|last|this|a while|for)\b)",
    re.I,
)
# "I left Google, I'm at Microsoft now", "left the bakery, I'm doing deliveries for a
# pharmacy now": where the user works after leaving
_NEW_PLACE = re.compile(
    r"\bI am (?:now |currently )?(?:(?P<at>at|with) |working (?P<w>at|for) |"
    r"doing (?P<what>[a-z]+(?: [a-z]+)?) for )"
    r"(?!(?:home|the moment|a loss|it|work|the gym|the office)\b)"
    r"(?P<y>(?:a |an |the )?[\w&'-]+(?: [\w&'-]+){0,4}?)"
    r"(?=\s*(?:[,.;!?]|$)|\s+(?:now|instead|these days|nowadays|full time|part time)\b)",
    re.I,
)
# "switched to Brentford when I moved to west London": the news said with the switch
_SWITCH_WHEN = re.compile(
    r"^\s+(?:when|after|since|once) (?P<clause>I (?:moved|started|got|joined|became|began|"
    r"went|retired|left)\b[^,.;!?]*)",
    re.I,
)
# "we've moved, we're in Cheltenham now": a bare move and where the user now is
_MOVED = re.compile(
    r"\b(?:moved|relocated|moving|relocating|new (?:place|house|flat|home))\b", re.I
)
_BARE_MOVE = re.compile(
    r"^The user (?:has |have )?(?:just |finally |recently |now )?(?:moved|relocated)"
    r"(?: house| home| out| away)?(?: (?:recently|last \w+|this \w+))?\.$"
)
_NOW_IN = re.compile(
    r"\b(?:I am|we are|I have been|we have been) (?:now |currently |finally )?"
    r"(?:(?:living|based|settled) )?(?P<place>"
    + _PLACE_NAME
    + r")(?=\s*(?:[,.;!]|$)|\s+(?:now|these days|nowadays|instead|for good)\b)",
    re.I,
)
# "we moved! now in a little village just outside york": after a move, "now in <place>" is
# where the user lives, lower case or not (not a state: "now in debt", "in pain")
_NOW_IN_PHRASE = re.compile(
    r"(?:^|[,.;:!]\s*|\b(?:and|so)\s+)(?:(?:I am|we are|I have been|we have been)\s+)?"
    r"(?:now|currently) (?:(?:living|based|settled) )?"
    r"(?P<place>in (?!(?:pain|debt|charge|love|trouble|shock|bed|hospital|a rush|a hurry|"
    r"a mess|the process|year|grade|school|college|uni|therapy|recovery|labou?r)\b)"
    r"[\w' -]{2,60}?)(?=\s*(?:[,.;!?]|$))",
    re.I,
)
# "my sister moved last year": a relative's bare move, left to the place said with it
_BARE_OWNER_MOVE = re.compile(
    rf"^The user's (?P<who>{_RELATIONS}) (?:has |have )?(?:just |finally |recently )?"
    r"(?:moved|relocated)(?: house| home| out| away)?(?: (?:recently|last \w+|this \w+|"
    r"a (?:few|couple of) \w+ ago|\w+ (?:years?|months?|weeks?) ago))?\.$"
)
# "actually you can go back to English": an instruction's language (or units) changes
_INSTRUCTION_KINDS = (
    r"english|french|spanish|german|italian|portuguese|dutch|japanese|chinese|mandarin|"
    r"cantonese|korean|arabic|hindi|russian|polish|welsh|irish|swedish|norwegian|danish|"
    r"finnish|greek|turkish|hebrew|ukrainian|czech|vietnamese|thai|indonesian",
    r"metric|imperial",
    r"celsius|fahrenheit",
)
_BACK_TO = re.compile(
    r"\b(?:go back to|going back to|switch(?: back)? to|change(?: back)? to|stick to|"
    r"use|reply in|answer in|respond in|write in|talk in|speak|only) "
    r"(?:(?:replying|answering|responding|writing|talking|speaking) )?(?:in )?(?P<x>[a-z]+)\b",
    re.I,
)
# How long the assistant's answers should be: "keep answers short" / "give me the detailed
# versions" hold one instruction, the newer length wins
_LENGTHS = {
    "short": r"short|shorter|brief|briefer|concise|to the point|quick|snappy|one line",
    "detailed": r"detailed|longer|long|in depth|in-depth|thorough|fuller|full|comprehensive|"
    r"more detail|more in depth",
}
_LENGTH_ASKED = re.compile(
    r"(?:^|[,.;:!?]\s*|\b(?:pls|please|plz|can you|could you|you can|just|and)\s+)"
    r"(?:give me|gimme|write|make (?:them|it|your answers|the answers)|be|go|keep (?:them|it|"
    r"your answers|the answers|answers))(?: (?:the|your|more|a bit|bit|much|really))*"
    r" (?P<len>" + "|".join(f"(?P<{k}>{v})" for k, v in _LENGTHS.items()) + r")\b",
    re.I,
)
_LENGTH_RECORD = re.compile(
    r"\b(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _LENGTHS.items()) + r")\b", re.I
)
# Changes announced in shapes the rule table does not read; each gives the record of the
# new state, which replaces the record it makes untrue.
# "we broke up", "I split up with my boyfriend": the relationship ended
_BROKE_UP = re.compile(
    r"\b(?:I|we) (?:have |had )?(?:just |finally |recently |officially )?(?:broke|broken|split)"
    r" up\b(?: with (?:my |him|her)(?P<who>boyfriend|girlfriend|partner|husband|wife|"
    r"fianc[eé]e?)?)?",
    re.I,
)
# "we had to put luna down", "rex died last week", "lost our cat bella": a pet or a person
# the user named before is gone
_DIED = re.compile(
    r"\b(?:I|we) (?:have |had )?(?:had to |have had to )?(?:put|lost) (?P<x>(?:(?:my|our) )?"
    r"[a-z][\w'-]*(?: [a-z][\w'-]*)?) (?P<how>down|to sleep)\b(?P<tail>[^,.;!?]*)|"
    r"\b(?:I|we) (?:have )?(?:just )?lost (?P<y>(?:my|our) [a-z][\w'-]*(?: [a-z][\w'-]*)?)"
    r"(?P<tail2>(?: (?:last|this|yesterday|on) [\w ]*)?)(?=\s*[,.;!?]|$)|"
    r"\b(?P<z>(?:my |our )?[a-z][\w'-]*) (?:has )?(?:died|passed away|passed|was put down|"
    r"was put to sleep|crossed the rainbow bridge)\b(?P<tail3>[^,.;!?]*)",
    re.I,
)
_BROKE_UP_RECORD = re.compile(r"^The user (?:\w+ )?(?:breaks|splits|broke|split) up\b")
# "baby number 3 arrived tuesday", "our second baby was born": one more child
_BABY = re.compile(
    rf"\b(?:baby (?:number|no|#) ?(?P<n>\d+|{_NUMBER_WORD})|(?:our|my) (?P<ord>"
    rf"{'|'.join(_ORDINAL)}) (?:baby|child|kid)|(?:our|my|the) (?:new )?baby) "
    r"(?:has )?(?:finally )?(?:arrived|was born|is here|came)\b",
    re.I,
)
_BABY_RECORD = re.compile(r"^The user's [\w ]*\bbaby\b.*\b(?:born|arrived|is here|came)\b")
# "a little girl, ruby", "a boy called Sam": the new baby's name
_BABY_NAME = re.compile(
    r"\b(?:a|our|my) (?:little |beautiful |healthy |baby |gorgeous )*(?P<sex>girl|boy|daughter|"
    r"son)\b(?:,\s*|\s+(?:called|named)\s+)(?P<name>(?!(?:and|but|so|she|he|who|born|"
    r"weighing|at|on|last|this)\b)[a-z][\w'-]+)(?=\s*(?:[,.;!?]|$))",
    re.I,
)
# "I've started eating fish again": a food the user's stored diet rules out
_EATS_AGAIN = re.compile(
    r"\bI (?:have |am )?(?:just |recently |now )?(?:started|start|began|begun|gone back to|"
    r"back to|eating) (?:eating )?(?P<x>fish|seafood|meat|red meat|chicken|pork|beef|dairy|"
    r"eggs|cheese|animal products)(?: again)?\b",
    re.I,
)
_RULED_OUT = {
    "vegan": "fish seafood meat red meat chicken pork beef dairy eggs cheese animal products",
    "vegetarian": "fish seafood meat red meat chicken pork beef",
    "veggie": "fish seafood meat red meat chicken pork beef",
    "plant based": "fish seafood meat red meat chicken pork beef dairy eggs cheese",
    "pescatarian": "meat red meat chicken pork beef",
}
# "guess who got a job as a junior dev", "I landed a job as a nurse": the new job
_GOT_JOB = re.compile(
    r"\b(?:guess who|I|I have|I just|finally|just) (?:just |finally )?(?:got|landed|started|"
    r"accepted) (?:a |the |my )?(?:new |first |proper )?job as (?P<x>an? [\w -]{2,40}?)"
    r"(?=\s*(?:[,.;!?]|$)|\s+(?:at|with|for|starting|from|in)\b)",
    re.I,
)
# "I came out as nonbinary", "came out as trans last year"
_CAME_OUT = re.compile(
    r"\bI (?:have )?(?:just |finally |recently )?came out as (?P<x>[a-z]+(?: [a-z]+)?)"
    r"(?=\s*(?:[,.;!?]|$)|\s+(?:last|this|a|to|in|at|on)\b)",
    re.I,
)
# "can you call me sasha from now on?": the name the assistant should use changes
_CALL_ME = re.compile(
    r"\bcall me (?P<name>(?!(?:tomorrow|today|tonight|later|back|now|when|if|at|on|in|asap|"
    r"that|this|it|a|an|the)\b)[a-z][\w'-]+)\b",
    re.I,
)
_NAME_CHANGED = re.compile(
    r"\b(?:dead ?name|changed my name|new name|my name is now|not my name any ?more)\b", re.I
)


def _number(word: str) -> int:
    """ "3", "three" or "third" as a number; 0 if it is none."""
    word = word.lower()
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word) or _ORDINAL.get(word) or 0


def _newest(
    texts: list[str], existing: Sequence[ExistingRecord], fit: Callable[[str], bool]
) -> tuple[int | None, str | None, str] | None:
    """(index in ``texts``, stored record id, text) of the newest record of the user that
    ``fit`` accepts: this request's records first, then the stored ones."""
    for i in range(len(texts) - 1, -1, -1):
        if texts[i].startswith("The user") and fit(texts[i]):
            return i, None, texts[i]
    for record in reversed(existing):
        if record.text.startswith("The user") and fit(record.text):
            return None, record.record_id, record.text
    return None


def _put(
    new: str,
    target: tuple[int | None, str | None, str] | None,
    texts: list[str],
    forced: dict[str, str],
) -> None:
    """Add ``new`` in place of ``target`` (a record of this request, or a stored one)."""
    index, record_id = (target[0], target[1]) if target else (None, None)
    if index is not None:
        texts[index] = new
        return
    if record_id is not None:
        forced[new] = record_id
    if new not in texts:
        texts.append(new)


# "upgraded to the full marathon": a new value of the one record naming a marathon
_UPGRADED = re.compile(
    r"^The user (?:has )?(?:just )?(?:upgraded|downgraded|switched|changed|swapped|moved up|"
    r"stepped up|stepped down|gone up|gone down|went up|went down) (?:over )?to "
    r"(?:the |a |an |my |their )?(?P<obj>[\w' -]+?)(?=\s+(?:in|at|on|for|from|with|by|last|"
    r"this|next|because|since|after|now|instead)\b|\s*,|\.?$)"
)
# "I'm doing the full marathon instead of the half": the new plan and the old one it names
_INSTEAD_OF = re.compile(
    r"^(?P<new>The user .+?),? instead of (?:the |a |an |my |their )?(?P<old>[\w' -]+?)\.$"
)
# "got a new job!! I'm a teaching assistant now": the bare new job and the role it is
_BARE_NEW_JOB = re.compile(
    r"^The user (?:has )?(?:just )?(?:got|started|landed|has|began) (?:a )?new job"
    r"(?: (?:last|this|on|yesterday|today)\b[\w ]*)?\.$"
)
_ROLE = re.compile(
    r"^The user is (?:now )?(?P<role>an? (?!(?:bit|little|lot|fan|big|huge|mess|wreck|"
    r"nervous|happy|relieved)\b)[a-z][\w -]{2,40}?)(?: now)?\.$"
)
_LEFT_JOB = re.compile(
    r"^The user (?:no longer works|is no longer)(?: [a-z]+)?(?: time)? (?:at|for|with|as)\b"
)
_DRINK = re.compile(
    r"\b(?:coffees?|teas?|lattes?|flat whites?|espressos?|cappuccinos?|americanos?|mochas?|"
    r"matcha|chai|decaf|juices?|smoothies?|sodas?|cola|coke|beers?|wines?|kombucha|"
    r"oat milk|almond milk|soy milk)\b",
    re.I,
)
_ATTRIBUTE_RECORD = re.compile(r"^The user's (?P<subj>[\w' -]+?) (?:is|are)\b")
_VERB_RECORD = re.compile(
    r"^The user (?:no longer |now |usually |always |mostly |normally |still |only )?"
    r"(?P<v>[a-z]+s) (?!(?:in|at|to|for|on|from|with|near|as|by|of|up|out|off)\b)\S"
)
# A work pattern changed in a message with no statement of its own ("they moved me onto
# days, 6 to 2 now"): each value of a kind the record holds takes the new value of that kind.
_SHIFT = (
    r"(?:day|night|morning|evening|afternoon|weekend|weekday|late|early) shifts?|"
    r"(?:days|nights|mornings|evenings|afternoons|weekends|weekdays|lates|earlies)"
)
_SWAPS = (
    # "moved me onto days", "working nights now" (not "a few days")
    re.compile(
        rf"\b(?:on|to|onto|work|works|working|doing|do)\s+(?P<v>{_SHIFT})\b|"
        r"\b(?P<w>(?:day|night|morning|evening|afternoon|weekend|weekday|late|early) shifts?)\b",
        re.I,
    ),
    re.compile(
        r"\b(?P<v>\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm)?\s*(?:to|till|til|until|-)\s*"
        r"\d{1,2}(?:[:.]\d\d)?(?:\s*(?:am|pm))?)\b",
        re.I,
    ),
)


_SWAP_CUE = re.compile(
    r"\b(?:now|moved|put|switched|changed|swapped|onto|instead|these days|nowadays)\b", re.I
)


def _swapped(previous: str, said: str) -> str | None:
    """``previous`` with each value of a kind it shares with ``said`` replaced, if any."""
    fixed = previous
    for kind in _SWAPS:
        new = kind.search(said)
        olds = list(kind.finditer(fixed))
        if new is None or not olds:
            continue
        value = (new.group("v") or new.groups()[-1]).lower()
        old = olds[-1]
        group = "v" if old.group("v") else len(old.groups())
        if old.group(group).lower() != value:
            fixed = fixed[: old.start(group)] + value + fixed[old.end(group) :]
    return fixed if fixed != previous else None


# Kinds of value a switch replaces word for word ("learning french" -> "learning german")
_VALUE_KINDS = tuple(re.compile(rf"\b(?:{kind})\b", re.I) for kind in _INSTRUCTION_KINDS)


_KIND_HEAD = re.compile(r"^(?P<k>[a-z]+) (?:on|in|at|with|for|via|using|through)\b", re.I)


def _kind_swapped(record: str, value: str) -> str | None:
    """``record`` with its value of the kind ``value`` is replaced by ``value`` (a language
    for a language); None if it holds none, or is an instruction (left to ``_relanguage``)."""
    kind = next((k for k in _VALUE_KINDS if k.fullmatch(value)), None)
    old = kind.search(record) if kind is not None else None
    if old is None or old.group(0).lower() == value.lower():
        return None
    if (subject_key(record) or ("",))[0] == "instruction":
        return None
    return record[: old.start()] + value.lower() + record[old.end() :]


def _switched_to(record: str, value: str) -> str | None:
    """The record ``record`` says with ``value`` as its new object ("drinks green tea")."""
    if any(kind.fullmatch(value) for kind in _VALUE_KINDS):
        return _kind_swapped(record, value)
    match = _ATTRIBUTE_RECORD.match(record)
    if match:
        return _sentence(f"The user's {match.group('subj')} is {_third_person_object(value)}")
    match = _VERB_RECORD.match(record)
    if match and match.group("v") not in {"is", "has", "was", "does"}:
        return _sentence(f"The user {match.group('v')} {_third_person_object(value)}")
    # "has an iPhone 12" + "switched to a Samsung Galaxy S23": the one device of its kind
    new, old = _DEVICE_WORD.search(normalize_text(value)), _DEVICE_WORD.search(_key_text(record))
    if new and old and _DEVICE_RECORD.match(_key_text(record)):
        kind = next(k for k, v in new.groupdict().items() if v)
        if old.group(kind):
            owned = value
            if not re.match(r"(?:an?|the|my)\s", value, re.I):
                owned = f"{_article(value)} {value}"
            return _sentence(f"The user has {_third_person_object(owned)}")
    return None


def _same_kind(record: str, value: str) -> bool:
    """Whether a record holds a value of the kind of ``value`` (a drink, a name, a device)."""
    kind = next((k for k in _VALUE_KINDS if k.fullmatch(value)), None)
    if kind is not None:
        return kind.search(record) is not None
    if _DRINK.search(value):
        return bool(_DRINK.search(record))
    device = _DEVICE_WORD.search(normalize_text(value))
    if device:
        return _DEVICE_WORD.search(normalize_text(record)) is not None
    # a name for the name a verb takes ("supports Arsenal"), never a relative's name
    return value[:1].isupper() and _NAMED_OBJECT.match(record) is not None


_NAMED_OBJECT = re.compile(
    r"^The user (?:no longer |now |usually |always |mostly |normally |still |only )?[a-z]+s "
    r"(?:the |a |an )?(?-i:[A-Z])"
)


# "The user has given up coffee completely.": the record of a give-up
_GIVEN_UP = re.compile(
    r"^The user (?:has |have )?(?:just |recently |finally |totally )?(?:given up|gave up|"
    r"quit|stopped|dropped|ditched)\b"
)
# "I quit smoking", "I gave up red meat", "I sold my car": a habit or thing given up
_GAVE_UP = re.compile(
    r"\b(?i:I) (?:have )?(?:just |recently |finally |totally )?(?:quit|gave up|given up|"
    r"stopped|sold) (?:my |the )?(?!(?:on|at|by|in|to|for|with|the|a|an|it|that|this|them|"
    r"being|going|working)\b)(?P<x>[a-z][a-z'-]+)(?: (?P<y>[a-z][a-z'-]+))?"
)
_STOP = frozenset(
    re.findall(
        r"\w+",
        "the user s a an and or of to in on at for with by from is are was were be been has "
        "have had does do did not no longer never always usually now their them they it this "
        "that very really so too also just like day days week weekend morning evening night "
        "every daily month year time assistant about",
    )
)
_HEAD = re.compile(
    r"^the user(?P<of> s [\w ]+?)? (?:(?:is|are|has|have|was|does|do|did|no|longer|not|never|"
    r"always|usually|normally|often|still|also|really|just|cannot)\s+)*"
    r"(?P<verb>(?:(?:a|an|the|their) )?[a-z]+)\b"  # "has a dog": the thing is the head
)


def _content(text: str) -> frozenset[str]:
    """Content words of a record (singular), without its owner, verb and small words."""
    norm = _key_text(text)
    match = _HEAD.match(norm)
    words = norm[match.end() if match else 0 :].split()
    singular = (_singular(w) for w in words if not w.isdigit() and len(w) > 2)
    return frozenset(w for w in singular if w not in _STOP and w not in _NUMBERS)


def _head(text: str) -> tuple[str, str] | None:
    """Whose record it is and its verb ("the user s dog", "lives"), ignoring negation."""
    match = _HEAD.match(_key_text(text))
    if match is None:
        return None
    verb = match.group("verb")
    verb = verb[:-2] if verb.endswith(("ches", "shes", "sses")) else verb.rstrip("s") or verb
    verb = re.sub(r"^(?:a|an|the|their) ", "", verb)
    return (match.group("of") or "").strip(), verb


def _recounted(text: str, old: str) -> str:
    """ "got another dog" after "has two dogs" -> "The user has three dogs."."""
    added = _ADDED.match(_key_text(text))
    count = _COUNT_VALUE.search(_key_text(old))
    if added is None or added.group("n") != "another" or count is None:
        return text
    number = _NUMBERS.get(count.group("n"), 0) or int(count.group("n") or 0)
    noun = _singular(added.group("noun"))
    return _sentence(f"the user has {number + 1} {noun}{'es' if noun.endswith('s') else 's'}")


_FILLER = frozenset(
    re.findall(
        r"\w+",
        "last after since because when completely altogether entirely cold recently ago about "
        "years months weeks yesterday but and",
    )
)


def _named(name: str) -> Callable[[str], bool]:
    """Whether a record names ``name`` (whole words)."""
    return lambda text: f" {normalize_text(name)} " in f" {normalize_text(text)} "


def _gave_up(match: re.Match[str], text: str) -> bool:
    """Whether record ``text`` states the habit or thing the user gave up ("smokes")."""
    words = normalize_text(text).split()[2:]
    singular = {_singular(w) for w in words}
    x, y = match.group("x").lower(), (match.group("y") or "").lower()
    if x.endswith("ing") and len(x) > 5:  # "smoking" -> "smokes", "running" -> "runs"
        stem = x[:-3]
        stem = stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem
        found = any(w.startswith(stem) for w in words[:3])
        return found and (not y or y in _STOP or y in _FILLER or _singular(y) in singular)
    return _singular(x) in singular


def _negation(text: str) -> str | None:
    """The record saying the user no longer has/does what ``text`` says ("works at X")."""
    body = text.rstrip(".")
    if re.match(r"^The user (?:no longer|does not|is not|is no longer|never)\b", body):
        return None
    body = re.sub(r"\s+for (?:about |over |almost |nearly )?\w+ (?:years?|months?)\b.*$", "", body)
    match = re.match(r"^The user (?:is|has been) (?P<rest>.+)$", body)
    if match:
        return _sentence(f"The user is no longer {_TAILS.sub('', match.group('rest'))}")
    match = re.match(r"^The user (?P<rest>[a-z]+s\b.*)$", body)
    if match:
        return _sentence(f"The user no longer {match.group('rest')}")
    return None


def _key_text(text: str) -> str:
    """Lower-case words of a record ("'s" kept as "s"), without trailing "now", "anymore"."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'").replace("'s", " s"))
    return _TAILS.sub("", " ".join(words))


# "loves spicy food, the hotter the better": a comment after a comma that lists nothing
_ASIDE = re.compile(r",(?![^,]*\b(?:and|or|nor)\b)[^,]*$")


def _aside_dropped(text: str) -> str:
    """``text`` without a closing comment after a comma ("..., the hotter the better"), so
    the thing liked is the slot; a list ("coffee, tea and juice") is kept whole."""
    return _ASIDE.sub("", text.rstrip("."))


def subject_key(text: str) -> tuple[str, ...] | None:
    """What a record is about, for single-valued facts and preferences; None if unknown.

    Two records with the same key describe the same slot ("lives in X" / "lives in Y",
    "likes coffee" / "no longer likes coffee"), so the newer one replaces the older.
    """
    norm = _key_text(text)
    if _IN_PLACE.match(text):  # "I'm in Glasgow now"
        return ("residence",)
    for owner_pattern, slot in _OWNER_SLOTS:
        owner = owner_pattern.match(norm)
        if owner:
            return (slot, _singular(owner.group("who")))
    for pattern, key in _SINGLE_VALUED:
        if pattern.match(norm):
            return key
    match = _RESTRICTION_KEY.match(norm)
    if match:
        return ("diet", match.group("r").replace("-", " "))
    match = _ATTRIBUTE.match(norm)
    if match and (match.group("called") or _SINGLE_ATTRIBUTES.search(match.group("subj"))):
        subject = match.group("subj").replace("favourite", "favorite").replace("colour", "color")
        # "my fave band these days is ..." is the favourite band
        subject = re.sub(
            r"\s+(?:these days|nowadays|right now|at the moment|currently|now)$", "", subject
        )
        # "my new phone is a Galaxy" is the one phone
        return ("attribute", re.sub(r"^(?:new|current|latest) (?=\w)", "", subject))
    if _DEVICE_RECORD.match(norm) and (device := _DEVICE_WORD.search(norm)):
        return ("attribute", next(k for k, v in device.groupdict().items() if v))
    match = _ADDED.match(norm)
    if match:  # "adopted a third dog" or "got another dog" updates "has two dogs"
        return ("count", _singular(match.group("noun")))
    match = _COUNT.match(norm)
    if match:  # "has two kids" / "has three kids now"
        noun = match.group("noun")
        noun = "child" if noun == "children" else noun[:-1] if noun.endswith("s") else noun
        return ("count", noun)
    match = _SENTIMENT.match(_key_text(_aside_dropped(text)))
    if match:
        return ("sentiment", match.group("obj"))
    match = _HABIT.match(norm)
    if match:
        verb = match.group("verb").split()[0]
        verb = verb[:-2] if verb.endswith("ches") else verb.rstrip("s") or verb
        return ("habit", verb, match.group("obj"))
    match = _PREFERS.match(norm)
    if match:
        head = _PHRASE_BREAK.split(match.group("obj"))[0]
        words = head.split()
        if words:
            last = words[-1]
            return ("prefers", last[:-1] if last.endswith("s") and len(last) > 3 else last)
    match = _INSTRUCTION.match(norm)
    if match:
        return ("instruction", match.group("verb"))
    return None


_NO_LONGER = re.compile(r"^the user (?:s [\w ]+? )?(?:is )?(?:no longer|not|does not|never)\b")


def _superseded(kept: str, text: str) -> bool:
    """Whether ``text``, a "no longer ..." of a slot that ``kept`` already fills with a new
    value in the same batch, adds nothing ("left Deloitte" after "started at Acme")."""
    if not _NO_LONGER.match(_key_text(text)) or _NO_LONGER.match(_key_text(kept)):
        return False
    return not _content(text) & _content(kept)


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

    def _changed(self, text: str, key: tuple[str, ...] | None) -> ExistingRecord | None:
        """The one existing record a change ("... now", "actually ...") most likely updates.

        A favourite without its kind updates the one favourite it fits ("my favourite now"
        -> "favourite show"); otherwise a record with the same owner and verb sharing a
        content word ("drinks 4 coffees a day" -> "drinks one coffee a day"). Never one
        about someone else, never when two records fit.
        """
        if key is not None and key[0] == "attribute":
            words = set(key[1].split()) - {"now", "currently", "still"}
            fits = {
                r.record_id: r
                for k, r in self._keys.items()
                if k[0] == "attribute" and k != key and words and words <= set(k[1].split())
            }
        else:
            head, content = _head(text), _content(text)
            if head is None or not content:
                return None
            fits = {
                r.record_id: r
                for r in self._existing
                if _head(r.text) == head
                and content & _content(r.text)
                and (subject_key(r.text) or ("",))[0] != "instruction"
            }
        return next(iter(fits.values())) if len(fits) == 1 else None

    def consolidate(
        self,
        texts: Iterable[str],
        changed: Collection[str] = (),
        forced: Mapping[str, str] | None = None,
    ) -> list[ExtractedRecord]:
        """Deduplicate ``texts`` (in order; a later same-slot text supersedes an earlier one).

        ``changed`` texts were said as a change or correction and may update a record
        outside the known slots; ``forced`` maps a text to the record id it updates.
        """
        by_id = {r.record_id: r for r in self._existing}
        out: dict[tuple[str, ...], ExtractedRecord] = {}
        for text in texts:
            norm = normalize_text(text)
            if not norm or norm in self._norms:
                continue
            key = subject_key(text)
            target = by_id.get((forced or {}).get(text, ""))
            if target is None and key is not None:
                target = self._keys.get(key)
            if target is None:
                target = self._similar(text)
            if target is None and text in changed:
                target = self._changed(text, key)
            if target is not None and key is not None and key[0] == "count":
                text = _recounted(text, target.text)
            slot = ("replaces", target.record_id) if target else key or ("text", norm)
            if slot in out and key is None and target is None:
                continue
            if slot in out and _superseded(out[slot].text, text):
                continue  # "started at Acme, left Deloitte": the new job, not the leaving
            out.pop(slot, None)  # a later statement about the same slot wins
            out[slot] = ExtractedRecord(text, target.record_id if target else None)
        return list(out.values())


# --------------------------------------------------------------------------- rule-based


# A problem the user reports, which a summary keeps as what they asked about.
_PROBLEM = re.compile(
    r"\b(?:keeps?|kept) (?:on )?[a-z]+ing\b|\b(?:not|isnt|arent) working\b|\bstopped working\b|"
    r"\b(?:(?:will|would|does|do|did|can|could) not|wont|doesnt|dont|didnt|cant|cannot)"
    r" (?:start|turn on|load|connect|charge|open|print|sync|boot|work|play|save|send|update|"
    r"install|pair|log in|sign in)\b|\b(?:crashes|crashed|freezes|froze)\b|"
    r"\bgetting (?:an? |this |the )?(?:[\w-]+ )?error\b|"
    r"\b(?:aches?|hurts?|is killing me|is broken|broke down)\b",
    re.I,
)


# A reaction to the assistant's suggestion ("the crumble sounds good, can I ..."), not news.
_REACTION = re.compile(
    r"\b(?:sounds?|looks?|seems?) (?:good|great|perfect|nice|lovely|delicious|amazing|fine|"
    r"interesting|helpful|useful|easy|doable)\b",
    re.I,
)
# A statement that reports back on the assistant's advice ("tried all that, still ...").
_FOLLOW_UP = re.compile(
    r"^(?:(?:I )?(?:tried|did|done|followed|used|checked|switched|changed|restarted)\b|"
    r"(?:that|this|it|still|same)\b)",
    re.I,
)
_NEWS = re.compile(r"\b(?:my|our|mine|ours)\b|\d", re.I)
_SHE_HE = re.compile(r"^(?:she|he)(?: is\b|s\b|\b)", re.I)
_MY_KIN = re.compile(
    rf"\bmy ((?:grand)?(?:{_RELATIONS}|daughter|son|granddaughter|grandson|grandkid))\b", re.I
)
_IF_IT_MATTERS = re.compile(r"\s*,?\s*\bif (?:that|it) (?:matters|helps)\b", re.I)


_PART_BREAK = re.compile(r"\s*(?:[,;]|\.(?=\s))\s*(?:and\s+|but\s+)?|\s+(?:and|but|so)\s+", re.I)
_SMALL_WORDS = frozenset(
    re.findall(
        r"\w+",
        "the a an and or of to in on at for with by from is am are was be been has have had "
        "do does did not no it this that very really so too also just about already still my "
        "our we i me they their them you your",
    )
)


def _words(text: str) -> set[str]:
    return {w for w in normalize_text(text).split() if w not in _SMALL_WORDS}


# What the user does as a rule, said beside a fact ("i mainly use it for uni stuff"): news
# about their life even with nothing of theirs named.
_HABIT_SAID = re.compile(
    r"^I (?:mainly|mostly|usually|normally|generally|always|often|only|regularly|"
    r"sometimes|rarely|never) (?!think|guess|know|mean|feel|hope|wonder|suppose|reckon)\w+",
    re.I,
)


def _unread_parts(statement: str, facts: Sequence[str], *, news: bool = True) -> list[str]:
    """Parts of a statement whose facts were read that no fact covers and that carry news
    ("I'm 29, earn about 38k, renting in ...": the pay), each kept as said, not lost."""
    told = set().union(*(_words(f) for f in facts)) if facts else set()
    out = []
    for part in _PART_BREAK.split(statement):
        part = part.strip(" .")
        words = _words(part)
        if (
            len(part.split()) >= 2
            and words
            and not words & told
            # a number, a thing of theirs ("my ..."), what they usually do ("I mainly use ...")
            and (_NEWS.search(part) or _HABIT_SAID.match(part) or not news)
            and not _is_small_talk(part)
            and not (_PROBLEM.search(part) or _REACTION.search(part) or _MOMENTARY.search(part))
            and not _momentary(_restore_subject(part) or part)  # "cooking for my in-laws ..."
            and not _statements(part)
        ):
            out.append(part)
    return out


def _dropped_facts(sentence: str, facts: Sequence[str]) -> list[str]:
    """Facts of subjectless parts no fact covers ("we live in a flat and have a cat
    already": the cat), read with the subject restored (by the rules, not the model)."""
    told = set().union(*(_words(f) for f in facts)) if facts else set()
    out = []
    for part in _PART_BREAK.split(sentence):
        part = _clean_clause(part.strip(" ."))
        restored = _restore_subject(part) if part else None
        if (
            restored is None
            or _words(part) & told
            or _is_asking(restored)  # "have a cat" reads as "have you ...?" before "I"
            or _PROBLEM.search(part)
            or _MOMENTARY.search(part)
            or _momentary(restored)  # "cooking for my in-laws on saturday": no record either
        ):
            continue
        hit = _apply_rules(restored)
        if hit is not None and not _vetoed(restored) and hit[0] not in facts:
            out.append(hit[0])
    return out


# ("a microwave in my halls kitchen" has none: "my" there owns, it is no subject)
_OWN_CLAUSE = re.compile(r"(?:^|\s)(?:I|we)\b|^(?:my|our)\b|^[a-z]{3,}ing\b", re.I)
# A plan said after a fact with its "I" left out ("i rent rn and want to buy in 3 years").
_INTENT_PART = re.compile(
    r"^(?:(?:also|then|really|eventually|hopefully) )?(?:want|wanna|plan|intend|hope|aim|"
    r"would like|gonna|going) to\b",
    re.I,
)


def _joined_facts(sentence: str, facts: list[str]) -> list[str]:
    """Split a fact read from two statements ("is from Brazil and next month they visit
    London ...") into the fact of its first part and what its other parts said, when each
    of those is a clause of its own (a subject or an "-ing" verb: "thinking of going ...").

    Returns the parts said; ``facts`` is changed in place."""
    parts = [p.strip(" .") for p in _PART_BREAK.split(sentence) if p.strip(" .")]
    said: list[str] = []
    for i, part in enumerate(parts[:-1]):
        for short, _ in _statements(part):
            stem = short.rstrip(".")
            joined = next(
                (f for f in facts if f.startswith(stem) and f[len(stem) : len(stem) + 1] in " ,;"),
                None,
            )
            rest = parts[i + 1 :]
            if joined is None or not all(
                _OWN_CLAUSE.search(r) or _INTENT_PART.match(r) for r in rest
            ):
                continue
            facts[facts.index(joined)] = short
            said += [
                r
                for r in rest
                if not _statements(r)
                and len(r.split()) >= 3
                and not _momentary(_restore_subject(r) or r)  # "cooking for my parents"
            ]
            return said
    return said


def _chat_facts(text: str) -> set[str]:
    """Facts misread from the small talk of a turn ("grey day here": "The user is a grey
    day"): chat is no point of a summary, whatever a rule made of it."""
    return {
        fact
        for sentence, _ in _sentences(_expand_contractions(text))
        for part in [sentence, *_PART_BREAK.split(sentence)]
        if part.strip() and _is_small_talk(part)
        for fact, _ in _statements(part)
    }


def _folded(statement: str, part: str, facts: list[str]) -> bool:
    """Fold a "he/she ..." part into the fact of the part before it ("we adopted a greyhound
    called Pip, hes 5": "... called Pip, who is 5."): a detail of what was just named, one
    point with it, not a quote of its own. Returns whether it was folded (``facts``
    changes in place)."""
    pronoun = _SHE_HE.match(part)
    parts = [p.strip(" .") for p in _PART_BREAK.split(statement)]
    if pronoun is None or part not in parts[1:]:
        return False
    before = parts[parts.index(part, 1) - 1]
    fact = next((f for f, _ in _statements(before) if f in facts), None)
    if fact is None:
        return False
    verb = " is" if pronoun.group(0).lower().endswith("s") else ""
    facts[facts.index(fact)] = _sentence(f"{fact.rstrip('.')}, who{verb}{part[pronoun.end() :]}")
    return True


def _user_points(text: str, sentences: list[tuple[str, bool]]) -> list[str]:
    """Summary points of one USER turn: its facts, what it said no rule reads, what it asked.

    A problem stated ("my wifi keeps dropping") is what the user asked about, and its
    clause gives no fact of its own; a statement before a request in one sentence
    ("freelance translator here, trying to figure out ...") is said, not asked.
    """
    problem_facts = {
        fact
        for sentence, _ in sentences
        for clause in _CLAUSE_BREAK.split(sentence)
        if _PROBLEM.search(clause)
        for fact, _ in _statements(clause)
    }
    facts = [
        f
        for f in dict.fromkeys(t for t, _ in _statements(text))
        if f not in problem_facts and f not in _chat_facts(text)
    ]
    said: list[str] = []
    if facts:  # a part after "and" that the clauses left without its subject
        for sentence, _ in sentences:
            said += _joined_facts(sentence, facts)
            facts += [f for f in _dropped_facts(sentence, facts) if f not in facts]
        facts = list(dict.fromkeys(facts))
    asked: list[str] = []
    statements: list[str] = []
    heads: set[str] = set()  # the context said before a request ("translator here, ...")
    kin: str | None = None
    for sentence, is_request in sentences:
        if is_request:
            head, body = _request_split(sentence)
            asked.append(body)
            for part in _ASKING_BREAK.split(body)[1:]:  # "make it firmer, and always use ..."
                if not (_is_asking(part) or _PROBLEM.search(part) or _REACTION.search(part)):
                    facts += [f for f, _ in _statements(part) if f not in facts]
            if head:
                statements.append(head)
                heads.add(head)
        else:
            statements.append(sentence)
    problems: list[str] = []
    if not asked:  # "my cat keeps throwing up, she's 12": the problem is asked, the rest said
        for i, statement in enumerate(statements):
            parts = re.split(r",\s+", statement)
            at = next((j for j, part in enumerate(parts) if _PROBLEM.search(part)), None)
            if at is not None:
                asked.append(", ".join(parts[: at + 1]))
                problems = [asked[0]]
                statements[i : i + 1] = [asked[0], *parts[at + 1 :]]
                break
    for statement in statements:
        mentions = _MY_KIN.findall(statement)
        she = _SHE_HE.match(statement)
        if kin is not None and she:  # "She lives in Australia.", "shes 12"
            verb = " is" if she.group(0).lower().endswith("s") else ""
            statement = f"{kin}{verb}{statement[she.end() :]}"
            facts += [f for f, _ in _statements(statement) if f not in facts]
        if mentions:
            kin = f"my {mentions[-1]}"
        statement = _IF_IT_MATTERS.sub("", statement).strip(" ,")
        if _statements(statement) and statement not in problems:
            said += [
                p
                for p in _unread_parts(statement, facts)
                if p not in said and not _folded(statement, p, facts)
            ]
            continue
        if len(statement.split()) < 2 or _is_small_talk(statement) or statement in problems:
            continue
        if _REPORTED_BACK.match(_lead_stripped(statement)) and len(sentences) > 1:
            continue  # "tried the restart thing, seems better": what was done, beside news
        # beside a request or facts only news about the user's world counts ("My
        # granddaughter gave me a tablet"), not a follow-up, a reaction or a mood
        if (asked or facts) and (
            _FOLLOW_UP.match(_lead_stripped(statement))
            or _REACTION.search(statement)
            or _MOMENTARY.search(statement)
            or not (she or statement in heads or _NEWS.search(statement))
        ):
            continue
        said.append(statement)
    if not said and not asked and not facts:
        said = [sentences[0][0]]
    if not asked:  # an answer before the facts ("beaches mostly, and my husband ...")
        opening = _clean_clause(_CLAUSE_BREAK.split(sentences[0][0])[0])
        if (
            facts
            and opening
            and not said
            and not _is_small_talk(opening)
            and not _statements(opening)
            and not _OWN_SUBJECT.match(_lead_stripped(opening))
            and not _FOLLOW_UP.match(_lead_stripped(opening))
            and not _REPORTED_BACK.match(_lead_stripped(opening))
        ):
            said.append(opening)
    # a question put as a question wins over a need stated first ("my GP says ... and I need
    # to cut down on cheese. what can I eat instead?"), which is said when it is news
    first = next((a for a in asked if _is_question_form(a)), None)
    if first is not None and all(
        re.match(_SUBJECT, _lead_stripped(a), re.I) for a in asked[: asked.index(first)]
    ):
        for need in asked[: asked.index(first)]:
            said += [p for p in _unread_parts(need, facts, news=False) if p not in said]
        asked = [first]
    if not asked and not facts and len(said) > 1:  # a report with its details, one point
        said = [". ".join(said)]
    out = list(facts)
    out += [f'The user said: "{_quote(s)}".' for s in said]
    out += [f'The user asked: "{_quote(_embedded_question(asked[0]))}".'] if asked else []
    return out


# A clause with a subject of its own ("they also said ...", "it seems ..."): a statement,
# not the bare answer to a question ("beaches mostly").
_OWN_SUBJECT = re.compile(r"^(?:I|we|you|they|he|she|it|there|my|our|his|her|their)\b", re.I)
# A request put as not knowing ("I have no idea how to budget", "not sure which one"): the
# question it holds is what was asked.
_NOT_KNOWING = re.compile(
    r"^(?:I )?(?:(?:have|had) )?(?:(?:no|zero) (?:idea|clue)|do not know|am not sure|not sure|"
    r"am unsure|unsure)\s+(?=(?:if|whether|how|what|which|where|when|why)\b)",
    re.I,
)


def _embedded_question(request: str) -> str:
    """The question inside a request put as not knowing it ("no idea how to budget": "how
    to budget"); other requests unchanged."""
    lead = _lead_stripped(request)
    match = _NOT_KNOWING.match(lead)
    return lead[match.end() :] if match else request


_QUESTION_FORM = re.compile(rf"{_NOT_STATEMENTS.pattern}|{_ASKING.pattern}", re.I)
# A wish or need stated in the first person ("I want to pass the B2 exam"): a request in
# the form of a statement, which a question asked after it wins over.
_STATED_NEED = re.compile(
    r"^I (?:want|wanna|need|would (?:like|love)|wish|hope|am hoping|am looking)\b", re.I
)


def _is_question_form(request: str) -> bool:
    """Whether a request is put as a question ("which books do you recommend"), not as a
    need stated first ("I want to pass the B2 exam")."""
    lead = _lead_stripped(request)
    return bool(_QUESTION_FORM.match(lead)) and not _STATED_NEED.match(lead)


# A caveat at the end of advice ("try them in training first, not on race day").
_CAVEAT = re.compile(
    r"\s*[,;]\s*(?:but |and |just |though )?(?:not|never|do not|does not|avoid)\b[^;]*$", re.I
)


_SHORT_OPENER = 8  # words
# A yes/no verdict opening a reply, before a colon ("Very normal: ...", "It can be: ..."):
# an answer to "is that normal?" whose explanation comes first and advice after it.
_VERDICT = re.compile(
    rf"^(?:(?:yes|yeah|no|nope|not really|it depends|(?:it|that|this) (?:can|could|may|might) be"
    r"|(?:(?:it|that|this) is (?:not )?|not )?(?:(?:quite|pretty|perfectly|completely|"
    rf"totally|fairly) )?{_EVALUATIVE})[\s,]*)+:\s",
    re.I,
)


# Steps in order ("Start by thanking them ... . Then give a specific figure ..."): the first
# step is a preliminary, the step after it is the advice, so both are kept.
_FIRST_STEP = re.compile(r"^(?:start (?:by|with)|begin (?:by|with)|first(?:ly)?\b)", re.I)
_NEXT_STEP = re.compile(r"^(?:then|next|after that|second(?:ly)?)\b", re.I)


def _reply(sentences: list[tuple[str, bool]]) -> str:
    """The assistant's substantive sentence, after a short opener ("That is often congestion.")
    or after a verdict and its reason ("Very normal: many dogs ... . Teach him ...").

    A trailing caveat is left out: the summary keeps the advice.
    """
    long = [s for s, _ in sentences if len(s.split()) > 3]
    if not long:
        return sentences[0][0]
    first, rest = long[0], long[1:]
    if (
        len(first.split()) <= _SHORT_OPENER
        or _VERDICT.match(first)
        or (_FIRST_STEP.match(first) and rest and _NEXT_STEP.match(rest[0]))
    ) and rest:
        first = f"{first}. {rest[0]}"
    # an aside in brackets ("INNER JOIN (only matching rows ...)") is detail, not the advice
    bare = re.sub(r"\s+", " ", _PARENS.sub("", first)).replace(" ,", ",").strip()
    first = bare if len(bare.split()) > 3 else first
    advice = _CAVEAT.sub("", first)
    return advice if len(advice.split()) > 3 else first


# A line of program code in a reply ("import pandas as pd", "df = pd.read_excel(...)",
# "print(total)", "def main():", "SELECT name FROM users;").
_CODE_LINE = re.compile(
    r"^\s*(?:(?:import [\w.]+|from [\w.]+ import [\w., *]+)(?: as \w+)?"
    r"|(?:def|class|for|while|if|elif|else|try|except|with)\b.*:"
    r"|(?:const|let|var|function|public|private|return)\b.*[;{]"
    r"|#include\b.*|(?:SELECT|INSERT|UPDATE|DELETE|CREATE) .*"
    r"|[\w.\[\]'\"]+ ?[+\-*/]?= ?(?!=)\S.*|[\w.]+\(.*\);?|[{}\]);]+|```.*)\s*$"
)
_MIN_CODE_LINES = 2
# A reply approving what the user said they will do ("That's a great plan.", "Good idea!",
# "Sounds like a plan"): after a turn that asked nothing it answers nothing.
_APPROVAL = re.compile(
    r"^(?:(?:oh|ah|yes|yeah|ok|okay),? )?(?:(?:that|this|it) (?:is|sounds like|seems like) )?"
    r"(?:(?:a|an|such a) )?(?:really |very )?(?:great|good|lovely|brilliant|excellent|smart|"
    r"sensible|wise|nice|perfect|fantastic|wonderful) (?:plan|idea|call|choice|move|step|"
    r"decision)\b|^sounds like a (?:good |great )?plan\b",
    re.I,
)


def _without_code(text: str) -> tuple[str, bool]:
    """A reply's prose without its lines of code, and whether it held code (two or more
    such lines): a summary says the assistant gave an example, it does not quote code."""
    lines = text.splitlines()
    code = [line for line in lines if line.strip() and _CODE_LINE.match(line)]
    if len(code) < _MIN_CODE_LINES:
        return text, False
    return "\n".join(line for line in lines if line not in code), True


class RuleBasedExtractor:
    """Deterministic extractor without a language model (the twin's default).

    SEMANTIC and USER_PREFERENCE rewrite first-person USER statements in the third
    person (the user's diet and allergies go to both), by an ordered rule table and,
    for clauses no rule reads, the learned clause model; SUMMARIZATION keeps one running
    summary per session; EPISODIC writes one short goal/actions/outcome record. Custom
    ``instructions`` are ignored: there is nothing to follow them (use
    :class:`ChatModelExtractor` for that). ``docs/twin-retrieval.md`` measures it.
    """

    def __init__(
        self, embeddings: Embeddings | None = None, similarity_threshold: float = 0.9
    ) -> None:
        """``embeddings`` finds near-duplicate updates when no subject rule matches."""
        self.embeddings = embeddings if embeddings is not None else HashingEmbeddings()
        self.similarity_threshold = similarity_threshold

    def extract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Extract records for ``request.strategy_type``.

        Corrections and changes update what they correct: a bare correction in the next
        turn ("sorry, the 14th"; at a session's start, of the last stored single-valued
        record) or inside a message ("the 3rd, no wait, the 5th") rewrites that statement;
        "I left Deloitte" turns the record naming Deloitte into "no longer ..." (or into
        the new job, "I'm at Microsoft now"), "switched to green tea" gives the record of
        the same kind its new value, a change with no statement of its own ("they moved me
        onto days") swaps the shift and hours, "officially 30 now" after "my birthday" is
        the new age, "you can go back to English" gives the earlier instruction its new
        language, "upgraded to the full marathon" replaces the one record naming a
        marathon, "got a new job!! I'm a teaching assistant now" is one job record, and a
        message with a change marker ("actually", "changed my mind") may update the one
        record it fits outside the known slots; "we've moved, we're in Cheltenham now" is
        the new residence.
        """
        strategy = normalize_strategy_type(request.strategy_type)
        if strategy == "SUMMARIZATION":
            return self._summarize(request)
        if strategy == "EPISODIC":
            return self._episode(request)
        texts: list[str] = []
        changed: set[str] = set()
        forced: dict[str, str] = {}
        # the previous USER turn's statements (every strategy), each with its index in texts
        previous: list[tuple[str, int | None]] = []
        replied = False  # another role spoke since the previous USER turn
        for turn in request.turns:
            if turn.role.upper() != "USER":
                replied = True
                continue
            marked = bool(_CHANGE_MARKER.search(turn.text))
            said = _meta_corrected(_without_actually(_CHANGE_LEAD.sub("", turn.text)))
            fragment = _fragment(said)
            hits: list[tuple[str, frozenset[str]]] | None = None
            # after a reply "no, Chicago" may answer a question: only "sorry, ..." corrects
            if (
                fragment
                and (fragment[2] or not replied)
                and not (_statements(fragment[0]) and _statements(said))
            ):
                value, rest, strong = fragment
                if previous:  # a plain lower-case value needs an unmistakable marker
                    fixed = _corrected(previous[-1][0], value, strict=not strong)
                    if fixed is not None:  # the correction replaces the statement it corrects
                        index = previous[-1][1]
                        if index is not None:
                            texts[index] = fixed
                        previous[-1] = (fixed, index)
                        hits = _statements(rest) if rest else []
                    elif strong and (named := _named_correction(value, texts)):
                        texts[named[0]] = named[1]  # "oops, bella is 4": the record naming her
                        hits = _statements(rest) if rest else []
                elif not texts and request.existing:
                    stored = _stored_correction(value, strong, request.existing, said)
                    if stored is not None:
                        forced[stored[0]] = stored[1]
                        texts.append(stored[0])
                        previous = [(stored[0], 0)]
                        hits = _statements(rest) if rest else []
            start = len(texts)
            if hits is None:
                self._left(said, texts, request.existing, forced)
                hits = _inline_corrected(said)
                self._not_old(said, hits, texts, request.existing, forced)
                if marked and not hits:  # "oh actually they moved me onto days, 6 to 2 now"
                    self._swap(said, previous, texts, request.existing, forced)
                if marked and not hits:  # "the flight is on the 21st, not the 12th"
                    self._named_fix(said, texts, request.existing, forced)
                previous = []
            hits = self._new_job(hits)
            hits = self._diet_both(hits)
            for text, targets in hits:
                index = None
                if strategy in targets:
                    index = len(texts)
                    texts.append(text)
                    if marked:
                        changed.add(text)
                previous.append((text, index))
            self._relanguage(said, texts, start, request.existing, forced)
            self._upgraded(texts, start, request.existing, forced)
            self._instead(texts, start, request.existing, forced)
            self._recount(said, texts, request.existing, forced)
            self._rescheduled(said, texts, request.existing, forced)
            self._announced(said, strategy, texts, start, request.existing, forced)
            if strategy == "USER_PREFERENCE":
                self._relength(said, texts, start, request.existing, forced)
            self._switch(said, texts, start, request.existing, forced)
            for text, targets in self._switch_when(said):
                key = subject_key(text)  # never over a slot the message itself fills
                mine = {subject_key(t) for t in texts[start:]}
                if strategy in targets and text not in texts and (key is None or key not in mine):
                    texts.append(text)
            self._new_place(said, texts, start, request.existing, forced)
            if strategy == "SEMANTIC":
                self._moved_in(said, texts, start)
            if strategy == "SEMANTIC":
                self._age(said, texts, request.existing)
            # the turn's steps may have dropped or rewritten texts: keep the indices true
            previous = [
                (t, i if i is not None and i < len(texts) and texts[i] == t else None)
                for t, i in previous
            ]
            replied = False
        consolidator = _Consolidator(request.existing, self.embeddings, self.similarity_threshold)
        return consolidator.consolidate(texts, changed, forced)

    @staticmethod
    def _left(
        said: str, texts: list[str], existing: Sequence[ExistingRecord], forced: dict[str, str]
    ) -> None:
        """ "I left Deloitte", "I quit smoking": the user's record of it becomes "no longer"."""
        said = _expand_contractions(_strip_symbols(said))
        fits = [_named(m.group("x")) for m in _LEFT.finditer(said)]
        fits += [functools.partial(_gave_up, m) for m in _GAVE_UP.finditer(said)]
        for fit in fits:
            for i in range(len(texts) - 1, -1, -1):
                if fit(texts[i]) and (neg := _negation(texts[i])):
                    texts[i] = neg
                    break
            else:
                for record in reversed(existing):
                    if fit(record.text) and (neg := _negation(record.text)):
                        forced[neg] = record.record_id
                        texts.append(neg)
                        break

    @staticmethod
    def _relanguage(
        said: str,
        texts: list[str],
        start: int,
        existing: Sequence[ExistingRecord],
        forced: dict[str, str],
    ) -> None:
        """ "you can go back to English": the instruction naming French takes English."""
        said = _expand_contractions(_strip_symbols(said))
        for match in _BACK_TO.finditer(said):
            value = match.group("x").lower()
            before = said[: match.start()]
            if re.search(r"\b(?:I|we)(?: \w+)? $", before, re.I):  # "if I write in English"
                continue
            # said to the assistant: "you can ...", "pls ...", or a clause opening with it
            if not (
                re.search(r"\b(?:you|pls|please|plz)\b", said, re.I)
                or re.search(rf"(?:^|[,.;:!?]\s*){_LEAD_WORDS}(?:ok |okay )?$", before, re.I)
            ):
                continue
            kind = next((k for k in _INSTRUCTION_KINDS if re.fullmatch(k, value)), None)
            if kind is None:
                continue
            # an earlier instruction, not this message's own ("even if I write in English")
            records: list[tuple[str, str | None]] = [(t, None) for t in reversed(texts[:start])]
            records += [(r.text, r.record_id) for r in reversed(existing)]
            for text, record_id in records:
                key = subject_key(text)
                old = re.search(rf"\b(?:{kind})\b", text, re.I)
                if key is None or key[0] != "instruction" or old is None:
                    continue
                if old.group(0).lower() != value:
                    new = text[: old.start()] + value + text[old.end() :]
                    if record_id is not None:
                        forced[new] = record_id
                        texts.append(new)
                    elif new not in texts:
                        texts[texts.index(text)] = new
                break

    @staticmethod
    def _upgraded(
        texts: list[str], start: int, existing: Sequence[ExistingRecord], forced: dict[str, str]
    ) -> None:
        """ "upgraded to the full marathon": it replaces the one earlier record of the user
        naming the same thing ("is training for a half marathon")."""
        for new in texts[start:]:
            match = _UPGRADED.match(new)
            if match is None or new in forced:
                continue
            noun = _singular(match.group("obj").split()[-1])
            records: list[tuple[int | None, str, str | None]] = [
                (i, t, None) for i, t in enumerate(texts[:start])
            ]
            records += [(None, r.text, r.record_id) for r in existing]
            fits = [
                (i, text, record_id)
                for i, text, record_id in records
                if text != new
                and (_head(text) or ("?",))[0] == ""
                and noun in {_singular(w) for w in normalize_text(text).split()[2:]}
                and (subject_key(text) or ("",))[0] != "instruction"
            ]
            if len(fits) != 1:
                continue
            index, _, record_id = fits[0]
            if record_id is not None:
                forced[new] = record_id
            elif index is not None:
                texts[index] = new

    @staticmethod
    def _instead(
        texts: list[str], start: int, existing: Sequence[ExistingRecord], forced: dict[str, str]
    ) -> None:
        """ "I'm doing the full marathon instead of the half": the new statement replaces the
        one earlier record of the user naming the old value and sharing a word with it
        ("is training for a half marathon"), and says no more than the new value."""
        for n in range(start, len(texts)):
            match = _INSTEAD_OF.match(texts[n])
            if match is None or texts[n] in forced:
                continue
            new = _sentence(match.group("new"))
            old = f" {normalize_text(match.group('old'))} "
            shared = _content(new) - _content(f"the user has {match.group('old')}")
            records: list[tuple[int | None, str, str | None]] = [
                (i, t, None) for i, t in enumerate(texts[:start])
            ]
            records += [(None, r.text, r.record_id) for r in existing]
            fits = [
                (i, record_id)
                for i, text, record_id in records
                if old in f" {normalize_text(text)} "
                and (_head(text) or ("?",))[0] == ""
                and shared & _content(text)
                and (subject_key(text) or ("",))[0] != "instruction"
            ]
            if len(fits) != 1:
                continue
            index, record_id = fits[0]
            texts[n] = new
            if record_id is not None:
                forced[new] = record_id
            elif index is not None:
                texts[index] = new
                del texts[n]
                return  # the indices after ``n`` moved; one such change per message

    @staticmethod
    def _new_job(hits: list[tuple[str, frozenset[str]]]) -> list[tuple[str, frozenset[str]]]:
        """ "got a new job!! I'm a teaching assistant now": one job record, the role."""
        bare = [h for h in hits if _BARE_NEW_JOB.match(h[0])]
        roles = [(h, m) for h in hits if (m := _ROLE.match(h[0])) and subject_key(h[0]) is None]
        if len(bare) != 1 or len(roles) != 1:
            return hits
        (role, targets), match = roles[0]
        job = (_sentence(f"the user works as {match.group('role')}"), targets)
        return [job if h[0] == role else h for h in hits if h is not bare[0]]

    @staticmethod
    def _announced(
        said: str,
        strategy: str,
        texts: list[str],
        start: int,
        existing: Sequence[ExistingRecord],
        forced: dict[str, str],
    ) -> None:
        """Changes announced in shapes the rule table does not read, each as the record of
        the new state in place of the one it makes untrue: a break-up ("we broke up"), a pet
        that died ("we had to put luna down", only of one named before), a new baby (the
        count of children, and the baby's name), a food a stored diet rules out ("started
        eating fish again" replaces "is vegan"), a new job ("got a job as a junior dev"),
        coming out, and a new name ("call me sasha from now on", "alex is my deadname")."""
        text = _expand_contractions(_strip_symbols(_EMOJI_BREAK.sub(". ", said)))
        mine = texts[start:]
        keys = {subject_key(t) for t in mine}
        counted = any((k or ("",))[0] == "count" for k in keys)
        if strategy == "SEMANTIC":
            broke = _BROKE_UP.search(text)
            if broke and ("marital",) not in keys:
                who = (broke.group("who") or "partner").lower()
                # "The user splits up last month.", a misreading of it, is no record
                texts[start:] = [t for t in texts[start:] if not _BROKE_UP_RECORD.search(t)]
                _put(_sentence(f"the user broke up with their {who}"), None, texts, forced)
            RuleBasedExtractor._died(text, texts, start, existing, forced)
            if not counted:  # "three kids now, the baby arrived": the count is said
                RuleBasedExtractor._baby(text, texts, existing, forced)
            job = _GOT_JOB.search(text)
            if job and ("job",) not in keys:
                new = _sentence(f"the user works as {job.group('x').lower()}")
                _put(new, None, texts, forced)
            came = _CAME_OUT.search(text)
            if came and not any(" came out as " in t for t in mine):
                _put(
                    _sentence(f"the user came out as {came.group('x').lower()}"),
                    None,
                    texts,
                    forced,
                )
        if strategy in _B and ("diet",) not in keys:  # "..., so pescatarian now": said
            RuleBasedExtractor._eats_again(text, texts, existing, forced)
        call = _CALL_ME.search(text)
        if call is None:
            return
        name = call.group("name").lower()
        if strategy == "SEMANTIC" and _NAME_CHANGED.search(text):
            _put(_sentence(f"the user's name is {name}"), None, texts, forced)
        if strategy == "USER_PREFERENCE" and not any(
            _INSTRUCTION.match(_key_text(t)) and "call" in t for t in mine
        ):
            old = _newest(
                texts[:start], existing, lambda t: subject_key(t) == ("instruction", "call")
            )
            if old is not None and not _named(name)(old[2]):
                _put(
                    _sentence(f"the user wants the assistant to call them {name}"),
                    old,
                    texts,
                    forced,
                )

    @staticmethod
    def _died(
        text: str,
        texts: list[str],
        start: int,
        existing: Sequence[ExistingRecord],
        forced: dict[str, str],
    ) -> None:
        """ "we had to put luna down last week": the newest record naming luna says so."""
        for match in _DIED.finditer(text):
            who = match.group("x") or match.group("y") or match.group("z")
            name = re.sub(r"^(?:my|our) ", "", who, flags=re.I)
            target = _newest(texts[:start], existing, _named(name))
            if target is None:
                continue
            owner = re.match(
                rf"^The user's (?P<o>(?:{_RELATIONS})) {re.escape(name)}\b", target[2], re.I
            )
            subject = f"The user's {owner.group('o')} {name}" if owner else f"The user's {name}"
            if match.group("x"):  # "put luna down" -> "The user's cat luna was put down"
                new = _sentence(f"{subject} was put {match.group('how')}{match.group('tail')}")
            elif match.group("y"):
                new = _sentence(f"the user lost {_third_person_object(who)}{match.group('tail2')}")
            else:
                new = _sentence(f"{subject}{match.group(0)[len(match.group('z')) :]}")
            mine = [t for t in texts[start:] if _named(name)(t)]
            texts[start:] = [t for t in texts[start:] if t not in mine]
            _put(new, target, texts, forced)

    @staticmethod
    def _baby(
        text: str, texts: list[str], existing: Sequence[ExistingRecord], forced: dict[str, str]
    ) -> None:
        """ "baby number 3 arrived": the count of children takes the new number (one more
        than stored when no number is said), and the baby's name said with it is kept."""
        baby = _BABY.search(text)
        if baby is None:
            return
        # "The user's third baby was born on friday.": the count says it
        texts[:] = [t for t in texts if not _BABY_RECORD.match(t)]
        kids = ("kid", "child", "children", "baby")
        stored = _newest(
            texts,
            existing,
            lambda t: (subject_key(t) or ("", ""))[:2] in {("count", k) for k in kids},
        )
        number = _number(baby.group("n") or baby.group("ord") or "")
        if not number and stored is not None:
            old = _COUNT_VALUE.search(_key_text(stored[2]))
            number = _number(old.group("n")) + 1 if old is not None else 0
        noun = "children"
        if stored is not None and (subject_key(stored[2]) or ("", ""))[1] == "kid":
            noun = "kids"
        new = _sentence(
            f"the user has {number} {noun}" if number > 1 else "the user has a new baby"
        )
        _put(new, stored if number > 1 else None, texts, forced)
        named = _BABY_NAME.search(text)
        if named is not None:
            child = {"girl": "daughter", "boy": "son"}.get(
                named.group("sex").lower(), named.group("sex").lower()
            )
            _put(
                _sentence(f"the user's new baby {child} is called {named.group('name').lower()}"),
                None,
                texts,
                forced,
            )

    @staticmethod
    def _eats_again(
        text: str, texts: list[str], existing: Sequence[ExistingRecord], forced: dict[str, str]
    ) -> None:
        """ "I've started eating fish again": the record of it replaces a stored diet that
        rules the food out ("is vegan"); without one it is a record of its own."""
        match = _EATS_AGAIN.search(text)
        if match is None:
            return
        food = match.group("x").lower()
        again = " again" if re.search(r"\bagain\b", text[match.start() :], re.I) else ""
        new = _sentence(f"the user eats {food}{again}")

        def rules_out(record: str) -> bool:
            if subject_key(record) != ("diet",) or _NO_LONGER.match(_key_text(record)):
                return False
            diet = next((d for d in _RULED_OUT if f" {d} " in f" {_key_text(record)} "), None)
            return diet is not None and food in _RULED_OUT[diet]

        _put(new, _newest(texts, existing, rules_out), texts, forced)

    @staticmethod
    def _relength(
        said: str,
        texts: list[str],
        start: int,
        existing: Sequence[ExistingRecord],
        forced: dict[str, str],
    ) -> None:
        """ "give me the detailed versions" after "keep your answers short": the earlier
        instruction about the answers' length takes the new length (one instruction)."""
        asked = _LENGTH_ASKED.search(_expand_contractions(_strip_symbols(said)))
        if asked is None or "?" in said[asked.end() : asked.end() + 2]:
            return
        kind = next(k for k in _LENGTHS if asked.group(k))
        new = _sentence(f"the user wants the assistant to give {kind} answers")
        records: list[tuple[int | None, str, str | None]] = [
            (i, t, None) for i, t in enumerate(texts[:start])
        ]
        records += [(None, r.text, r.record_id) for r in existing]
        for index, text, record_id in reversed(records):
            length = _LENGTH_RECORD.search(text)
            if (subject_key(text) or ("",))[0] != "instruction" or length is None:
                continue
            if not length.group(kind):
                mine = [t for t in texts[start:] if _LENGTH_RECORD.search(t)]
                texts[start:] = [t for t in texts[start:] if t not in mine]
                if record_id is not None:
                    forced[new] = record_id
                    texts.append(new)
                elif index is not None:
                    texts[index] = new
            return

    @staticmethod
    def _rescheduled(
        said: str, texts: list[str], existing: Sequence[ExistingRecord], forced: dict[str, str]
    ) -> None:
        """ "the conference got pushed to june 3rd": the newest record naming the conference
        takes the new date (in this session's records, else the stored ones)."""
        for match in _RESCHEDULED.finditer(_expand_contractions(_strip_symbols(said))):
            fits = _named(match.group("thing"))
            when = match.group("when")
            for i in range(len(texts) - 1, -1, -1):
                fixed = _redated(texts[i], when) if fits(texts[i]) else None
                if fixed is not None:
                    texts[i] = fixed
                    break
            else:
                for record in reversed(existing):
                    if not fits(record.text) or not record.text.startswith("The user"):
                        continue
                    fixed = _redated(record.text, when)
                    if fixed is not None:
                        forced[fixed] = record.record_id
                        texts.append(fixed)
                        break

    @staticmethod
    def _diet_both(hits: list[tuple[str, frozenset[str]]]) -> list[tuple[str, frozenset[str]]]:
        """ "I've gone fully veggie now": a diet, however said, is a fact and a preference, so
        the change reaches the diet record of both strategies."""
        return [
            (text, targets | _B if subject_key(text) == ("diet",) else targets)
            for text, targets in hits
        ]

    @staticmethod
    def _not_old(
        said: str,
        hits: list[tuple[str, frozenset[str]]],
        texts: list[str],
        existing: Sequence[ExistingRecord],
        forced: dict[str, str],
    ) -> None:
        """ "I'm flying on the 9th, not the 8th": the record saying "the 8th" takes "the 9th"."""
        match = _NOT_OLD.match(_expand_contractions(_strip_symbols(said)).strip())
        if match is None or not hits:
            return
        old = match.group("old").strip()
        value = " ".join(match.group("new").split()[-len(old.split()) :])
        name = f" {normalize_text(old)} "
        records: list[tuple[str, str | None]] = [(t, None) for t in reversed(texts)]
        records += [(r.text, r.record_id) for r in reversed(existing)]
        for text, record_id in records:
            if name not in f" {normalize_text(text)} " or not text.startswith("The user "):
                continue
            fixed = _corrected(text, value, strict=True)
            new = hits[-1][0]  # the statement said, of the same owner and verb
            if fixed is not None and _head(fixed) == _head(new) is not None:
                if record_id is not None:
                    forced[fixed] = record_id
                else:
                    texts.remove(text)
                hits[-1] = (fixed, hits[-1][1])
                return

    @staticmethod
    def _named_fix(
        said: str, texts: list[str], existing: Sequence[ExistingRecord], forced: dict[str, str]
    ) -> None:
        """A change with no statement of its own that names what it changes ("the flight is
        on the 21st, not the 12th") corrects the newest record naming it."""
        said = _lead_stripped(_expand_contractions(_strip_symbols(said)).strip())
        if "?" in said:
            return
        first = re.split(r"[.;!?]|,(?!\s*(?:and\s+)?not\b)", said)[0]
        named = _named_correction(first, texts)
        if named is not None:
            texts[named[0]] = named[1]
            return
        named = _named_correction(first, [r.text for r in existing])
        if named is not None and named[1] not in texts:
            forced[named[1]] = existing[named[0]].record_id
            texts.append(named[1])

    @staticmethod
    def _recount(
        said: str, texts: list[str], existing: Sequence[ExistingRecord], forced: dict[str, str]
    ) -> None:
        """ "so it's three dogs now": the count record of the same thing takes the number."""
        for match in _RECOUNT.finditer(_expand_contractions(_strip_symbols(said))):
            value = match.group("v") or match.group("w")
            records: list[tuple[str, str | None]] = [(t, None) for t in reversed(texts)]
            records += [(r.text, r.record_id) for r in reversed(existing)]
            for text, record_id in records:
                key = subject_key(text)
                fixed = _corrected(text, value) if key and key[0] == "count" else None
                if fixed is not None and subject_key(fixed) == key:
                    if record_id is not None:
                        forced[fixed] = record_id
                    texts.append(fixed)
                    break

    @staticmethod
    def _swap(
        said: str,
        previous: list[tuple[str, int | None]],
        texts: list[str],
        existing: Sequence[ExistingRecord],
        forced: dict[str, str],
    ) -> None:
        """A change with no statement of its own updates the values of its kinds in the
        previous turn's last statement (or, at a session's start, the last stored record)."""
        said = _expand_contractions(_strip_symbols(said))
        if "?" in said or not _SWAP_CUE.search(said):  # "actually, can you do weekends?"
            return
        if previous:
            text, index = previous[-1]
            fixed = _swapped(text, said)
            if fixed is not None and index is not None:
                texts[index] = fixed
        elif not texts and existing:
            fixed = _swapped(existing[-1].text, said)
            if fixed is not None:
                forced[fixed] = existing[-1].record_id
                texts.append(fixed)

    @staticmethod
    def _switch(
        said: str,
        texts: list[str],
        start: int,
        existing: Sequence[ExistingRecord],
        forced: dict[str, str],
    ) -> None:
        """ "switched to green tea": the record of this turn (or else the newest stored one)
        holding a value of the same kind takes the new one ("drinks green tea")."""
        for match in _SWITCHED.finditer(_expand_contractions(_strip_symbols(said))):
            value = match.group("x").strip()
            if not value or _NOT_A_VALUE.match(value):
                continue
            head = _KIND_HEAD.match(value)  # "german on duolingo": the language
            if head is not None and any(k.fullmatch(head.group("k")) for k in _VALUE_KINDS):
                value = head.group("k")
            # "given up coffee, switched to green tea": one change, its record the new value
            texts[start:] = [
                t for t in texts[start:] if not (_GIVEN_UP.match(t) and _same_kind(t, value))
            ]
            for i in range(len(texts) - 1, start - 1, -1):
                new = _switched_to(texts[i], value) if _same_kind(texts[i], value) else None
                if new is not None:
                    if texts[i] in forced:
                        forced[new] = forced.pop(texts[i])
                    texts[i] = new
                    break
            else:
                for record in reversed(existing):
                    if (
                        _DRINK.search(value)
                        or _DEVICE_WORD.search(normalize_text(value))
                        or any(k.fullmatch(value) for k in _VALUE_KINDS)
                    ):
                        new = _switched_to(record.text, value)
                        if new is not None and _same_kind(record.text, value):
                            forced[new] = record.record_id
                            texts.append(new)
                            break

    @staticmethod
    def _new_place(
        said: str,
        texts: list[str],
        start: int,
        existing: Sequence[ExistingRecord],
        forced: dict[str, str],
    ) -> None:
        """ "I left Google, I'm at Microsoft now": the leaving becomes the new job (and
        replaces the record the leaving would have)."""
        match = _NEW_PLACE.search(_expand_contractions(_strip_symbols(said)))
        if match is None:
            return
        if match.group("what"):
            what = re.sub(r"^doing\b", "", match.group("what")).strip()
            new = _sentence(f"the user does {what} for {match.group('y')}")
        else:
            prep = match.group("w") or ("for" if match.group("at") == "with" else "at")
            new = _sentence(f"the user works {prep} {match.group('y')}")
        for i in range(len(texts) - 1, start - 1, -1):
            if _LEFT_JOB.match(texts[i]):
                key = subject_key(texts[i])
                old = [r for r in existing if key is not None and subject_key(r.text) == key]
                if texts[i] in forced:
                    forced[new] = forced.pop(texts[i])
                elif old:
                    forced[new] = old[-1].record_id
                texts[i] = new
                # "I'm doing deliveries for a pharmacy now" said it too: one record
                place = f" {normalize_text(match.group('y'))} "
                for j in range(start, len(texts)):
                    mine = (_head(texts[j]) or ("?",))[0] == ""  # not "my wife works at"
                    if j != i and mine and place in f" {normalize_text(texts[j])} ":
                        texts[j] = new
                return

    @staticmethod
    def _switch_when(said: str) -> list[tuple[str, frozenset[str]]]:
        """ "I switched to Brentford when I moved to west London": the move, read as said."""
        said = _expand_contractions(_strip_symbols(said))
        out: list[tuple[str, frozenset[str]]] = []
        for match in _SWITCHED.finditer(said):
            when = _SWITCH_WHEN.match(said[match.end() :])
            if when is not None:
                out += _statements(when.group("clause"))
        return out

    @staticmethod
    def _moved_in(said: str, texts: list[str], start: int) -> None:
        """ "we've moved, we're in Cheltenham now": where the user lives now (the bare
        "has moved" of the message becomes it; without a move, "I'm in Paris" is a trip)."""
        said = _expand_contractions(_strip_symbols(said))
        RuleBasedExtractor._relative_moved(texts, start)
        moved = _MOVED.search(said)
        match = (_NOW_IN.search(said) or _NOW_IN_PHRASE.search(said)) if moved else None
        if match is None:
            return
        place = _third_person_object(match.group("place").strip())
        new = _sentence(f"the user lives {place}")
        bare = [i for i in range(start, len(texts)) if _BARE_MOVE.match(texts[i])]
        if any(subject_key(t) == ("residence",) for t in texts[start:]):
            for i in reversed(bare):  # "moved house, we're based in Bristol": one record
                del texts[i]
        elif bare:
            texts[bare[-1]] = new
        else:
            texts.append(new)

    @staticmethod
    def _relative_moved(texts: list[str], start: int) -> None:
        """ "my sister lives in cork, she moved last year": the bare move of a relative whose
        home the message says is no record of its own."""
        for i in range(len(texts) - 1, start - 1, -1):
            match = _BARE_OWNER_MOVE.match(texts[i])
            if match is None:
                continue
            key = ("residence", _singular(match.group("who")))
            if any(subject_key(t) == key for t in texts[start:]):
                del texts[i]

    @staticmethod
    def _age(said: str, texts: list[str], existing: Sequence[ExistingRecord]) -> None:
        """ "had my birthday, officially 30 now": the user's age record takes the new age."""
        said = _expand_contractions(_strip_symbols(said))
        match = _AGE_NOW.search(said) if _AGE_CUE.search(said) else None
        if match is None or any(subject_key(t) == ("age",) for t in texts):
            return
        age = int(match.group("n") or match.group("m"))
        if 0 < age < 120:
            texts.append(_sentence(f"the user is {age} years old"))

    def _turn_points(self, turns: Sequence[ConversationTurn]) -> list[tuple[str, bool]]:
        """Short third-person sentences for a summary, each flagged True if from the user."""
        points: list[tuple[str, bool]] = []
        asked = True  # whether the last USER turn asked anything
        for turn in turns:
            role = turn.role.upper()
            sentences = _meaningful(turn.text)
            if not sentences:
                continue
            if role == "USER":
                user = _user_points(turn.text, sentences)
                asked = any(p.startswith("The user asked:") for p in user)
                points.extend((p, True) for p in user)
            elif role == "ASSISTANT":
                if not asked and _APPROVAL.match(sentences[0][0]):
                    continue  # "That's a great plan." to what the user will do: no answer
                prose, code = _without_code(turn.text)
                if not code:
                    points.append((f'The assistant replied: "{_quote(_reply(sentences))}".', False))
                    continue
                said = _meaningful(prose)
                tail = f' and said: "{_quote(_reply(said))}"' if said else ""
                points.append((f"The assistant replied with a code example{tail}.", False))
            elif role == "TOOL":
                points.append((f'A tool returned: "{_quote(sentences[0][0], 80)}".', False))
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
        new = [(p, user) for p, user in self._turn_points(request.turns) if p not in old_body]
        # Small talk alone (the user said nothing worth keeping) starts no summary.
        if not new or (previous is None and not any(user for _, user in new)):
            return []
        body = " ".join(([old_body] if old_body else []) + [p for p, _ in new])
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
