"""Corrections and changes consolidate into the earlier record (RuleBasedExtractor)."""

from __future__ import annotations

import pytest

from langgraph_agentcore.twin.extraction import (
    ConversationTurn,
    ExistingRecord,
    ExtractedRecord,
    ExtractionRequest,
    RuleBasedExtractor,
    subject_key,
)


def _extract(
    strategy: str, *said: str, existing: list[tuple[str, str]] | None = None
) -> list[ExtractedRecord]:
    request = ExtractionRequest(
        strategy_type=strategy,
        strategy_id="strat-1",
        actor_id="actor-1",
        session_id="sess-1",
        turns=[ConversationTurn("USER", text) for text in said],
        existing=[ExistingRecord(i, t) for i, t in existing or []],
    )
    return RuleBasedExtractor().extract(request)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("I'm flying to Lisbon on the 3rd, no wait, the 5th",), "on the 5th"),
        (("I have 2 kids, no wait, 3 kids",), "has 3 kids"),
        (("I have 3 kids, oops I mean 4",), "has 4 kids"),
        (("I work at Google, I mean Alphabet",), "works at Alphabet"),
        (("I'm a junior dev at a bank", "well, mid-level now, got promoted"), "mid-level dev"),
        (("I'm a senior engineer", "well, lead now"), "lead engineer"),
        (("I have a cat", "sorry, two cats"), "has two cats"),
        (("I'm flying to Boston on the 12th", "sorry, Denver"), "to Denver"),
    ],
)
def test_fragment_corrections_rewrite_the_value(said: tuple[str, ...], expected: str) -> None:
    records = _extract("SEMANTIC", *said)
    assert len(records) == 1 and expected in records[0].text


def test_brand_and_number_correction_replaces_the_stored_record() -> None:
    existing = [("mem-1", "The user has a Pixel 6.")]
    records = _extract("SEMANTIC", "sorry, Pixel 7", existing=existing)
    assert records == [ExtractedRecord("The user has a Pixel 7.", replaces="mem-1")]
    existing = [("mem-1", "The user's phone is a Pixel 6.")]
    said = ("my phone is a Pixel 6", "oh sorry, Pixel 7 actually")
    records = _extract("SEMANTIC", *said, existing=existing)
    assert records == [ExtractedRecord("The user's phone is a Pixel 7.", replaces="mem-1")]


def test_bare_correction_at_session_start_fixes_the_last_single_valued_record() -> None:
    existing = [("mem-1", "The user's partner is called Sam.")]
    records = _extract("SEMANTIC", "oops, typo, it's Sian", existing=existing)
    assert records == [ExtractedRecord("The user's partner is called Sian.", replaces="mem-1")]


@pytest.mark.parametrize(
    "said",
    ["oops, typo, it's Sian", "no worries, thanks", "Thanks, Bob", "ok, Monday then"],
)
def test_fragments_leave_other_records_alone(said: str) -> None:
    existing = [("mem-1", "The user likes The Beatles.")]
    assert _extract("USER_PREFERENCE", said, existing=existing) == []


def test_inline_apology_or_aside_is_not_a_correction() -> None:
    assert _extract("SEMANTIC", "I love it, I mean the food is great") == []
    records = _extract("SEMANTIC", "I'm flying to Boston on the 12th", "no, Tuesday")
    assert records == [ExtractedRecord("The user is flying to Boston on the 12th.")]


def test_leaving_an_employer_updates_the_record_naming_it() -> None:
    existing = [("mem-1", "The user lives in Leeds."), ("mem-2", "The user works at Google.")]
    records = _extract("SEMANTIC", "I left Google last month", existing=existing)
    assert records == [ExtractedRecord("The user no longer works at Google.", replaces="mem-2")]


def test_leaving_never_touches_a_relatives_record() -> None:
    existing = [("mem-1", "The user's brother works at Google.")]
    assert _extract("SEMANTIC", "I left Google", existing=existing) == []


def test_a_new_statement_about_the_slot_wins_over_the_negation() -> None:
    existing = [("mem-1", "The user lives in London.")]
    records = _extract(
        "SEMANTIC", "I left London last year, I live in Leeds now", existing=existing
    )
    assert records == [ExtractedRecord("The user lives in Leeds now.", replaces="mem-1")]


def test_an_added_pet_updates_the_count() -> None:
    existing = [("mem-1", "The user has two dogs.")]
    records = _extract("SEMANTIC", "we just adopted a third dog", existing=existing)
    assert records == [ExtractedRecord("The user adopted a third dog.", replaces="mem-1")]
    assert _extract("SEMANTIC", "my sister adopted a third dog", existing=existing) == [
        ExtractedRecord("The user's sister adopted a third dog.")
    ]
    assert subject_key("The user got a second cat.") == subject_key("The user has one cat.")


def test_changed_favourite_updates_the_one_favourite_it_fits() -> None:
    one = [("mem-1", "The user's favourite show is Succession.")]
    records = _extract(
        "USER_PREFERENCE", "changed my mind, The Bear is my favourite now", existing=one
    )
    assert len(records) == 1 and records[0].replaces == "mem-1"
    assert "The Bear" in records[0].text and "changed" not in records[0].text
    two = [*one, ("mem-2", "The user's favourite band is Coldplay.")]
    records = _extract("USER_PREFERENCE", "The Bear is my favourite now", existing=two)
    assert [r.replaces for r in records] == [None]  # ambiguous: neither is replaced


def test_a_change_about_the_user_never_replaces_a_relatives_record() -> None:
    existing = [("mem-1", "The user's sister lives in Paris.")]
    records = _extract("SEMANTIC", "actually I live in Paris now", existing=existing)
    assert [r.replaces for r in records] == [None]


