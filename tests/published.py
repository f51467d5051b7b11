"""Published facts the tests check against, written once."""

from __future__ import annotations

#: Official 2024 seats by nuance (Ministry of the Interior; seats-by-nuance-2024.csv in the mirror).
SEATS_2024 = {
    "UG": 178,
    "ENS": 150,
    "RN": 125,
    "LR": 39,
    "DVD": 27,
    "UXD": 17,
    "DVG": 12,
    "REG": 9,
    "DVC": 6,
    "HOR": 6,
    "UDI": 3,
    "SOC": 2,
    "DIV": 1,
    "ECO": 1,
    "EXD": 1,
}

#: The same Assembly by hemicycle bloc (``hemicycle/data/blocs.csv``), left to right.
BLOCS_2024 = {
    "left": 193,
    "centre": 165,
    "right": 66,
    "far_right": 143,
    "regionalist": 9,
    "other": 1,
}
