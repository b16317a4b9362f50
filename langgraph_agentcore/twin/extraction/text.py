"""Text helpers shared by every reader of a conversation.

Normalising for duplicate detection (:func:`normalize_text`), expanding contractions,
third-person rewriting of pronouns and verbs, splitting a message into sentences (and
flagging questions), and the lead-word, small-talk and request patterns that clause
splitting, corrections and summaries all consult. It depends on nothing else in the
package except the quoting limit in :mod:`.records`.
"""

from __future__ import annotations

import re
import unicodedata

from langgraph_agentcore.twin.extraction.records import _QUOTE_MAX_CHARS


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


def _lead_stripped(sentence: str) -> str:
    previous = None
    while sentence != previous:
        previous, sentence = sentence, _LEAD.sub("", sentence).strip()
    return sentence


def _sentence(subject_and_predicate: str) -> str:
    """Capitalise and terminate a generated record sentence."""
    text = re.sub(r"\s+", " ", subject_and_predicate).strip().rstrip(".,;: ")
    return text[0].upper() + text[1:] + "." if text else ""


def _quote(text: str, limit: int = _QUOTE_MAX_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"


def _singular(noun: str) -> str:
    noun = noun.lower()
    if noun in {"children", "kids"}:
        return "kid" if noun == "kids" else "child"
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
