"""The SMS keyword grammar of the contract: one inbound body in, exactly one Command out. Pure, no I/O.

Case, spacing and punctuation do not matter ("Stop!", " s t o p ", "ＳＴＯＰ", "can't" and "cant" are
the same). Besides the carriers' opt-out words, plain-language requests to stop ("please stop texting
me", "unsubscribe me", "remove me from this list") are opt-outs: the FCC counts any wording a reasonable
person would read as revoking consent. CANCEL is an opt-out word, never "drop my shift".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Verb(StrEnum):
    STOP = "stop"  # opt out of all SMS, every organization
    START = "start"  # opt back in
    HELP = "help"  # who is texting, how to stop
    YES = "yes"  # confirm the shift last asked about (or opt back in, while opted out)
    NO = "no"  # drop the shift last asked about
    JOIN = "join"  # sign up for the shift (or event) with `code`
    HERE = "here"  # check in to the shift under way
    BYE = "bye"  # sign out of picket duty (a strike's line)
    NUMBER = "number"  # a bare number: the answer to a numbered list
    TEXT = "text"  # anything else: the organizers' inbox


@dataclass(frozen=True)
class Command:
    verb: Verb
    code: str = ""  # JOIN: the code, upper case, letters and digits only ("" when missing)
    number: int = 0  # NUMBER
    plain_language: bool = False  # STOP worded as a sentence, not the keyword


STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
START_WORDS = frozenset({"start", "unstop"})
HELP_WORDS = frozenset({"help", "info"})
YES_WORDS = frozenset({"yes", "y", "confirm"})
NO_WORDS = frozenset({"no", "n", "cant", "drop"})
HERE_WORDS = frozenset({"here"})
BYE_WORDS = frozenset({"bye", "done"})
MAX_CHOICE = 99
KEYWORDS: dict[str, Verb] = {
    word: verb
    for words, verb in (
        (STOP_WORDS, Verb.STOP),
        (START_WORDS, Verb.START),
        (HELP_WORDS, Verb.HELP),
        (YES_WORDS, Verb.YES),
        (NO_WORDS, Verb.NO),
        (HERE_WORDS, Verb.HERE),
        (BYE_WORDS, Verb.BYE),
    )
    for word in words
}

# Sentences that ask us to stop texting. Matched on the normalized text (lower case, apostrophes
# dropped, other punctuation as spaces, single spaces), padded with a space at both ends.
_STOP_PHRASES = re.compile(
    r" (?:"
    r"unsubscribe|unsub|opt ?out|opt me out|"
    r"(?:stop|quit|cease|end) (?:texting|txting|messaging|sending|contacting|the texts|these texts|the messages|"
    r"these messages|texts|messages|all texts|all messages)|"
    r"remove me|take me off|delete my (?:number|info)|lose my number|"
    r"(?:do not|dont|never) (?:text|txt|message|msg|contact|sms) (?:me|this number)|"
    r"no more (?:texts|txts|messages|msgs|sms)|leave me alone|wrong number"
    r") "
)
# JOIN written without a space: only with a code's shape (six code characters, or E and an event id).
_GLUED_JOIN = re.compile(r"join(?:[a-z2-9]{6}|e[0-9]{1,9})")
# Words that may surround a lone "stop" in a request to stop ("please stop", "STOP NOW!!", "stop it").
_STOP_FILLER = frozenset({"stop", "please", "pls", "plz", "now", "it", "just", "thanks", "thank", "you", "ok", "okay"})


def normalize(body: str) -> str:
    """Lower case, compatibility forms folded (full-width letters), apostrophes dropped, every other
    character that is not a letter or digit a space, spaces collapsed."""
    text = unicodedata.normalize("NFKC", body).casefold()
    text = text.replace("'", "").replace("\u2019", "").replace("\u2018", "").replace("`", "")
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def parse(body: str) -> Command:
    """The one command an inbound body asks for. Never raises."""
    text = normalize(body)
    words = text.split()
    compact = "".join(words)
    if not compact:
        return Command(Verb.TEXT)
    if words[0] == "join" and len(words) <= 3:  # "JOIN", "join abc234", "Join ABC 234"
        code = "".join(words[1:]).upper()
        if code.isascii() and len(code) <= 12:
            return Command(Verb.JOIN, code=code)
    if len(words) == 1 and _GLUED_JOIN.fullmatch(compact):  # "JOINABC234", "join#e12"
        return Command(Verb.JOIN, code=compact[4:].upper())
    verb = KEYWORDS.get(compact)
    if verb is not None:
        return Command(verb)
    if compact.isdecimal() and compact.isascii() and len(compact) <= 2 and 1 <= int(compact) <= MAX_CHOICE:
        return Command(Verb.NUMBER, number=int(compact))
    if _asks_to_stop(text, words):
        return Command(Verb.STOP, plain_language=True)
    return Command(Verb.TEXT)


def _asks_to_stop(text: str, words: list[str]) -> bool:
    if "stop" in words and set(words) <= _STOP_FILLER:
        return True
    return _STOP_PHRASES.search(f" {text} ") is not None
