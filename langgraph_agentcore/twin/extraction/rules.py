"""Reading a clause into a record: the rule table and the learned clause model.

:data:`_RULES` rewrites a first-person clause in the third person and names the
strategies it belongs to (:func:`_apply_rules`); a clause no rule matches is read by the
clause model shipped with the package (:mod:`..clause_model`), which can also veto what
a catch-all rule read. :func:`_read_clause` combines the two and :func:`_statements`
reads a whole USER message. The clause model is looked up through this module's
``default_model``, so patch it here to run without it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from langgraph_agentcore.twin.clause_model import default_model
from langgraph_agentcore.twin.extraction.clauses import (
    _OCCUPATIONS,
    _RELATIONS,
    _THIRD_PARTIES,
    _clauses,
    _restore_subject,
)
from langgraph_agentcore.twin.extraction.text import (
    _AMOUNT,
    _MONEY_NOUNS,
    _PRONOUN_OBJECT,
    _expand_contractions,
    _sentence,
    _third_person_object,
    _third_person_verb,
)

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
