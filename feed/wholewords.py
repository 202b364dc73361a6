r"""Finding any of a list of words in a caption, as whole words, whatever their case.

One regular expression of all the words (`(?<!\w)(?:w1|w2|…)(?!\w)`) tries every
word at every word of the text: with the profanity list's 900 words, about 10 µs
per word of caption, milliseconds for a long one. Here the text is read word by
word against a set of the plain words; only phrases and words with other
characters (a few dozen of the 900) go through such an expression.
"""

import re

WORD = re.compile(r"\w+")


def alternation(words: list[str]) -> re.Pattern:
    """One expression matching any of `words` as whole words, ignoring case."""
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class WholeWords:
    """Any of `words` (plain words or phrases) in a text, as whole words, ignoring case."""

    def __init__(self, words: list[str]):
        self.plain = frozenset(word.lower() for word in words if WORD.fullmatch(word))
        others = [word for word in words if not WORD.fullmatch(word)]
        self.others = alternation(others) if others else None

    def search(self, text: str) -> str | None:
        """The first of the words in `text`, spelled as the text spells it; None if none is."""
        phrase = self.others.search(text) if self.others else None
        before = phrase.start() if phrase else len(text)
        for word in WORD.finditer(text, 0, before):
            if word.group().lower() in self.plain:
                return word.group()
        return phrase.group() if phrase else None
