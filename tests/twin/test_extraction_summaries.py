"""Session summaries of the rule-based extractor: what becomes a point, and how."""

from __future__ import annotations

import pytest

from langgraph_agentcore.twin.extraction import (
    ConversationTurn,
    ExtractionRequest,
    RuleBasedExtractor,
)

PREFIX = "Summary of session s1: "


def _summary(*turns: tuple[str, str]) -> str | None:
    request = ExtractionRequest(
        strategy_type="SUMMARIZATION",
        strategy_id="sum",
        actor_id="a1",
        session_id="s1",
        turns=[ConversationTurn(role, text) for role, text in turns],
    )
    records = RuleBasedExtractor().extract(request)
    if not records:
        return None
    (record,) = records
    assert record.text.startswith(PREFIX)
    return record.text[len(PREFIX) :]


@pytest.mark.parametrize(
    "first, second",
    [
        ("morning! how r u today", "not bad, bit sleepy lol. have a good one"),
        ("good morning!!", "haha nah, just testing you"),
        ("hiya, how are things", "all good thanks, you?"),
        ("hey hows it going", "pretty chill, just had a nice walk, weather's lovely"),
        ("hello!", "not bad, it's so sunny out here, what a lovely day"),
        ("hey!", "good thanks, just back from a run, bit tired after work"),
        ("morning :) how are you", "nothing really, just bored on the train lol"),
        ("hey, long day at work today, finally home", "haha yeah, gonna watch a film and chill"),
    ],
)
def test_small_talk_only_session_has_no_summary(first: str, second: str) -> None:
    assert (
        _summary(
            ("USER", first),
            ("ASSISTANT", "Morning! I'm doing well, thanks for asking. How about you?"),
            ("USER", second),
            ("ASSISTANT", "You too! Enjoy your day."),
        )
        is None
    )


def test_question_without_question_mark_is_asked() -> None:
    body = _summary(("USER", "ok and whats a good gel brand"))
    assert body == 'The user asked: "what is a good gel brand".'


def test_request_put_as_trying_to_figure_out_is_asked_and_its_context_said() -> None:
    body = _summary(
        ("USER", "freelance translator here, trying to figure out if i need to register for vat")
    )
    assert body == (
        "The user is a freelance translator. "
        'The user asked: "freelance translator here, trying to figure out if i need to '
        'register for vat".'
    )


def test_facts_beside_a_request_are_kept_and_she_is_resolved() -> None:
    body = _summary(
        (
            "USER",
            "My granddaughter gave me a tablet for my 81st birthday. "
            "How do I make a video call to her? She lives in Australia.",
        )
    )
    assert body is not None
    assert 'The user said: "My granddaughter gave me a tablet for my 81st birthday".' in body
    assert "granddaughter lives in Australia" in body
    assert 'The user asked: "How do I make a video call to her".' in body


def test_moods_and_follow_ups_beside_a_request_are_not_points() -> None:
    assert _summary(("USER", "Long day at work. Can you suggest a quick dinner?")) == (
        'The user asked: "Can you suggest a quick dinner".'
    )
    thanks = "thanks so much, that's really helpful. one more question: how long to boil eggs"
    assert _summary(("USER", thanks)) == 'The user asked: "how long to boil eggs".'


def test_a_stated_problem_is_asked_once_and_the_rest_is_read() -> None:
    body = _summary(
        ("USER", "my wifi keeps dropping on my laptop, its a macbook air m1"),
        ("ASSISTANT", "That's often congestion. Try switching the router to the 5 GHz band."),
    )
    assert body == (
        'The user said: "its a macbook air m1". '
        'The user asked: "my wifi keeps dropping on my laptop". '
        'The assistant replied: "That is often congestion. '
        'Try switching the router to the 5 GHz band".'
    )


def test_problem_gives_no_fact_but_the_pet_does() -> None:
    body = _summary(("USER", "my cat luna keeps throwing up after she eats, shes 12"))
    assert body is not None
    assert "keeps throwing up after she eats." not in body  # no fact of the problem
    assert 'The user asked: "my cat luna keeps throwing up after she eats".' in body
    assert "The user's cat is 12." in body


