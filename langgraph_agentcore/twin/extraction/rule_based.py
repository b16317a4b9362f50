"""The default extractor, :class:`RuleBasedExtractor`.

Routes a request by strategy type: facts and preferences are read by :mod:`.rules`,
fixed by :mod:`.corrections`, updated by the change handlers here (moves, new jobs,
switches, recounts, ...) and consolidated by :mod:`.consolidation`; summaries and
episodes are assembled from :mod:`.summaries`. Deterministic, no language model.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from langchain_core.embeddings import Embeddings

from langgraph_agentcore.twin.embeddings import HashingEmbeddings
from langgraph_agentcore.twin.extraction.clauses import _RELATIONS
from langgraph_agentcore.twin.extraction.consolidation import (
    _AGE_CUE,
    _AGE_NOW,
    _BABY,
    _BABY_NAME,
    _BABY_RECORD,
    _BACK_TO,
    _BARE_MOVE,
    _BARE_NEW_JOB,
    _BARE_OWNER_MOVE,
    _BROKE_UP,
    _BROKE_UP_RECORD,
    _CALL_ME,
    _CAME_OUT,
    _CHANGE_LEAD,
    _CHANGE_MARKER,
    _COUNT_VALUE,
    _DEVICE_WORD,
    _DIED,
    _DRINK,
    _EATS_AGAIN,
    _GAVE_UP,
    _GIVEN_UP,
    _GOT_JOB,
    _INSTEAD_OF,
    _INSTRUCTION,
    _INSTRUCTION_KINDS,
    _KIND_HEAD,
    _LEFT,
    _LEFT_JOB,
    _LENGTH_ASKED,
    _LENGTH_RECORD,
    _LENGTHS,
    _MOVED,
    _NAME_CHANGED,
    _NEW_PLACE,
    _NO_LONGER,
    _NOT_OLD,
    _NOW_IN,
    _NOW_IN_PHRASE,
    _RECOUNT,
    _ROLE,
    _RULED_OUT,
    _SWAP_CUE,
    _SWITCH_WHEN,
    _SWITCHED,
    _UPGRADED,
    _VALUE_KINDS,
    _Consolidator,
    _content,
    _gave_up,
    _head,
    _key_text,
    _named,
    _negation,
    _newest,
    _number,
    _put,
    _same_kind,
    _swapped,
    _switched_to,
    _without_actually,
    subject_key,
)
from langgraph_agentcore.twin.extraction.corrections import (
    _NOT_A_VALUE,
    _RESCHEDULED,
    _corrected,
    _fragment,
    _inline_corrected,
    _meta_corrected,
    _named_correction,
    _redated,
    _stored_correction,
)
from langgraph_agentcore.twin.extraction.records import (
    _SUMMARY_MAX_CHARS,
    ConversationTurn,
    ExistingRecord,
    ExtractedRecord,
    ExtractionRequest,
    normalize_strategy_type,
)
from langgraph_agentcore.twin.extraction.rules import _B, _statements
from langgraph_agentcore.twin.extraction.summaries import (
    _APPROVAL,
    _meaningful,
    _reply,
    _user_points,
    _without_code,
)
from langgraph_agentcore.twin.extraction.text import (
    _EMOJI_BREAK,
    _LEAD_WORDS,
    _expand_contractions,
    _lead_stripped,
    _quote,
    _sentence,
    _singular,
    _strip_symbols,
    _third_person_object,
    normalize_text,
)


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
