"""Moved to :mod:`hemicycle.geo` (geometry with a disk cache is computed, not drawn); this name
stays importable and is the same module object (``_MEMO``, ``cache_file`` … included)."""

import sys

from hemicycle import geo as _geo

sys.modules[__name__] = _geo
