"""Splitting a USER message into first-person statement clauses (:func:`_clauses`).

Questions and requests are dropped, joined statements ("I'm 34 and live in Porto") are
cut apart, and a clause that leaves out its "I" ("been vegan for 6 years") is detected
and given its subject back (:func:`_restore_subject`), so that :mod:`.rules` sees one
plain first-person clause at a time.
"""

from __future__ import annotations

import re

from langgraph_agentcore.twin.extraction.text import (
    _AND_VERBS,
    _ASKS,
    _CLAUSE_BREAK,
    _COUNTED_START,
    _COUPLE,
    _COUPLE_ASIDE,
    _ELLIPTIC_START,
    _NOT_STATEMENTS,
    _QUESTION_BREAK,
    _WORK_OR_LIVE,
    _clean_clause,
    _couple_aside,
    _expand_contractions,
    _lead_stripped,
    _sentences,
)

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
# "Hello, I am Marta": a capitalised given name, not a nationality or a faith ("I am Polish")
_I_AM_NAME = re.compile(
    r"^I am (?!(?:Fine|Good|Okay|Great|Sorry|Back|Home|Done|Ready|Tired|Sure|Well|Not|Very|"
    r"Just|Also|Still|New|Late|Busy|Free|Happy|Glad|Bored|Lost|Stuck|Confused|Retired|Single|"
    r"Married|Vegan|Vegetarian)$)(?P<name>[A-Z][a-z]{2,14})$"
    r"(?<!ish)(?<!ese)(?<!ian)(?<!an)(?<!ch)(?<!ic)(?<!i)(?<!ist)(?<!ite)"
    r"(?<!Muslim)(?<!Hindu)(?<!Sikh)(?<!Jew)(?<!Mormon)(?<!Catholic)(?<!Protestant)(?<!Here)"
)
# "47 and back at uni": an age, then the rest
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
