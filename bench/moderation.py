"""Moderation: checking a caption against the profanity list, word by word against one expression.

Every arriving photo's caption is checked (`feed/moderation.py`, unless its city
turns the filter off). The project reads the caption word by word against a set
of the list's plain words, with one expression for its phrases
(`feed/wholewords.py`); the baseline is one expression of the whole list, as it
was. Captions of several lengths, none of them matching (the usual case, and
the longest search); µs per caption and the ratio baseline ÷ project.
"""

import statistics
import time

from feed.profanity import profanity_words
from feed.wholewords import WholeWords, alternation

WORDS = "ferry at dusk over the sound, #seattle #rain lovely light on the water".split()


def add_arguments(parser):
    parser.add_argument("--lengths", default="10,100,500", help="caption lengths in words")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=200, help="searches per caption a round")


def run(args) -> str:
    words = profanity_words()
    matchers = {"wazstagram": WholeWords(words), "baseline": alternation(words)}
    print(
        f"moderation: the profanity list's {len(words)} words, captions of {args.lengths} "
        f"words, {args.rounds} rounds of {args.repeat} searches",
        flush=True,
    )
    ratios = []
    for length in map(int, args.lengths.split(",")):
        caption = " ".join(WORDS[i % len(WORDS)] for i in range(length))
        rounds = {name: [] for name in matchers}
        for _ in range(args.rounds):
            for name, matcher in matchers.items():  # alternating: the machine is noisy
                rounds[name].append(_search_us(matcher, caption, args.repeat))
        project, baseline = (statistics.median(rounds[name]) for name in matchers)
        ratios.append(baseline / project)
        print(
            f"  {length} words: wazstagram {project:,.1f} µs, baseline {baseline:,.1f} µs "
            f"a caption, ratio {ratios[-1]:.1f}",
            flush=True,
        )
    least = min(ratios)
    return f"moderation ratio = {least:.1f} (baseline ÷ project, the least of {args.lengths} words)"


def _search_us(matcher, caption: str, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        assert matcher.search(caption) is None
    return (time.perf_counter() - start) / repeat * 1e6
