"""The pollsters' final seat ranges (``<HEMICYCLE_DATA>/2024/legislatives-2024-seat-ranges.csv``,
see its README): found in the local mirror and checked here, at the I/O boundary; the projection's
evaluation (:mod:`hemicycle.sim.pollsters`, :mod:`hemicycle.sim.evaluate`) gets the frame.

Each row is one pollster's low–high seat range for one of five blocks, in its own convention.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hemicycle.data.sources import check_size, mirror_dir
from hemicycle.errors import DataFileError, DataNotAvailableError

FILE = "legislatives-2024-seat-ranges.csv"
#: The five blocks of the file's ``party`` column.
BLOCKS: tuple[str, ...] = ("NFP + DVG", "ENS and allies", "LR + DVD", "RN and allies", "Others")
COLUMNS = [
    "pollster",
    "fieldwork",
    "party",
    "low",
    "high",
    "actual",
    "source_url",
    "aggregation_note",
]


def path(year: int = 2024, data_dir: str | Path | None = None) -> Path:
    root = data_dir or mirror_dir()
    if not root:
        raise DataNotAvailableError(
            "set HEMICYCLE_DATA to the data mirror to read the pollsters' ranges"
        )
    return Path(root) / str(year) / FILE.replace("2024", str(year))


def read_ranges(year: int = 2024, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The ranges table, checked: columns, integer bounds, low <= high, known blocks."""
    p = path(year, data_dir)
    if not p.exists():
        raise DataNotAvailableError(f"no pollster ranges for {year}: {p} does not exist")
    df = pd.read_csv(check_size(p), dtype=str, keep_default_na=False)
    if list(df.columns) != COLUMNS:
        raise DataFileError(f"expected columns {','.join(COLUMNS)}", file=str(p), line=1)
    for col in ("low", "high", "actual"):
        bad = ~df[col].str.fullmatch(r"\d+")
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise DataFileError(
                f"not an integer: {df[col].iloc[i]!r}", file=str(p), line=i + 2, column=col
            )
        df[col] = df[col].astype(int)
    unknown = ~df["party"].isin(BLOCKS)
    if unknown.any():
        i = int(unknown.to_numpy().nonzero()[0][0])
        raise DataFileError(
            f"unknown block {df['party'].iloc[i]!r}; known: {', '.join(BLOCKS)}",
            file=str(p),
            line=i + 2,
            column="party",
        )
    if (df["low"] > df["high"]).any():
        i = int((df["low"] > df["high"]).to_numpy().nonzero()[0][0])
        raise DataFileError("low > high", file=str(p), line=i + 2, column="low")
    return df