@pytest.mark.parametrize(
    ("strategy", "said", "expected"),
    [
        ("SEMANTIC", ("I live in Leeds. Sorry, Sheffield.",), "The user lives in Sheffield."),
        ("SEMANTIC", ("my daughter is 7", "oops, 8"), "The user's daughter is 8."),
        (
            "USER_PREFERENCE",
            ("my favourite colour is blue", "actually it's green now"),
            "The user's favourite colour is green.",
        ),
        ("USER_PREFERENCE", ("I prefer tea", "sorry, coffee"), "The user prefers coffee."),
        (
            "SEMANTIC",
            ("I'm allergic to peanuts", "sorry, I meant tree nuts"),
            "The user is allergic to tree nuts.",
        ),
        ("SEMANTIC", ("I drive a Honda Civic", "oh it's a Toyota actually"), "a Toyota"),
        (
            "SEMANTIC",
            ("I have a golden retriever called Max", "oops, his name is Rex"),
            "The user has a golden retriever called Rex.",
        ),
        (
            "SEMANTIC",
            ("I'm moving to Berlin in May", "change of plans, Munich instead"),
            "The user is moving to Munich in May.",
        ),
        ("SEMANTIC", ("my partner's name is Sam", "it's not Sam, Sian"), "called Sian"),
        ("SEMANTIC", ("my partner's name is Sam", "not Sam but Sian"), "called Sian"),
    ],
)
def test_more_fragment_shapes(strategy: str, said: tuple[str, ...], expected: str) -> None:
    records = _extract(strategy, *said)
    assert len(records) == 1 and expected in records[0].text


@pytest.mark.parametrize(
    ("said", "old"),
    [
        (("I'm flying to Boston on the 12th", "sorry, denver"), "on the 12th"),
        (("I'm flying to Boston on the 12th", "well, whatever"), "on the 12th"),
        (("I love jazz", "sorry, blues"), "jazz"),
    ],
)
def test_plain_values_replace_only_a_plain_value_of_a_slot(said: tuple[str, ...], old: str) -> None:
    records = _extract("SEMANTIC", *said) or _extract("USER_PREFERENCE", *said)
    assert len(records) == 1 and old in records[0].text


def test_meta_remarks_do_not_overwrite_a_value() -> None:
    existing = [("mem-1", "The user's favourite colour is blue.")]
    assert _extract("USER_PREFERENCE", "oops wrong chat", existing=existing) == []


@pytest.mark.parametrize(
    ("said", "old", "new"),
    [
        ("I quit smoking last year", "The user smokes.", "The user no longer smokes."),
        ("I stopped eating meat", "The user eats meat.", "The user no longer eats meat."),
        (
            "I gave up coffee",
            "The user drinks coffee every morning.",
            "The user no longer drinks coffee every morning.",
        ),
    ],
)
def test_giving_up_a_habit_updates_it(said: str, old: str, new: str) -> None:
    existing = [("mem-0", "The user likes tea."), ("mem-1", old)]
    records = _extract("USER_PREFERENCE", said, existing=existing)
    assert records == [ExtractedRecord(new, replaces="mem-1")]


@pytest.mark.parametrize(
    ("said", "old"),
    [
        ("my brother quit smoking", "The user smokes."),
        ("I stopped eating sugar", "The user eats meat."),
        ("I gave up on that idea", "The user has an idea."),
        ("I quit my job", "The user started a new job at Acme."),
    ],
)
def test_giving_up_leaves_unrelated_records(said: str, old: str) -> None:
    records = _extract("SEMANTIC", said, existing=[("mem-1", old)])
    assert all(r.replaces is None for r in records)


def test_sold_car_updates_the_users_record_not_a_relatives() -> None:
    existing = [("mem-1", "The user's sister has a car."), ("mem-2", "The user has a car.")]
    records = _extract("SEMANTIC", "I sold my car", existing=existing)
    assert ExtractedRecord("The user no longer has a car.", replaces="mem-2") in records
    assert all(r.replaces != "mem-1" for r in records)


def test_a_recount_updates_the_count_of_the_same_thing() -> None:
    existing = [("mem-1", "The user has 3 kids.")]
    records = _extract("SEMANTIC", "it's four kids now", existing=existing)
    assert records == [ExtractedRecord("The user has four kids.", replaces="mem-1")]
    assert _extract("SEMANTIC", "so it's three cats now", existing=existing) == []
    dogs = [("mem-1", "The user has two dogs.")]
    records = _extract(
        "SEMANTIC", "we just adopted a third dog so it's three dogs now", existing=dogs
    )
    assert records == [ExtractedRecord("The user has three dogs.", replaces="mem-1")]


def _conversation(*turns: tuple[str, str]) -> list[ExtractedRecord]:
    request = ExtractionRequest(
        strategy_type="SEMANTIC",
        strategy_id="strat-1",
        actor_id="actor-1",
        session_id="sess-1",
        turns=[ConversationTurn(role, text) for role, text in turns],
    )
    return RuleBasedExtractor().extract(request)


def test_after_a_reply_only_an_unmistakable_correction_rewrites() -> None:
    flight = ("USER", "I'm flying to Boston on the 12th")
    answer = _conversation(flight, ("ASSISTANT", "Is that from New York?"), ("USER", "no, Chicago"))
    assert answer == [ExtractedRecord("The user is flying to Boston on the 12th.")]
    fixed = _conversation(flight, ("ASSISTANT", "Boston on the 12th!"), ("USER", "sorry, the 14th"))
    assert fixed == [ExtractedRecord("The user is flying to Boston on the 14th.")]