def test_assistant_caveat_is_left_out() -> None:
    body = _summary(
        ("USER", "whats a good gel brand"),
        (
            "ASSISTANT",
            "Popular options are SiS, Maurten and High5; try them in training first, "
            "not on race day.",
        ),
    )
    assert body is not None
    assert body.endswith(
        'The assistant replied: "Popular options are SiS, Maurten and High5; '
        'try them in training first".'
    )


def test_instruction_beside_a_request_is_a_summary_point() -> None:
    body = _summary(("USER", "make it firmer, and always use UK spelling for me"))
    assert body is not None
    assert "The user wants the assistant to always use UK spelling" in body
    assert 'The user asked: "make it firmer, and always use UK spelling for me".' in body


def test_reaction_before_a_request_is_not_said() -> None:
    body = _summary(("USER", "the crumble sounds good, can i make it the day before?"))
    assert body == 'The user asked: "the crumble sounds good, can i make it the day before".'


def test_wh_question_with_inner_can_i_stays_one_question() -> None:
    body = _summary(("USER", "I run a small bakery in Bristol. how do I price wedding cakes"))
    assert body == (
        'The user runs a small bakery in Bristol. The user asked: "how do I price wedding cakes".'
    )


def test_need_help_is_asked() -> None:
    body = _summary(("USER", "need help writing a resignation letter"))
    assert body == 'The user asked: "need help writing a resignation letter".'


def test_short_assistant_diagnosis_keeps_the_advice_after_it() -> None:
    body = _summary(
        ("USER", "my tomatoes have yellow leaves at the bottom"),
        ("ASSISTANT", "That's usually overwatering. Feed them a tomato feed weekly."),
    )
    assert body is not None
    assert body.endswith(
        'The assistant replied: "That is usually overwatering. Feed them a tomato feed weekly".'
    )


def test_pleasant_outing_needs_an_adjective_to_be_small_talk() -> None:
    body = _summary(("USER", "just had a baby girl last week"))
    assert body is not None


def test_question_pointing_back_takes_the_statement_before_it() -> None:
    body = _summary(("USER", "my son wants a hamster and we have a cat already. good idea?"))
    assert body is not None
    assert 'The user asked: "my son wants a hamster and we have a cat already. good idea".' in body


def test_unread_part_with_a_number_beside_facts_is_said() -> None:
    body = _summary(("USER", "im 29, earn about 38k, renting in manchester"))
    assert body is not None
    assert "The user is 29 years old." in body
    assert "The user earns about 38k." in body  # now a fact of its own
    body = _summary(("USER", "im 29, about 38k a year after tax, renting in manchester"))
    assert body is not None
    assert 'The user said: "about 38k a year after tax".' in body


def test_evaluative_question_about_that_takes_its_topic() -> None:
    body = _summary(("USER", "my landlord wants to raise the rent by 20%. is that legal?"))
    assert body is not None
    assert 'asked: "my landlord wants to raise the rent by 20%. is that legal"' in body


def test_question_with_its_own_topic_stands_alone() -> None:
    body = _summary(("USER", "tried all that, still dropping. could it be the router?"))
    assert body == 'The user asked: "could it be the router".'


def test_a_question_wins_over_a_need_stated_before_it() -> None:
    body = _summary(
        ("USER", "I need a new laptop for editing, my budget is 1500. which one should I get?")
    )
    assert body == (
        "The user's budget is 1500. "
        'The user said: "I need a new laptop for editing". '
        'The user asked: "which one should I get".'
    )


def test_a_couple_as_subject_is_not_split_from_its_request() -> None:
    body = _summary(("USER", "my husband and I are going to Rome in May, any restaurant tips?"))
    assert body is not None
    assert 'The user asked: "my husband and I are going to Rome in May, any restaurant tips".' in (
        body
    )
    assert 'said: "my husband"' not in body


