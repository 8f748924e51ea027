"""The lifecycle of a video and of the work on it: its states (enums), its structured state (typed
records, states.py) and the transition functions that are the only writers of both (video.py,
captioning.py, ladder.py). A transition that the current state does not allow is refused with
IllegalTransition, so a stray job or a double click cannot move a video backwards.

tests/test_layers_rules.py enforces the "only writers" part: no module outside this package assigns
a status or a typed state field."""
from videodesk.core.errors import Conflict


class IllegalTransition(Conflict):
    """The thing is not in a state this change may start from."""

    codes = ("illegal_transition", *Conflict.codes)
