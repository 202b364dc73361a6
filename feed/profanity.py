"""The profanity list: better-profanity's word list.

MIT licence, github.com/snguyenthanh/better_profanity.
"""

from importlib.resources import files


def profanity_words() -> list[str]:
    text = files("better_profanity").joinpath("profanity_wordlist.txt").read_text()
    return [line.strip() for line in text.splitlines() if line.strip()]