def test_a_fact_left_without_its_subject_after_and_is_kept() -> None:
    body = _summary(
        ("USER", "we moved here last year and have two kids at the local school. clubs?")
    )
    assert body is not None
    assert "The user has two kids at the local school." in body


def test_a_fact_joining_two_statements_is_split_into_its_points() -> None:
    body = _summary(
        ("USER", "I am from Brazil and next month I visit London with my husband. Which area?")
    )
    assert body is not None
    assert "The user is from Brazil." in body
    assert "The user visits London with their husband." in body  # a fact of its own now


def test_a_list_of_things_is_not_split() -> None:
    body = _summary(("USER", "I am allergic to nuts and shellfish. what can I order?"))
    assert body is not None
    assert "The user is allergic to nuts and shellfish." in body


@pytest.mark.parametrize("said", ["all good ta, just bored lol", "ta, not bad, bit tired"])
def test_british_thanks_and_a_mood_start_no_summary(said: str) -> None:
    assert _summary(("USER", "hiya how's it going"), ("ASSISTANT", "Good!"), ("USER", said)) is None


@pytest.mark.parametrize(
    "text, asked",
    [
        (
            "my doctor says my cholesterol is high, I'm 58, which foods should i avoid",
            "which foods should i avoid",
        ),
        ("I'm 40 and unfit, how many days should i train", "how many days should i train"),
    ],
)
def test_a_question_opened_in_a_sentences_last_part_stays_whole(text: str, asked: str) -> None:
    body = _summary(("USER", text))
    assert body is not None
    assert asked in body.split('The user asked: "', 1)[1]


@pytest.mark.parametrize(
    "text, topic",
    [
        (
            "im in year 11 and i have to write an essay on hamlet, due monday, where do i even"
            " start",
            "essay on hamlet",
        ),
        ("just got handed a 40 page report to review by tomorrow. what should I do?", "report"),
        ("my landlord wants to raise the rent by 20%. how do i even begin", "landlord"),
    ],
)
def test_a_request_with_no_topic_keeps_the_statement_before_it(text: str, topic: str) -> None:
    body = _summary(("USER", text))
    assert body is not None
    asked = body.split('The user asked: "', 1)[1].split('".', 1)[0]
    assert topic in asked


def test_a_plan_left_without_its_subject_after_a_fact_is_its_own_point() -> None:
    body = _summary(("USER", "yeah i rent rn and want to buy in like 3 years"))
    assert body is not None
    assert "The user rents rn." in body
    assert 'The user said: "want to buy in like 3 years".' in body


@pytest.mark.parametrize(
    "text",
    [
        "he wont eat his dinner, is that normal?",
        "Rex has ticks I reckon, what should I use on a puppy?",
    ],
)
def test_a_statement_without_news_before_a_request_is_asked_with_it(text: str) -> None:
    assert _summary(("USER", text)) == f'The user asked: "{text.rstrip("?")}".'


def test_a_statement_with_news_before_a_request_is_said_on_its_own() -> None:
    body = _summary(("USER", "the party is for 30 people, any ideas for a cake?"))
    assert body == (
        'The user said: "the party is for 30 people". The user asked: "any ideas for a cake".'
    )


@pytest.mark.parametrize(
    "text",
    [
        "my coworker Ana is vegan, any ideas for her birthday cake?",
        "my colleague lost her passport abroad, what does she need to do",
    ],
)
def test_news_of_someone_outside_the_household_is_asked_with_the_request(text: str) -> None:
    # people who are not relatives or pets get no records: what they did is the context
    assert _summary(("USER", text)) == f'The user asked: "{text.rstrip("?")}".'


@pytest.mark.parametrize(
    "wish, question",
    [
        ("I want to learn to sail this summer", "Which clubs you recommend"),
        ("I would like to run a marathon next year", "how should I train"),
    ],
)
def test_a_question_wins_over_a_wish_stated_before_it(wish: str, question: str) -> None:
    body = _summary(("USER", f"{wish}. {question}?"))
    assert body == f'The user said: "{wish}". The user asked: "{question}".'


