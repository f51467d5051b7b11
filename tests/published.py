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
