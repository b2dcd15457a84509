"""Turn per-hour sums of entry starts and ends into the time worked between instants.

The store keeps, per UTC hour, how many entries start and end in it and the sum
of their start and end instants (opstui.store.report_hours). For an instant t
on a whole hour, with sums taken over the instants from a onwards,

    worked(t) = sum of ends before t - sum of starts before t + t * running(t)

where running(t) counts the entries with start < t <= end. worked(t) - worked(a)
is the time inside [a, t) of every entry, each clipped to that window, so the
difference between two consecutive local midnights is one local day's total.
"""

from collections.abc import Hashable, Iterable, Mapping
from typing import Any


def totals_between(rows: Iterable[Mapping[str, Any]], cutoffs: list[int],
                   running_at_start: Mapping[Hashable, int], key_column: str = "login") -> dict[Hashable, list[int]]:
    """Return, per key, the seconds worked between each pair of consecutive cutoffs.

    rows are hour sums with the columns hour, starts, start_offsets, ends and
    end_offsets (Unix times and seconds), oldest first, for hours from
    cutoffs[0] up to cutoffs[-1]. cutoffs are ascending Unix times on whole
    hours. running_at_start gives, per key, the entries running at cutoffs[0].
    Keys come from rows[key_column] and from running_at_start.
    """
    ordered = list(rows)
    keys = set(running_at_start) | {row[key_column] for row in ordered}
    start = cutoffs[0]
    # Per key: sum of end instants, sum of start instants, entries running.
    state = {key: [0, 0, running_at_start.get(key, 0)] for key in keys}
    previous = {key: start * state[key][2] for key in keys}
    totals: dict[Hashable, list[int]] = {key: [] for key in keys}

    index = 0
    for cutoff in cutoffs[1:]:
        while index < len(ordered) and ordered[index]["hour"] < cutoff:
            row = ordered[index]
            sums = state[row[key_column]]
            sums[0] += row["hour"] * row["ends"] + row["end_offsets"]
            sums[1] += row["hour"] * row["starts"] + row["start_offsets"]
            sums[2] += row["starts"] - row["ends"]
            index += 1

        for key, (ends_sum, starts_sum, running) in state.items():
            worked = ends_sum - starts_sum + cutoff * running
            totals[key].append(worked - previous[key])
            previous[key] = worked
    return totals
