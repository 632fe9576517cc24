"""The recommendation modes, each defined once.

A mode says where the music should take the listener: ``match`` stays with the mood read,
``uplift`` and ``calm`` walk step by step across the valence/arousal plane from the mood read
toward an end point. The recommender, the JSON API's schemas, the page's choices and the
command line's help all derive from :data:`MODES`: adding a mode is one entry here (plus its
tests).

Examples
--------
>>> [mode.name for mode in MODES.values()]
['match', 'uplift', 'calm']
>>> MODES["uplift"].label
'lift it up'
>>> mode_named("calm").end is not None
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from moodtune.emotions import CIRCUMPLEX, Circumplex
from moodtune.errors import MoodtuneError

__all__ = ["DEFAULT_MODE", "K_DEFAULT", "K_MAX", "K_MIN", "MODES", "Mode", "mode_named"]

#: Allowed number of recommendations, the same in the library, CLI, API and page.
K_MIN, K_MAX = 1, 50
#: Number of recommendations when none is asked for.
K_DEFAULT = 10


@dataclass(frozen=True)
class Mode:
    """One way to recommend.

    Parameters
    ----------
    name : str
        The identifier used by the API, the CLI (``--mode``) and the library.
    label : str
        How the page names it, completing "the music should …".
    help : str
        One sentence for the command line's help and the API documentation.
    end : Circumplex or None
        Where a path mode ends on the valence/arousal plane (each of ``k`` tracks is one step
        from the mood read toward it); None for a mode that matches the mood read.
    goal : str
        How the path's end is named in the explanations ("toward happiness").
    verb : str
        How the line above a path's tracks says what they do ("5 tracks lifting sadness");
        the mode's name when empty.
    axis : int or None
        The axis of the plane a path moves along (0 valence, 1 arousal; None for ``match``):
        its tracks are listed in order of their place on it (:meth:`along`).
    rising : bool
        Whether a path rises along ``axis`` (uplift: valence up) or falls (calm: arousal down).
    """

    name: str
    label: str
    help: str
    end: Circumplex | None = None
    goal: str = ""
    verb: str = ""
    axis: int | None = None
    rising: bool = True

    def along(self, positions: np.ndarray) -> np.ndarray:
        """The order (m,) in which to list tracks at ``positions`` (m, 2) so that a path never
        steps back on its axis: by position on :attr:`axis`, rising or falling (ties keep their
        order); the order as given for ``match``.

        >>> MODES["calm"].along(np.array([[0.0, -0.5], [0.2, 0.4], [0.1, 0.0]])).tolist()
        [1, 2, 0]
        """
        positions = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
        if self.axis is None:
            return np.arange(len(positions))
        key = positions[:, self.axis]
        return np.argsort(key if self.rising else -key, kind="stable")


#: Every mode, in the order the page and the help list them.
MODES: dict[str, Mode] = {
    mode.name: mode
    for mode in (
        Mode("match", "match the mood", "tracks whose emotion matches the mood read"),
        Mode(
            "uplift",
            "lift it up",
            "a path of tracks from the mood read toward happiness",
            end=CIRCUMPLEX["happiness"],
            goal="happiness",
            verb="lifting",
            axis=0,
        ),
        Mode(
            "calm",
            "calm it down",
            "a path of tracks from the mood read toward calm (neutral valence, low arousal)",
            end=Circumplex(valence=CIRCUMPLEX["neutral"].valence, arousal=-0.6),
            goal="calm",
            verb="calming",
            axis=1,
            rising=False,
        ),
    )
}
#: The mode used when none is asked for.
DEFAULT_MODE = "match"


def mode_named(name: str) -> Mode:
    """The mode called ``name``; :class:`MoodtuneError` naming the choices otherwise."""
    try:
        return MODES[name]
    except (KeyError, TypeError):
        raise MoodtuneError(f"unknown mode {name!r}; use one of {', '.join(MODES)}") from None
