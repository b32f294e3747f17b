"""The keyword grammar alone: every row of the contract's table, the spellings that must not matter, and
arbitrary text (never an exception, always exactly one command)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mobilize.services.inbound.grammar import Command, Verb, parse

ROWS: list[tuple[str, Verb, str | int | None]] = [
    # opt-out: the carriers' words, any case, spacing and punctuation
    *[(w, Verb.STOP, None) for w in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")],
    ("stop", Verb.STOP, None),
    ("  Stop!!  ", Verb.STOP, None),
    ("s t o p", Verb.STOP, None),
    ("Stop all", Verb.STOP, None),
    ("opt-out", Verb.STOP, None),
    ("\uff33\uff34\uff2f\uff30", Verb.STOP, None),  # full-width STOP
    ("STOP \U0001f6d1", Verb.STOP, None),
    # plain-language requests to stop
    ("please stop texting me", Verb.STOP, "plain"),
    ("Unsubscribe me", Verb.STOP, "plain"),
    ("remove me from this list", Verb.STOP, "plain"),
    ("Please STOP", Verb.STOP, "plain"),
    ("don't text me anymore", Verb.STOP, "plain"),
    ("No more texts please", Verb.STOP, "plain"),
    ("wrong number", Verb.STOP, "plain"),
    # opt back in
    ("START", Verb.START, None),
    ("unstop", Verb.START, None),
    # help
    ("HELP", Verb.HELP, None),
    ("info?", Verb.HELP, None),
    # confirm
    ("YES", Verb.YES, None),
    ("y", Verb.YES, None),
    ("Yes.", Verb.YES, None),
    ("confirm", Verb.YES, None),
    # drop
    ("NO", Verb.NO, None),
    ("n", Verb.NO, None),
    ("CANT", Verb.NO, None),
    ("can't", Verb.NO, None),
    ("CAN\u2019T", Verb.NO, None),
    ("drop", Verb.NO, None),
    # join
    ("JOIN ABC234", Verb.JOIN, "ABC234"),
    ("join abc234", Verb.JOIN, "ABC234"),
    ("Join: ABC 234", Verb.JOIN, "ABC234"),
    ("JOINABC234", Verb.JOIN, "ABC234"),
    ("join e12", Verb.JOIN, "E12"),
    ("JOIN", Verb.JOIN, ""),
    # check in
    ("HERE", Verb.HERE, None),
    ("here!", Verb.HERE, None),
    # an answer to a numbered list
    ("2", Verb.NUMBER, 2),
    ("#3", Verb.NUMBER, 3),
    # everything else goes to the inbox
    ("Can I bring my kid?", Verb.TEXT, None),
    ("cancel my shift", Verb.TEXT, None),  # CANCEL alone opts out; never "drop my shift"
    ("I can't stop by today", Verb.TEXT, None),
    ("Join us on Saturday!", Verb.TEXT, None),
    ("joinery", Verb.TEXT, None),
    ("0", Verb.TEXT, None),
    ("100", Verb.TEXT, None),
    ("", Verb.TEXT, None),
    ("\U0001f44d", Verb.TEXT, None),
    ("\u0645\u0631\u062d\u0628\u0627", Verb.TEXT, None),  # Arabic
    ("\u4f60\u597d", Verb.TEXT, None),  # Chinese
    ("x" * 1600, Verb.TEXT, None),
]


@pytest.mark.parametrize(("body", "verb", "detail"), ROWS, ids=[repr(r[0])[:30] for r in ROWS])
def test_grammar_rows(body: str, verb: Verb, detail: str | int | None) -> None:
    command = parse(body)
    assert command.verb == verb
    if verb == Verb.JOIN:
        assert command.code == detail
    if verb == Verb.NUMBER:
        assert command.number == detail
    if verb == Verb.STOP:
        assert command.plain_language == (detail == "plain")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=1700))
def test_any_text_gives_exactly_one_command(body: str) -> None:
    command = parse(body)
    assert isinstance(command, Command) and isinstance(command.verb, Verb)
    assert (command.verb == Verb.JOIN) or command.code == ""
    assert (command.verb == Verb.NUMBER) == (command.number != 0)
    assert parse(body) == command  # a pure function


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["stop", "START", "help", "yes", "no", "here", "join abc234"]), st.text(" .!?,-'", max_size=6))
def test_case_spacing_and_punctuation_do_not_matter(word: str, noise: str) -> None:
    assert parse(f"{noise}{word.swapcase()}{noise}") == parse(word)
