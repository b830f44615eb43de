"""Resource bounds for one render, so a hostile template cannot hang or exhaust a worker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Upper bounds enforced while compiling and rendering a template.

    The defaults suit flow expressions (a few kilobytes of template producing
    at most a few megabytes of output); pass ``limits=Limits(...)`` to change
    them for one call.
    """

    max_template_length: int = 256 * 1024
    max_nesting_depth: int = 64
    max_loop_iterations: int = 100_000
    max_output_size: int = 4 * 1024 * 1024
    max_range_size: int = 100_000
    max_render_depth: int = 8
    #: Largest value a template may build, counted as its JSON size would be but
    #: with shared parts counted each time they appear (so a list that contains
    #: itself twice over, doubled in a loop, is stopped long before it explodes).
    max_value_size: int = 8 * 1024 * 1024
    #: Total size of the strings and lists that filters and operators produce in
    #: one render (a CPU budget: a loop re-processing a large value stops here).
    max_work: int = 256 * 1024 * 1024


DEFAULT_LIMITS = Limits()

#: Integers are kept within Java's long range, as in Kestra; beyond it is an error.
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
