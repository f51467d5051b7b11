"""Moved to :mod:`hemicycle.replays` (the law run on an election sits beside
:mod:`hemicycle.election`, below the projection and the seat rules); this name stays importable."""

import sys

from hemicycle import replays as _replay

sys.modules[__name__] = _replay
