"""Corrections of what the user said before.

A message that opens with a bare correction ("sorry, the 14th") fixes the previous
statement or a stored record (:func:`_fragment`, :func:`_corrected`,
:func:`_stored_correction`, :func:`_named_correction`); a correction inside a message
("the 3rd, no wait, the 5th") is applied before it is read (:func:`_inline_corrected`).
Matching a correction to the record it fixes uses :func:`.consolidation.subject_key`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langgraph_agentcore.twin.extraction.consolidation import _COUNT_VALUE, _NUMBERS, subject_key
from langgraph_agentcore.twin.extraction.records import ExistingRecord
from langgraph_agentcore.twin.extraction.rules import _statements
from langgraph_agentcore.twin.extraction.text import (
    _NUMBER_WORD,
    _expand_contractions,
    _sentence,
    _singular,
    _strip_symbols,
    _third_person_object,
    normalize_text,
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