@pytest.mark.parametrize(
    "said",
    [
        "not bad, a bit cloudy here but cannot complain",
        "gorgeous sunny morning here at last",
        "so cold out today lol",
    ],
)
def test_the_weather_of_the_moment_starts_no_summary(said: str) -> None:
    assert (
        _summary(("USER", "morning!"), ("ASSISTANT", "Morning! How are you?"), ("USER", said))
        is None
    )


def test_a_fact_misread_from_chat_is_no_point() -> None:
    assert _summary(("USER", "grey day here, I live in Leeds")) == "The user lives in Leeds."


def test_a_reply_opening_with_a_verdict_keeps_the_advice_after_it() -> None:
    body = _summary(
        ("USER", "my puppy cries every night in his crate, is that normal?"),
        (
            "ASSISTANT",
            "Quite normal: most puppies cry for the first week or two in a new home. "
            "Put a worn t-shirt in the crate and keep it by your bed.",
        ),
    )
    assert body is not None
    assert body.endswith(
        'The assistant replied: "Quite normal: most puppies cry for the first week or two in a'
        ' new home. Put a worn t-shirt in the crate and keep it by your bed".'
    )


def test_a_reply_without_a_verdict_keeps_its_first_sentence() -> None:
    body = _summary(
        ("USER", "how do I descale a kettle"),
        (
            "ASSISTANT",
            "Fill it halfway with equal parts water and white vinegar and bring it to the boil. "
            "Rinse it well afterwards.",
        ),
    )
    assert body is not None
    assert body.endswith(
        'The assistant replied: "Fill it halfway with equal parts water and white vinegar and'
        ' bring it to the boil".'
    )


@pytest.mark.parametrize(
    "text, point",
    [
        ("I have a cat called Max, hes 3", "The user has a cat called Max, who is 3."),
        (
            "we adopted a spaniel named Rolo, she is 2",
            "The user adopted a spaniel named Rolo, who is 2.",
        ),
    ],
)
def test_a_he_or_she_detail_is_folded_into_the_fact_before_it(text: str, point: str) -> None:
    assert _summary(("USER", text)) == point


def test_a_habit_said_beside_a_fact_is_kept() -> None:
    body = _summary(
        ("USER", "my car is a 2010 golf, i only drive it at weekends. should i sell it?")
    )
    assert body == (
        "The user's car is a 2010 golf. "
        'The user said: "i only drive it at weekends". '
        'The user asked: "should i sell it".'
    )
    body = _summary(("USER", "my car is a 2010 golf, i think it is fine. should i sell it?"))
    assert body == 'The user\'s car is a 2010 golf. The user asked: "should i sell it".'


# ---------------------------------------------------------------- round 9


def test_a_one_off_arrangement_is_no_point_of_its_own() -> None:
    body = _summary(
        ("USER", "we live in a flat and cooking for my parents on friday. any easy pudding ideas?")
    )
    assert body == 'The user lives in a flat. The user asked: "any easy pudding ideas".'


def test_a_report_back_on_advice_is_no_request() -> None:
    body = _summary(
        ("USER", "how do i fix my printer"),
        ("ASSISTANT", "Restart it and reinstall the driver."),
        ("USER", "tried the restart thing, seems better. but now my printer shows offline"),
    )
    assert body is not None
    assert "restart thing" not in body
    assert body.endswith('The user said: "but now my printer shows offline".')


def test_a_request_put_as_not_knowing_quotes_its_question() -> None:
    body = _summary(("USER", "i have no idea how to start a compost heap, help"))
    assert body == 'The user asked: "how to start a compost heap, help".'