def test_a_weak_marker_does_not_rewrite_a_stored_record() -> None:
    existing = [("mem-1", "The user lives in Boston.")]
    assert _extract("SEMANTIC", "no, Chicago", existing=existing) == []
    records = _extract("SEMANTIC", "sorry, Chicago", existing=existing)
    assert records == [ExtractedRecord("The user lives in Chicago.", replaces="mem-1")]


def test_a_plain_value_needs_an_unmistakable_marker() -> None:
    records = _extract("SEMANTIC", "I'm vegetarian", "no meat, no fish")
    assert "The user is meat." not in [r.text for r in records]
    existing = [("mem-1", "The user has a dog."), ("mem-2", "The user is vegetarian.")]
    assert _extract("SEMANTIC", "well, whatever", existing=existing) == []


@pytest.mark.parametrize(
    ("said", "old", "new"),
    [
        (
            "I'm flying on the 9th, not the 8th",
            "The user is flying to Rome on the 8th.",
            "The user is flying to Rome on the 9th.",
        ),
        (
            "my cat's name is actually Luna, not Lulu",
            "The user's cat is called Lulu.",
            "The user's cat is called Luna.",
        ),
        ("correction: I'm 42, not 41", "The user is 41 years old.", "The user is 42 years old."),
        ("make that three kids", "The user has two kids.", "The user has three kids."),
    ],
)
def test_new_value_not_old_value_updates_the_old_record(said: str, old: str, new: str) -> None:
    records = _extract(
        "SEMANTIC", said, existing=[("mem-0", "The user likes tea."), ("mem-1", old)]
    )
    assert records == [ExtractedRecord(new, replaces="mem-1")]


def test_not_old_value_leaves_a_record_of_another_slot() -> None:
    existing = [("mem-1", "The user works in London.")]
    records = _extract("SEMANTIC", "I live in Leeds, not London", existing=existing)
    assert all(r.replaces != "mem-1" for r in records)


def test_pronoun_and_number_corrects_the_previous_turn() -> None:
    records = _extract("SEMANTIC", "my son is 5", "oh he just turned 6")
    assert records == [ExtractedRecord("The user's son is 6.")]


def test_a_marked_change_needs_a_shared_thing_not_a_shared_number() -> None:
    existing = [("mem-1", "The user has been in Berlin for about six years now.")]
    records = _extract(
        "SEMANTIC", "actually I've been at Deloitte for six years", existing=existing
    )
    assert all(r.replaces is None for r in records)


def test_an_instruction_from_now_on_does_not_replace_another_instruction() -> None:
    existing = [("mem-1", "The user wants the assistant to always use metric units.")]
    records = _extract(
        "USER_PREFERENCE", "from now on keep your answers under 100 words", existing=existing
    )
    assert all(r.replaces is None for r in records)


def test_leaving_a_long_held_job_reads_naturally() -> None:
    existing = [("mem-1", "The user has been at Deloitte for six years now.")]
    records = _extract("SEMANTIC", "update: I left Deloitte last month", existing=existing)
    assert records == [ExtractedRecord("The user is no longer at Deloitte.", replaces="mem-1")]


def test_a_name_correction_does_not_rename_a_counted_pet_at_session_start() -> None:
    existing = [("mem-1", "The user has a golden retriever called Biscuit.")]
    assert _extract("SEMANTIC", "oops, typo, it's Sian", existing=existing) == []


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("my son is in grade 2", "sorry grade 3 i mean"), "son is in grade 3"),
        (("I'm a junior analyst at a bank", "well senior now technically"), "senior analyst"),
        (("we have two dogs - oh wait three now. what food is best?",), "has three dogs"),
        (("my daughter is 4", "sorry, shes 5 — birthday last week"), "daughter is 5"),
    ],
)
def test_bare_corrections_with_fillers_and_questions(said: tuple[str, ...], expected: str) -> None:
    records = _extract("SEMANTIC", *said)
    assert len(records) == 1 and expected in records[0].text


def test_a_relatives_home_is_replaced_only_by_the_same_relative() -> None:
    existing = [
        ("mem-1", "The user's sister lives in York."),
        ("mem-2", "The user's brother lives in Hull."),
    ]
    records = _extract("SEMANTIC", "My sister has moved to Leeds.", existing=existing)
    assert records == [ExtractedRecord("The user's sister has moved to Leeds.", replaces="mem-1")]
    existing = [("mem-1", "The user's sister works at Initech.")]
    records = _extract("SEMANTIC", "My brother works at Acme now.", existing=existing)
    assert [r.replaces for r in records] == [None]


@pytest.mark.parametrize(
    ("said", "old", "new"),
    [
        ("quit my old job! I started at a design agency on monday", "works at a bank", "design"),
        ("I left Deloitte, I'm now at a small law firm", "works at Deloitte", "law firm"),
        ("I am moving to Lyon for work", "lives in Paris", "Lyon"),
    ],
)
def test_a_new_job_or_home_replaces_the_old_one_without_a_no_longer(
    said: str, old: str, new: str
) -> None:
    records = _extract("SEMANTIC", said, existing=[("mem-1", f"The user {old}.")])
    assert len(records) == 1 and records[0].replaces == "mem-1" and new in records[0].text


@pytest.mark.parametrize(
    ("old", "said", "new"),
    [
        ("The user has a macbook air.", "got a new laptop, a thinkpad now", "thinkpad"),
        ("The user has an iphone 12.", "finally upgraded, a pixel 9 now", "pixel 9"),
        ("The user drives a Honda Civic.", "I drive a Tesla now", "Tesla"),
    ],
)
def test_a_device_is_one_slot_named_by_kind_brand_or_model(old: str, said: str, new: str) -> None:
    records = _extract("SEMANTIC", said, existing=[("mem-1", old)])
    assert len(records) == 1 and records[0].replaces == "mem-1" and new in records[0].text


