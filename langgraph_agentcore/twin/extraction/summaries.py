"""Session summaries and episodes: which sentences of a conversation are worth keeping.

Deciding what a message is (small talk, a question, a request, a problem the user
reports, news about someone else) and turning each USER turn into summary points
(:func:`_user_points`: its facts, what no rule reads, what it asked) and each reply into
its substantive sentence (:func:`_reply`), without quoting code. The extractor's
``_summarize`` and ``_episode`` assemble these.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langgraph_agentcore.twin.extraction.clauses import (
    _PARENS,
    _RELATIONS,
    _THIRD_PARTIES,
    _restore_subject,
)
from langgraph_agentcore.twin.extraction.rules import (
    _MOMENTARY,
    _apply_rules,
    _momentary,
    _statements,
    _vetoed,
)
from langgraph_agentcore.twin.extraction.text import (
    _CLAUSE_BREAK,
    _COUPLE,
    _NOT_STATEMENTS,
    _REQUESTS,
    _SMALL_TALK,
    _SUBJECT,
    _clean_clause,
    _expand_contractions,
    _lead_stripped,
    _quote,
    _sentence,
    _sentences,
    normalize_text,
)

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
    chat_facts = _chat_facts(text)
    facts = [
        f
        for f in dict.fromkeys(t for t, _ in _statements(text))
        if f not in problem_facts and f not in chat_facts
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