@pytest.mark.parametrize(
    "text, asked",
    [
        (
            "my lower back is sore after gardening all weekend. sciatica??",
            "my lower back is sore after gardening all weekend. sciatica",
        ),
        (
            "our router is upstairs and the signal dies in the kitchen. extender or mesh?",
            "our router is upstairs and the signal dies in the kitchen. extender or mesh",
        ),
    ],
)
def test_a_bare_phrase_question_is_asked_with_the_statement_before_it(
    text: str, asked: str
) -> None:
    body = _summary(("USER", text))
    assert body is not None
    assert body.endswith(f'The user asked: "{asked}".')
    assert "The user said:" not in body


def test_a_detail_pointing_back_at_the_question_is_asked_with_it() -> None:
    body = _summary(("USER", "should i replace the tyres on my bike? mine are about 6 years old"))
    assert (
        body
        == 'The user asked: "should i replace the tyres on my bike? mine are about 6 years old".'
    )


def test_a_turn_that_asks_nothing_is_one_report() -> None:
    body = _summary(
        ("USER", "my tomato plants have brown spots on the leaves. i grow them in the greenhouse")
    )
    assert body == (
        'The user said: "my tomato plants have brown spots on the leaves. '
        'i grow them in the greenhouse".'
    )


def test_a_statement_opening_a_turn_is_no_bare_answer() -> None:
    body = _summary(("USER", "they also said there is a written test. i know basic excel"))
    assert body == "The user knows basic excel."


def test_a_fact_listing_things_is_not_cut_at_a_possessive() -> None:
    body = _summary(("USER", "i only have a kettle and a toaster in my room. any breakfast ideas?"))
    assert body == (
        "The user only has a kettle and a toaster in their room. "
        'The user asked: "any breakfast ideas".'
    )


def test_a_question_in_quotes_is_mentioned_not_asked() -> None:
    body = _summary(
        ("USER", "i dread the 'what are your weaknesses' part of interviews. any tips?")
    )
    assert body == (
        "The user asked: \"i dread the 'what are your weaknesses' part of interviews. any tips\"."
    )


def test_a_reply_leaves_out_its_asides_in_brackets() -> None:
    body = _summary(
        ("USER", "how do i make bread rise better"),
        ("ASSISTANT", "Use warm water (about 40C, not hotter) and prove the dough for longer."),
    )
    assert body is not None
    assert body.endswith('The assistant replied: "Use warm water and prove the dough for longer".')


def test_a_reply_in_steps_keeps_the_step_after_the_first() -> None:
    body = _summary(
        ("USER", "how do i ask for a pay rise"),
        (
            "ASSISTANT",
            "Start by booking a meeting with your manager. Then bring three examples of work "
            "that went beyond your role. Keep it short.",
        ),
    )
    assert body is not None
    assert body.endswith(
        'The assistant replied: "Start by booking a meeting with your manager. Then bring three '
        'examples of work that went beyond your role".'
    )


def test_a_reply_with_code_is_an_example_not_a_quote_of_code() -> None:
    body = _summary(
        ("USER", "can you show me how to reverse a list in python"),
        (
            "ASSISTANT",
            "Here you go:\nnumbers = [1, 2, 3]\nnumbers.reverse()\nprint(numbers)\n"
            "This changes the list in place.",
        ),
    )
    assert body is not None
    assert body.endswith(
        'The assistant replied with a code example and said: "This changes the list in place".'
    )


def test_approval_of_what_the_user_will_do_is_no_answer() -> None:
    body = _summary(
        ("USER", "how do i stop my cat scratching the sofa"),
        ("ASSISTANT", "Give her a tall scratching post next to it."),
        ("USER", "ok i will get one this weekend"),
        ("ASSISTANT", "That's a great plan. Put it right next to the sofa so she finds it."),
    )
    assert body is not None
    assert body.endswith('The user said: "ok i will get one this weekend".')


def test_approval_answering_a_question_is_kept() -> None:
    body = _summary(
        ("USER", "should i get a dehumidifier"),
        ("ASSISTANT", "Good idea: it will help with the damp in winter."),
    )
    assert body is not None
    assert body.endswith(
        'The assistant replied: "Good idea: it will help with the damp in winter".'
    )