def test_a_phone_call_is_not_a_phone() -> None:
    assert subject_key("The user has a phone call at 3.") != subject_key("The user has a Pixel 8.")


def test_a_birthday_updates_the_users_age_but_not_for_a_child() -> None:
    existing = [("mem-1", "The user is 40 years old.")]
    records = _extract(
        "SEMANTIC", "it was my birthday on friday, officially 41 now", existing=existing
    )
    assert records == [ExtractedRecord("The user is 41 years old.", replaces="mem-1")]
    records = _extract("SEMANTIC", "my son turned 9 on sunday", existing=existing)
    assert all("years old" not in r.text for r in records)


@pytest.mark.parametrize(
    ("old", "said", "new"),
    [
        (
            "The user drinks cappuccinos every morning.",
            "switched to oat milk lattes recently",
            "The user drinks oat milk lattes.",
        ),
        (
            "The user drinks five cups of tea a day.",
            "I've cut down to two cups of tea a day",
            "The user drinks two cups of tea a day.",
        ),
        (
            "The user's usual order is a flat white.",
            "switched to chai lately",
            "The user's usual order is chai.",
        ),
    ],
)
def test_switching_gives_the_record_of_the_same_kind_its_new_value(
    old: str, said: str, new: str
) -> None:
    records = _extract("USER_PREFERENCE", said, existing=[("mem-1", old)])
    assert records == [ExtractedRecord(new, replaces="mem-1")]


def test_switching_to_something_of_another_kind_replaces_nothing() -> None:
    existing = [("mem-1", "The user drinks cappuccinos every morning.")]
    records = _extract("USER_PREFERENCE", "I switched to Linux last year", existing=existing)
    assert all(r.replaces is None for r in records)


def test_a_change_of_shift_swaps_the_shift_and_the_hours() -> None:
    said = (
        "I work evenings at the hospital, 4 till 11",
        "actually they put me on mornings now, 7 to 3",
    )
    records = _extract("SEMANTIC", *said)
    assert records == [ExtractedRecord("The user works mornings at the hospital, 7 to 3.")]
    said = ("I work evenings at the hospital", "actually it took a few days")
    records = _extract("SEMANTIC", *said)
    assert records == [ExtractedRecord("The user works evenings at the hospital.")]
    existing = [("mem-1", "The user works days at the depot.")]
    records = _extract("SEMANTIC", "actually they moved me to nights", existing=existing)
    assert records == [ExtractedRecord("The user works nights at the depot.", replaces="mem-1")]


def test_someone_elses_switch_or_a_relatives_name_is_not_the_users_change() -> None:
    existing = [("mem-1", "The user drinks cappuccinos every morning.")]
    assert _extract("USER_PREFERENCE", "my wife switched to decaf", existing=existing) == []
    records = _extract("SEMANTIC", "My wife is Anna, we switched to Vodafone")
    assert all("Vodafone" not in r.text for r in records)
    records = _extract("SEMANTIC", "I use VS Code, switched to Neovim last month")
    assert records == [ExtractedRecord("The user uses Neovim.")]


@pytest.mark.parametrize(
    ("old", "said", "replaces"),
    [
        ("The user lives in Edinburgh.", "I'm in Glasgow now", True),
        ("The user lives in Edinburgh.", "I'm in London for a conference", False),
        ("The user's husband works at Aldi.", "my husband got a job at Tesco", True),
        ("The user's wife works at Aldi.", "my husband got a job at Tesco", False),
        ("The user has an iphone 13.", "my new phone is a galaxy s24", True),
        ("The user uses a Windows laptop.", "I use a Mac now", True),
    ],
)
def test_more_ways_of_saying_the_new_value_of_a_slot(old: str, said: str, replaces: bool) -> None:
    records = _extract("SEMANTIC", said, existing=[("mem-1", old)])
    assert any(r.replaces == "mem-1" for r in records) is replaces


@pytest.mark.parametrize(
    ("said", "new"),
    [
        ("I quit Initech, I'm at Globex now", "The user works at Globex."),
        ("I left Acme, I'm with Vodafone now", "The user works for Vodafone."),
        (
            "left the cafe, I'm doing admin for a dental clinic now",
            "does admin for a dental clinic",
        ),
    ],
)
def test_leaving_then_a_new_workplace_is_the_new_job(said: str, new: str) -> None:
    existing = [("mem-1", "The user works weekends at Initech.")]
    if "Initech" not in said:
        existing = [("mem-1", f"The user works at {'Acme' if 'Acme' in said else 'a cafe'}.")]
    records = _extract("SEMANTIC", said, existing=existing)
    assert len(records) == 1 and records[0].replaces == "mem-1" and new in records[0].text


def test_leaving_for_home_is_still_a_leaving() -> None:
    existing = [("mem-1", "The user works at Acme.")]
    records = _extract("SEMANTIC", "I quit my job at Acme, I'm at home now", existing=existing)
    assert records == [ExtractedRecord("The user no longer works at Acme.", replaces="mem-1")]


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("The user is in Paris.", None),  # maybe a trip
        ("The user is in Year 5 now.", None),
        ("The user is now in New York.", ("residence",)),
        ("The user has golf on sundays.", None),
        ("The user has mac and cheese on fridays.", None),
        ("The user drives a Ford Fiesta.", ("attribute", "car")),
    ],
)
def test_slot_keys_of_places_and_devices_stay_narrow(
    text: str, slot: tuple[str, ...] | None
) -> None:
    assert subject_key(text) == slot


