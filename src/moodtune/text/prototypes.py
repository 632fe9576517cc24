"""Prototype phrases for each emotion: words are classified by their similarity to these.

Written for moodtune: short descriptions of a moment, a picture or a piece of music, in the
words people use for tags, captions and playlist titles. Every emotion of
:data:`moodtune.emotions.EMOTIONS` has the same number of phrases.
"""

from __future__ import annotations

__all__ = ["PROTOTYPES"]

PROTOTYPES: dict[str, tuple[str, ...]] = {
    "anger": (
        "angry and furious",
        "rage, hate and aggression",
        "I am so mad at them",
        "aggressive loud heavy metal",
        "fighting, shouting, frustration",
        "workout music to smash things",
        "I hate you, get out of my face",
    ),
    "disgust": (
        "disgusting and gross",
        "this makes me sick, revolting",
        "nasty filth and rot",
        "repulsive, I can't stand it",
        "contempt and loathing",
        "dark grimy dirty sound",
        "ugh, yuck, vomit",
    ),
    "fear": (
        "scared and afraid",
        "horror, terror and dread",
        "anxious and nervous, panic",
        "creepy dark haunted night",
        "something terrible is about to happen",
        "tense suspense thriller soundtrack",
        "screaming in a nightmare",
    ),
    "happiness": (
        "happy and joyful",
        "a sunny summer party with friends",
        "cheerful, smiling, in love",
        "feel good upbeat dance music",
        "celebration, fun and laughter",
        "a wonderful day at the beach",
        "sweet romantic love song",
    ),
    "neutral": (
        "calm and relaxed",
        "an ordinary quiet afternoon",
        "peaceful chill background music",
        "nothing special, just a normal day",
        "studying and focusing at work",
        "soft ambient lounge",
        "easy listening for a long drive",
    ),
    "sadness": (
        "sad and lonely",
        "a grey rainy day alone, homesick",
        "heartbreak, tears and grief",
        "melancholy slow songs",
        "I lost someone I love",
        "feeling down and depressed",
        "goodbye forever, it is over",
    ),
    "surprise": (
        "surprised and amazed",
        "wow, I did not expect that",
        "astonishing, unbelievable, shocking news",
        "a sudden twist out of nowhere",
        "jaw dropping moment",
        "a surprise gift, what a surprise",
        "breathtaking, mind blowing",
    ),
}
