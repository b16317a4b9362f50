"""Consolidation of new records with stored ones.

:func:`subject_key` names the single-valued slot a record fills (where the user lives,
their diet, how long answers should be, ...), so a newer record replaces the stored
one instead of adding a contradicting duplicate; :func:`_superseded` drops a "no longer
..." a new value already covers; :class:`_Consolidator` matches candidates against
existing records by key and by similarity. The patterns for life changes (moved, new
job, a baby, a recount) that the extractor's change handlers read also live here, next
to the slots they update.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from langchain_core.embeddings import Embeddings

from langgraph_agentcore.twin.embeddings import cosine_similarity
from langgraph_agentcore.twin.extraction.clauses import _OCCUPATIONS, _RELATIONS, _article
from langgraph_agentcore.twin.extraction.records import ExistingRecord, ExtractedRecord
from langgraph_agentcore.twin.extraction.rules import _DIETS, _RESTRICTIONS
from langgraph_agentcore.twin.extraction.text import (
    _NUMBER_WORD,
    _sentence,
    _singular,
    _third_person_object,
    normalize_text,
)

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