def test_a_question_with_a_shift_word_swaps_nothing() -> None:
    said = ("I work nights at the depot", "actually, can you do it on weekends?")
    assert _extract("SEMANTIC", *said) == [ExtractedRecord("The user works nights at the depot.")]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("my birthday is may 3rd, remind me to book a table", "oops i mean may 13th"), "may 13th"),
        (("my birthday is 3 May", "sorry, the 13th of May"), "the 13th of May"),
    ],
)
def test_a_day_of_a_month_corrects_the_whole_date(said: tuple[str, ...], expected: str) -> None:
    records = _extract("SEMANTIC", *said)
    assert len(records) == 1 and records[0].text == f"The user's birthday is {expected}."


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "I live in Melbourne... well technically Geelong now, we moved out of the city",
            "The user lives in Geelong.",
        ),
        ("I live in Melbourne, well, Geelong now", "The user lives in Geelong."),
        ("I live in London, well, Surrey technically", "The user lives in Surrey."),
        ("I work at Google, well Alphabet", "The user works at Google, well Alphabet."),
        ("I live in Melbourne, well near it", "The user lives in Melbourne, well near it."),
    ],
)
def test_well_corrects_inside_a_message_only_with_technically_or_now(
    said: str, expected: str
) -> None:
    assert [r.text for r in _extract("SEMANTIC", said)] == [expected]


def test_switching_to_another_phone_replaces_the_phone_the_user_has() -> None:
    existing = [("mem-1", "The user has an iphone 12.")]
    said = "switched to a samsung galaxy s23 last month, bye apple lol"
    records = _extract("SEMANTIC", said, existing=existing)
    assert records == [ExtractedRecord("The user has a samsung galaxy s23.", replaces="mem-1")]
    existing = [("mem-1", "The user drives a Toyota.")]
    records = _extract("SEMANTIC", "switched to a Tesla last year", existing=existing)
    assert records == [ExtractedRecord("The user drives a Tesla.", replaces="mem-1")]


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("The user moved back home to cardiff last month.", ("residence",)),
        ("The user moves to Torino for new work.", ("residence",)),
        ("The user moves on to chapter two.", None),
    ],
)
def test_moving_back_home_is_the_residence(text: str, slot: tuple[str, ...] | None) -> None:
    assert subject_key(text) == slot


def test_a_new_job_and_the_role_said_with_it_are_one_job_record() -> None:
    existing = [("mem-1", "The user works at tesco on the tills.")]
    said = "got a new job!! im a teaching assistant now \U0001f389"
    records = _extract("SEMANTIC", said, existing=existing)
    assert records == [ExtractedRecord("The user works as a teaching assistant.", replaces="mem-1")]
    records = _extract("SEMANTIC", "got a new job! I'm a bit nervous though", existing=existing)
    assert [r.text for r in records] == ["The user got a new job."]


_FRENCH = "The user wants the assistant to answer in french from now on."


@pytest.mark.parametrize(
    ("said", "existing", "expected"),
    [
        (("actually you can go back to english, french is too hard",), [_FRENCH], "english"),
        (("reply in french from now on pls", "actually you can go back to english"), [], "english"),
        (("actually, switch to spanish",), [_FRENCH], "spanish"),
        (("I speak english at home",), [_FRENCH], None),
        (("from now on answer me in spanish pls, even if i write in english",), [], "spanish"),
    ],
)
def test_an_instruction_takes_the_language_the_user_goes_back_to(
    said: tuple[str, ...], existing: list[str], expected: str | None
) -> None:
    records = _extract(
        "USER_PREFERENCE", *said, existing=[(f"mem-{i}", t) for i, t in enumerate(existing)]
    )
    if expected is None:
        assert records == []
    else:
        assert len(records) == 1 and f" in {expected} " in records[0].text
        assert records[0].replaces == ("mem-0" if existing else None)


def test_upgrading_replaces_the_one_record_naming_the_same_thing() -> None:
    existing = [("mem-1", "The user is training for a half marathon in april.")]
    said = "upgraded to the full marathon in april \U0001f605 signed up yesterday"
    records = _extract("SEMANTIC", said, existing=existing)
    assert records == [
        ExtractedRecord("The user upgraded to the full marathon in april.", replaces="mem-1")
    ]
    two = [*existing, ("mem-2", "The user ran a marathon in 2019.")]
    assert _extract("SEMANTIC", said, existing=two)[0].replaces is None
    son = [("mem-1", "The user's son is training for a marathon.")]
    assert _extract("SEMANTIC", said, existing=son)[0].replaces is None


def test_the_new_place_after_leaving_is_said_once() -> None:
    existing = [("mem-1", "The user works mornings at a bakery on the high street.")]
    said = "update: left the bakery, im doing deliveries for a pharmacy now"
    records = _extract("SEMANTIC", said, existing=existing)
    assert records == [
        ExtractedRecord("The user does deliveries for a pharmacy.", replaces="mem-1")
    ]


@pytest.mark.parametrize(
    ("said", "existing", "expected"),
    [
        ("switched from my iphone to a pixel 8", "The user has an iphone 12.", "has a pixel 8"),
        ("switched from coffee to green tea", "The user drinks 4 coffees a day.", "green tea"),
    ],
)
def test_switching_from_the_old_to_the_new_value(said: str, existing: str, expected: str) -> None:
    records = _extract("SEMANTIC", said, existing=[("mem-1", existing)])
    assert len(records) == 1 and records[0].replaces == "mem-1" and expected in records[0].text


