"""Moved to :mod:`hemicycle.replay` (the law run on an election sits beside
:mod:`hemicycle.election`, below the projection and the seat rules); this name stays importable."""

import sys

from hemicycle import replay as _replay

sys.modules[__name__] = _replay
