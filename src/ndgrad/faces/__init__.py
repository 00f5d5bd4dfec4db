"""The faces of ndgrad: what people see and type.

`cli` (the `ndgrad` command), `tour` and `practice` (the week-2 lesson in the
terminal), `plot` (matplotlib pictures), `graph` (computation-graph drawings)
and `expr` (the safe reader for typed math).  Nothing below this package
imports it; matplotlib loads only when a plot is asked for.
"""