def test_going_back_to_replying_in_a_language() -> None:
    records = _extract(
        "USER_PREFERENCE", "can you go back to replying in english", existing=[("mem-1", _FRENCH)]
    )
    assert records == [ExtractedRecord(_FRENCH.replace("french", "english"), replaces="mem-1")]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (("my birthday is may 3rd", "oops i mean the 13th"), "The user's birthday is may 13th."),
        (
            ("im flying to Lisbon on May 3rd, no wait, the 5th",),
            "The user is flying to Lisbon on May 5th.",
        ),
    ],
)
def test_a_bare_day_corrects_the_day_of_the_date(said: tuple[str, ...], expected: str) -> None:
    assert [r.text for r in _extract("SEMANTIC", *said)] == [expected]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("i'm 41, wait 42 as of last week haha", "The user is 42 years old."),
        ("I'm flying to Boston, wait Denver", "The user is flying to Denver."),
        ("I have two dogs, wait three dogs", "The user has three dogs."),
    ],
)
def test_a_bare_wait_corrects_the_value_inside_a_message(said: str, expected: str) -> None:
    assert _extract("SEMANTIC", said) == [ExtractedRecord(expected)]


def test_a_bare_move_and_where_the_user_is_now_is_the_new_residence() -> None:
    existing = [("mem-1", "The user lives in Harrogate.")]
    said = "We've moved, we're in Cheltenham now. Closer to the family."
    records = _extract("SEMANTIC", "i live in york", said, existing=existing)
    assert records == [ExtractedRecord("The user lives in Cheltenham.", replaces="mem-1")]
    records = _extract("SEMANTIC", "we moved house, we're based in Bristol", existing=existing)
    assert records == [ExtractedRecord("The user lives in Bristol.", replaces="mem-1")]
    # without a move, being somewhere is no new home
    assert _extract("SEMANTIC", "I'm in Paris now, having a great time", existing=existing) == []


def test_a_favourite_said_with_these_days_is_the_same_favourite() -> None:
    existing = [("mem-1", "The user's favourite band is arctic monkeys.")]
    records = _extract(
        "USER_PREFERENCE", "honestly my fave band these days is fontaines dc", existing=existing
    )
    assert [r.replaces for r in records] == ["mem-1"]
    assert subject_key("The user's favourite band these days is X.") == (
        "attribute",
        "favorite band",
    )


def test_the_news_said_with_a_switch_is_read_too() -> None:
    existing = [("mem-1", "The user lives in Leeds.")]
    said = "I support Arsenal, well, supported, I switched to Brentford when I moved to west London"
    records = _extract("SEMANTIC", said, existing=existing)
    assert ExtractedRecord("The user lives in west London.", replaces="mem-1") in records
    # the message's own job wins over the start of the switch
    said = "I switched to nights when I started at the hospital, I am a nurse"
    texts = [r.text for r in _extract("SEMANTIC", said)]
    assert "The user is a nurse." in texts


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # "its" typed without an apostrophe opens the correction like "it's"
        (
            ("I'm flying to Rome on the 4th", "sorry, its the 14th"),
            "The user is flying to Rome on the 14th.",
        ),
        # chatter ends the correction when a new sentence follows without punctuation
        (("I have 2 cats", "3 actually haha what was I thinking"), "The user has 3 cats."),
        # a narrowed value ("just", "only") is the new value; "actually," still ends it
        (
            ("I'm allergic to nuts", "sorry, it's just peanuts actually, almonds are fine"),
            "The user is allergic to peanuts.",
        ),
        (
            ("I'm allergic to seafood", "it's not all seafood, only mussels"),
            "The user is allergic to mussels.",
        ),
    ],
)
def test_a_next_turn_correction_in_chat_style_rewrites_the_value(
    said: tuple[str, ...], expected: str
) -> None:
    assert _extract("SEMANTIC", *said) == [ExtractedRecord(expected)]


def test_chained_correction_markers_inside_a_sentence_fix_the_value() -> None:
    records = _extract("SEMANTIC", "my brother lives in leeds, sorry I mean york")
    assert records == [ExtractedRecord("The user's brother lives in york.")]


def test_a_correction_naming_its_subject_fixes_the_record_naming_it() -> None:
    existing = [("mem-1", "The user's cat milo is 7."), ("mem-2", "The user works at a bakery.")]
    # in a later session: not the last record, but the one naming milo
    records = _extract("SEMANTIC", "whoops, milo is actually 8, I lost count", existing=existing)
    assert records == [ExtractedRecord("The user's cat milo is 8.", replaces="mem-1")]
    # in the same session, the record naming it is rewritten
    said = ("my cat milo is 7, he sleeps all day", "sorry, milo is 8")
    texts = [r.text for r in _extract("SEMANTIC", *said)]
    assert "The user's cat milo is 8." in texts and "The user's cat milo is 7." not in texts
    # said without a marker of its own: "actually" and the old value after "not"
    existing = [("mem-1", "The user's train to York is on the 9th.")]
    records = _extract(
        "SEMANTIC", "the train is actually on the 19th, not the 9th", existing=existing
    )
    assert records == [
        ExtractedRecord("The user's train to York is on the 19th.", replaces="mem-1")
    ]


def test_a_named_correction_needs_the_name_and_the_old_value() -> None:
    existing = [("mem-1", "The user's cat milo is 7.")]
    assert _extract("SEMANTIC", "oops, luna is 8", existing=existing) == []
    records = _extract("SEMANTIC", "milo is actually 8, not 6", existing=existing)
    assert records == []


def test_a_new_count_at_session_start_updates_the_stored_count_of_that_thing() -> None:
    existing = [("mem-1", "The user has 2 dogs."), ("mem-2", "The user has a garden.")]
    records = _extract("SEMANTIC", "well, 3 dogs now, we adopted a puppy", existing=existing)
    assert ExtractedRecord("The user has 3 dogs.", replaces="mem-1") in records
    # a count of another thing is no correction
    assert _extract("SEMANTIC", "well, 3 cats now", existing=existing) == []


def test_after_a_move_now_in_a_place_is_the_new_home_in_lower_case_too() -> None:
    existing = [("mem-1", "The user lives in leeds.")]
    said = "we've moved!! now in a small town near bath"
    records = _extract("SEMANTIC", said, existing=existing)
    assert records == [
        ExtractedRecord("The user lives in a small town near bath.", replaces="mem-1")
    ]
    # a state is no place, and without a move "now in" is no new home
    records = _extract("SEMANTIC", "we moved last month, now in debt lol", existing=existing)
    assert not any("lives" in r.text or r.replaces for r in records)
    assert _extract("SEMANTIC", "now in a cafe near bath", existing=existing) == []


def test_a_relatives_bare_move_goes_with_the_home_said_with_it() -> None:
    said = "my brother lives in hull, he moved a few months ago"
    assert _extract("SEMANTIC", said) == [ExtractedRecord("The user's brother lives in hull.")]
    # without the place the move is kept
    assert _extract("SEMANTIC", "my brother moved a few months ago") == [
        ExtractedRecord("The user's brother moved a few months ago.")
    ]


def test_switching_language_gives_the_record_naming_a_language_the_new_one() -> None:
    existing = [("mem-1", "The user is studying spanish at night school.")]
    said = "dropped spanish in the end, switched to italian"
    records = _extract("SEMANTIC", said, existing=existing)
    assert records == [
        ExtractedRecord("The user is studying italian at night school.", replaces="mem-1")
    ]
    # an instruction's language is not what the user studies
    existing = [("mem-1", "The user wants the assistant to answer in Spanish.")]
    assert _extract("SEMANTIC", "I switched to italian", existing=existing) == []


def test_a_give_up_said_with_a_switch_of_the_same_kind_is_no_record_of_its_own() -> None:
    existing = [("mem-1", "The user drinks three colas a day.")]
    said = "I've given up cola totally, switched to kombucha"
    texts = [r.text for r in _extract("SEMANTIC", said, existing=existing)]
    assert not any("given up" in t for t in texts)
    # a give-up of another kind stays
    said = "I've given up sugar completely, switched to decaf"
    texts = [r.text for r in _extract("SEMANTIC", said)]
    assert "The user has given up sugar completely." in texts


def test_the_device_the_user_is_using_is_their_one_device_of_that_kind() -> None:
    assert subject_key("The user is using an iPhone 11.") == ("attribute", "phone")
    existing = [("mem-1", "The user is using an old Galaxy S9, the screen is cracked.")]
    records = _extract("SEMANTIC", "finally upgraded, I've got a Pixel 7 now", existing=existing)
    assert records == [ExtractedRecord("The user has a Pixel 7 now.", replaces="mem-1")]


def test_a_plan_said_instead_of_the_old_one_replaces_the_record_naming_it() -> None:
    existing = [
        ("mem-1", "The user is training for a 10k in june."),
        ("mem-2", "The user has a dog."),
    ]
    said = "change of plans, I'm doing the half marathon in june instead of the 10k"
    records = _extract("SEMANTIC", said, existing=existing)
    assert records == [
        ExtractedRecord("The user is doing the half marathon in june.", replaces="mem-1")
    ]
    # in the same session the earlier statement is rewritten
    said = (
        "I'm training for a 10k in june",
        "I'm doing the half marathon in june instead of the 10k",
    )
    assert _extract("SEMANTIC", *said) == [
        ExtractedRecord("The user is doing the half marathon in june.")
    ]


def test_instead_of_something_no_record_names_adds_the_statement_as_said() -> None:
    existing = [("mem-1", "The user is training for a 10k in june.")]
    said = "I'm cycling to work instead of the bus"
    records = _extract("SEMANTIC", said, existing=existing)
    assert [r.replaces for r in records] == [None]


def test_a_later_correction_naming_the_old_value_fixes_the_record_holding_it() -> None:
    existing = [("mem-1", "The user is allergic to nuts."), ("mem-2", "The user has a cat.")]
    records = _extract("SEMANTIC", "it's not all nuts, just cashews", existing=existing)
    assert records == [ExtractedRecord("The user is allergic to cashews.", replaces="mem-1")]
    # "not sure" names no old value
    assert _extract("SEMANTIC", "not sure, cashews maybe", existing=existing) == []


def test_a_language_switch_said_with_where_it_is_learnt() -> None:
    existing = [("mem-1", "The user is learning dutch on an app.")]
    said = "switched from dutch to danish on the app"
    records = _extract("SEMANTIC", said, existing=existing)
    assert records == [ExtractedRecord("The user is learning danish on an app.", replaces="mem-1")]


@pytest.mark.parametrize(
    ("said", "stored", "expected"),
    [
        ("I'm back in Derby living with my mum", "The user lives in Leeds.", "back in Derby"),
        (
            "finally got a flat in Galway with my sister",
            "The user is renting a room in Cork.",
            "flat in Galway",
        ),
    ],
)
def test_a_home_said_another_way_replaces_the_stored_home(
    said: str, stored: str, expected: str
) -> None:
    records = _extract("SEMANTIC", said, existing=[("mem-1", stored)])
    assert len(records) == 1 and records[0].replaces == "mem-1"
    assert expected in records[0].text


@pytest.mark.parametrize("strategy", ["SEMANTIC", "USER_PREFERENCE"])
def test_a_diet_gone_another_way_replaces_the_diet_in_both_strategies(strategy: str) -> None:
    records = _extract(
        strategy, "I've gone fully veggie", existing=[("mem-1", "The user is pescatarian.")]
    )
    assert records == [ExtractedRecord("The user has gone fully veggie.", replaces="mem-1")]


def test_a_food_the_stored_diet_rules_out_replaces_the_diet() -> None:
    for strategy in ("SEMANTIC", "USER_PREFERENCE"):
        records = _extract(
            strategy,
            "I've started eating chicken again",
            existing=[("mem-1", "The user is vegetarian.")],
        )
        assert records == [ExtractedRecord("The user eats chicken again.", replaces="mem-1")]
    # a pescatarian eats fish: nothing is untrue, so nothing is replaced
    stored = [("mem-1", "The user is pescatarian.")]
    assert all(
        r.replaces is None
        for r in _extract("SEMANTIC", "started eating fish again", existing=stored)
    )


def test_a_liking_with_a_comment_after_a_comma_is_the_slot_of_the_thing() -> None:
    stored = [("mem-1", "The user loves curry, the spicier the better.")]
    records = _extract("USER_PREFERENCE", "I don't like curry anymore", existing=stored)
    assert records == [ExtractedRecord("The user no longer likes curry.", replaces="mem-1")]
    assert subject_key("The user likes tea, coffee and juice.") != subject_key(
        "The user likes tea."
    )


def test_a_switch_replaces_a_drink_the_user_only_drinks() -> None:
    stored = [("mem-1", "The user only drinks green tea.")]
    records = _extract("USER_PREFERENCE", "I've switched to flat whites", existing=stored)
    assert records == [ExtractedRecord("The user drinks flat whites.", replaces="mem-1")]


def test_what_was_said_before_names_the_value_a_correction_replaces() -> None:
    stored = [("mem-1", "The user's daughter mia turns 6 in may.")]
    records = _extract("SEMANTIC", "sorry I said 6 before, she's turning 7", existing=stored)
    assert records == [ExtractedRecord("The user's daughter mia turns 7 in may.", replaces="mem-1")]


def test_told_you_wrong_with_a_name_fixes_the_record_of_what_the_name_stands_for() -> None:
    stored = [
        ("mem-1", "The user's cat is called max."),
        ("mem-2", "The user's cat is a 4 year old tabby."),
    ]
    records = _extract("SEMANTIC", "oops I told you wrong, max is actually 5", existing=stored)
    assert records == [ExtractedRecord("The user's cat is a 5 year old tabby.", replaces="mem-2")]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("the wedding got moved to july 10th", "for a wedding on july 10th."),
        ("the wedding has been pushed back to saturday", "for a wedding on saturday."),
    ],
)
def test_a_rescheduled_thing_takes_the_new_date(said: str, expected: str) -> None:
    stored = [("mem-1", "The user is flying to Rome for a wedding on june 5th.")]
    records = _extract("SEMANTIC", said, existing=stored)
    assert len(records) == 1 and records[0].replaces == "mem-1"
    assert records[0].text.endswith(expected)


def test_a_new_answer_length_replaces_the_stored_length_instruction() -> None:
    stored = [("mem-1", "The user wants the assistant to keep answers brief.")]
    said = "ok changing my mind, give me the longer versions please"
    assert _extract("USER_PREFERENCE", said, existing=stored) == [
        ExtractedRecord("The user wants the assistant to give detailed answers.", replaces="mem-1")
    ]
    assert _extract("SEMANTIC", said) == []  # the change of mind is no fact
    # without a length instruction before, a detailed version is a one-off request
    stored = [("mem-1", "The user likes curry.")]
    assert (
        _extract("USER_PREFERENCE", "give me the detailed version of that", existing=stored) == []
    )


def test_a_break_up_replaces_the_relationship() -> None:
    stored = [("mem-1", "The user is in a relationship.")]
    records = _extract("SEMANTIC", "we split up last month", existing=stored)
    assert records == [ExtractedRecord("The user broke up with their partner.", replaces="mem-1")]


def test_a_pet_that_died_replaces_the_record_naming_it() -> None:
    stored = [("mem-1", "The user's dog biscuit is 12.")]
    records = _extract("SEMANTIC", "we had to put biscuit to sleep yesterday", existing=stored)
    assert records == [
        ExtractedRecord("The user's dog biscuit was put to sleep yesterday.", replaces="mem-1")
    ]
    assert _extract("SEMANTIC", "I had to put my foot down with the kids", existing=stored) == []


def test_a_new_baby_updates_the_count_of_children_and_keeps_the_name() -> None:
    stored = [("mem-1", "The user has two children.")]
    records = _extract(
        "SEMANTIC", "our third baby was born on friday! a boy called theo", existing=stored
    )
    assert records == [
        ExtractedRecord("The user has 3 children.", replaces="mem-1"),
        ExtractedRecord("The user's new baby son is called theo."),
    ]
    # the count said with it wins
    records = _extract(
        "SEMANTIC",
        "we have three kids now, the baby arrived last week",
        existing=[("mem-1", "The user has two kids.")],
    )
    assert len(records) == 1 and records[0].replaces == "mem-1"
    assert records[0].text.startswith("The user has three kids")


def test_a_new_job_announced_replaces_the_job() -> None:
    stored = [("mem-1", "The user works as a waiter.")]
    records = _extract("SEMANTIC", "GUESS WHO GOT A JOB AS A TRAINEE NURSE!!", existing=stored)
    assert records == [ExtractedRecord("The user works as a trainee nurse.", replaces="mem-1")]


def test_a_new_name_replaces_the_name_instruction_and_is_a_fact() -> None:
    stored = [("mem-1", "The user wants the assistant to call them jo.")]
    records = _extract("USER_PREFERENCE", "could you call me sam from now on?", existing=stored)
    assert records == [
        ExtractedRecord("The user wants the assistant to call them sam.", replaces="mem-1")
    ]
    said = "can you call me kit from now on? robin is my deadname, I came out as nonbinary"
    assert [r.text for r in _extract("SEMANTIC", said)] == [
        "The user came out as nonbinary.",
        "The user's name is kit.",
    ]
    assert _extract("USER_PREFERENCE", "could you call me sam?") == []
