"""The `ndgrad` command: the seed's tour, practice, and one-off calculus.

    ndgrad tour                                      walk through week 2 with ndgrad
    ndgrad practice                                  the exercises and questions, checked
    ndgrad grad "2*x**3 + sin(x)" --at x=pi          derivative at a point
    ndgrad jacobian "x**2 + 3*y, 5*x + y**3" --at x=2,y=4
    ndgrad hessian "x**2*y + y**3" --at x=1,y=2
    ndgrad plot "x**2 + 3*y" --x -2:2 --y -2:2 --gradient -o f.png
    ndgrad graph "x**2 + 2*x + 1" --at x=3          the computation graph in DOT

A user mistake (bad expression, missing value, unwritable file) exits with
status 2 and one line saying what was wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from . import calculus, text
from .errors import UsageError
from .expr import Expression, ExpressionError, parse, parse_number
from .plot import MissingDependency

__all__ = ["main", "UsageError"]

USER_ERROR = 2


# ------------------------------------------------------------------ arguments


def _split_top_level(s: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside brackets, so `--at x=atan2(1, 2),y=3` keeps the call whole."""
    parts, depth, current = [], 0, []
    for ch in s:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def parse_point(spec: str, variables: Sequence[str]) -> dict[str, tuple[str, float]]:
    """`x=pi,y=4` -> {"x": ("pi", 3.14159...), "y": ("4", 4.0)}; a bare value names the only variable."""
    items = [item.strip() for item in _split_top_level(spec)]
    if len(items) == 1 and "=" not in items[0] and len(variables) == 1 and _is_number(items[0]):
        items = [f"{variables[0]}={items[0]}"]
    point: dict[str, tuple[str, float]] = {}
    for item in items:
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not name or not value.strip():
            raise UsageError(f"--at: write name=value pairs separated by commas, e.g. --at x=2,y=4 (got {item!r})")
        if name in point:
            raise UsageError(f"--at gives {name} twice")
        try:
            number = parse_number(value)
        except ExpressionError as err:
            raise UsageError(f"--at {name}={value.strip()}: {err.message}") from None
        if not math.isfinite(number):
            raise UsageError(f"--at {name}={value.strip()} is {number}, not a finite number")
        point[name] = (value.strip(), number)
    return point


def _is_number(text_: str) -> bool:
    try:
        parse_number(text_)
    except ExpressionError:
        return False
    return True


def parse_range(spec: str, option: str) -> tuple[float, float]:
    """`-2:2` or `-pi:pi` -> (low, high)."""
    low, colon, high = spec.partition(":")
    if not colon or not low.strip() or not high.strip():
        raise UsageError(f"{option}: write a range as LOW:HIGH, e.g. {option} -2:2 (got {spec!r})")
    lo, hi = parse_number(low), parse_number(high)
    if not lo < hi:
        raise UsageError(f"{option}: the range {spec} is empty; LOW must be below HIGH")
    return lo, hi


def _variables(spec: str | None) -> list[str] | None:
    if spec is None:
        return None
    names = [v.strip() for v in spec.split(",") if v.strip()]
    if not names:
        raise UsageError("--vars: list the variables separated by commas, e.g. --vars x,y")
    return names


def read_expression(args: argparse.Namespace) -> tuple[Expression, dict[str, tuple[str, float]]]:
    """The expression and the point, with variables from --vars or in order of appearance."""
    given = _variables(args.vars)
    expr = parse(args.expression, given)
    point = parse_point(args.at, expr.variables)
    if given is not None:
        extra = [v for v in point if v not in given]
        if extra:
            raise UsageError(f"--at gives {', '.join(extra)}, which --vars does not list ({', '.join(given)})")
    else:
        # A variable given a value but absent from the text has derivative 0: keep it, in --at order.
        expr = parse(args.expression, list(expr.variables) + [v for v in point if v not in expr.variables])
    missing = [v for v in expr.variables if v not in point]
    if missing:
        example = ",".join(f"{v}=1" for v in expr.variables)
        raise UsageError(f"no value for {', '.join(missing)}: give every variable a value, e.g. --at {example}")
    return expr, point


# ------------------------------------------------------------------- commands


def _header(expr: Expression, point: dict[str, tuple[str, float]], out: TextIO) -> None:
    body = f"[{', '.join(expr.outputs)}]" if expr.is_vector else expr.text
    print(f"f({', '.join(expr.variables)}) = {body}", file=out)
    shown = []
    for name in expr.variables:
        typed, value = point[name]
        value_text = text.number(value)
        shown.append(f"{name} = {value_text}" if typed == value_text else f"{name} = {typed} = {value_text}")
    print("at " + ", ".join(shown), file=out)


def _values(point: dict[str, tuple[str, float]]) -> dict[str, float]:
    return {name: value for name, (_, value) in point.items()}


def _json(payload: dict[str, Any], out: TextIO) -> None:
    print(json.dumps(payload, indent=2, allow_nan=False), file=out)


def _base_payload(expr: Expression, point: dict[str, tuple[str, float]]) -> dict[str, Any]:
    return {
        "expression": expr.text,
        "variables": list(expr.variables),
        "at": {name: text.json_number(v) for name, v in _values(point).items()},
    }


def cmd_grad(args: argparse.Namespace, out: TextIO) -> int:
    expr, point = read_expression(args)
    if expr.is_vector:
        raise UsageError(
            f"'{args.expression}' has {len(expr.outputs)} outputs: use `ndgrad jacobian` for a vector function"
        )
    d = calculus.gradient_at(expr, _values(point))
    if args.json:
        payload = _base_payload(expr, point)
        payload.update(value=text.json_number(d.value), gradient=[text.json_number(g) for g in d.matrix])
        _json(payload, out)
        return 0
    _header(expr, point, out)
    labels = ["f"] + [f"df/d{v}" for v in expr.variables]
    width = max(len(label) for label in labels)
    for label, value in zip(labels, [d.value, *d.matrix], strict=True):
        print(f"{label.ljust(width)} = {text.number(value)}", file=out)
    return 0


def cmd_jacobian(args: argparse.Namespace, out: TextIO) -> int:
    expr, point = read_expression(args)
    d = calculus.jacobian_at(expr, _values(point))
    if args.json:
        payload = _base_payload(expr, point)
        payload.update(
            outputs=list(expr.outputs),
            value=[text.json_number(v) for v in d.value],
            jacobian=[[text.json_number(v) for v in row] for row in d.matrix],
        )
        _json(payload, out)
        return 0
    _header(expr, point, out)
    m, n = d.matrix.shape
    print(f"Jacobian J, shape ({m}, {n}): J[i, j] = d f_i / d v_j "
          f"(rows: outputs f_i, columns: variables v_j = {', '.join(expr.variables)})", file=out)
    rows = [f"f{i + 1} = {o}" for i, o in enumerate(expr.outputs)]
    print(text.matrix_table(d.matrix, rows, [f"d/d{v}" for v in expr.variables]), file=out)
    print(f"J = {text.nested(d.matrix)}", file=out)
    return 0


def cmd_hessian(args: argparse.Namespace, out: TextIO) -> int:
    expr, point = read_expression(args)
    if expr.is_vector:
        raise UsageError(f"'{args.expression}' has {len(expr.outputs)} outputs: a Hessian needs one (scalar) output")
    d = calculus.hessian_at(expr, _values(point))
    if args.json:
        payload = _base_payload(expr, point)
        hessian = [[text.json_number(v) for v in row] for row in d.matrix]
        payload.update(value=text.json_number(d.value), hessian=hessian)
        _json(payload, out)
        return 0
    _header(expr, point, out)
    n = len(expr.variables)
    print(f"f = {text.number(d.value)}", file=out)
    print(f"Hessian H, shape ({n}, {n}): H[i, j] = d2f / dv_i dv_j (symmetric)", file=out)
    labels = [f"d/d{v}" for v in expr.variables]
    print(text.matrix_table(d.matrix, labels, labels), file=out)
    print(f"H = {text.nested(d.matrix)}", file=out)
    return 0


def _plot_axes_names(expr: Expression, given: list[str] | None) -> list[str]:
    names = list(given) if given is not None else list(expr.variables)
    if given is None and set(names) == {"x", "y"}:
        names = ["x", "y"]  # x across, y up, whatever order they appear in
    if len(names) > 2:
        raise UsageError(f"'{expr.text}' has {len(names)} variables ({', '.join(names)}); a plot shows at most 2")
    return names


def cmd_plot(args: argparse.Namespace, out: TextIO) -> int:
    from . import plot

    plt = plot.headless_pyplot()
    given = _variables(args.vars)
    expr = parse(args.expression, given)
    if expr.is_vector:
        raise UsageError("plot draws one function: give a single expression, not several separated by commas")
    names = _plot_axes_names(expr, given)
    xlim = parse_range(args.x, "--x")
    ylim = parse_range(args.y, "--y")
    path = Path(args.output)
    if len(names) == 2:
        fn = expr.function(names)
        title = f"f({names[0]}, {names[1]}) = {text.pretty(expr.text)}"
        if args.surface:
            result = plot.surface(fn, xlim, ylim, title=title)
        else:
            result = plot.contour(fn, xlim, ylim, levels=args.levels, gradient=args.gradient, title=title)
        kind = "surface" if args.surface else "contour"
    else:
        name = names[0] if names else "x"
        fn = expr.function([name] if names else [])
        one = (lambda t: fn(t)) if names else (lambda t: fn())
        x0 = parse_number(args.tangent) if args.tangent is not None else (xlim[0] + xlim[1]) / 2
        result = plot.tangent_line(one, x0, xlim, title=f"f({name}) = {text.pretty(expr.text)}")
        kind = "curve with tangent"
    result.ax.set_xlabel(names[0] if names else "x")
    if len(names) == 2 and not args.surface:
        result.ax.set_ylabel(names[1])
    try:
        result.fig.savefig(path, dpi=args.dpi, bbox_inches="tight")
    except (OSError, ValueError) as err:
        raise UsageError(f"cannot save the figure to {path}: {err}") from None
    finally:
        plt.close(result.fig)
    if args.json:
        _json({"expression": expr.text, "variables": names, "kind": kind, "path": str(path)}, out)
    else:
        print(f"saved {kind} of f({', '.join(names)}) = {expr.text} to {path}", file=out)
    return 0


def cmd_graph(args: argparse.Namespace, out: TextIO) -> int:
    from .graph import draw_graph

    expr, point = read_expression(args)
    xs = calculus.leaves(expr.variables, _values(point))
    y = expr.evaluate(dict(zip(expr.variables, xs, strict=True)))
    if isinstance(y, tuple) or not getattr(y, "requires_grad", False):
        raise UsageError("graph draws one output that depends on a variable, e.g. ndgrad graph \"x**2\" --at x=3")
    if args.grads:
        y.backward(retain_graph=True)
    drawing = draw_graph(y, show_grads=args.grads, names=dict(zip(expr.variables, xs, strict=True)))
    if args.json:
        payload = _base_payload(expr, point)
        payload.update(nodes=drawing.node_count, dot=drawing.source)
        _json(payload, out)
        return 0
    if args.output:
        try:
            path = drawing.render(args.output)
        except (OSError, ValueError, RuntimeError) as err:
            raise UsageError(f"cannot write {args.output}: {err}") from None
        print(f"saved the graph ({drawing.node_count} nodes) to {path}", file=out)
    else:
        print(drawing, end="", file=out)
    return 0


def cmd_tour(args: argparse.Namespace, out: TextIO) -> int:
    from . import tour

    return tour.run(section=args.section, list_only=args.list, out_dir=Path(args.out), out=out)


def cmd_practice(args: argparse.Namespace, out: TextIO) -> int:
    from . import practice

    return practice.run_cli(args, out)


# ---------------------------------------------------------------------- parser


def _point_command(sub: Any, name: str, help_text: str, example: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text, description=help_text, epilog=f"example: {example}")
    p.add_argument("expression", help="a math expression, e.g. \"2*x**3 + sin(x)\" (comma-separate outputs)")
    p.add_argument("--at", required=True, metavar="POINT", help="values of the variables, e.g. x=2,y=4 or x=pi")
    p.add_argument("--vars", metavar="NAMES", help="variable order, e.g. x,y (default: order of appearance)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ndgrad",
        description="Tensors, gradients and Jacobians, worked out by ndgrad. Start with: ndgrad tour",
    )
    parser.add_argument("--version", action="version", version=f"ndgrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    tour = sub.add_parser("tour", help="walk through week 2 (tensors, autograd, Jacobians) with ndgrad")
    tour.add_argument("--section", metavar="NAME", help="run one section (see --list)")
    tour.add_argument("--list", action="store_true", help="list the sections")
    tour.add_argument("--out", default=".", metavar="DIR", help="where figures go (default: current directory)")
    tour.set_defaults(handler=cmd_tour)

    practice = sub.add_parser("practice", help="answer the week's exercises and questions; ndgrad checks them")
    practice.add_argument("--answers", metavar="FILE", help="read answers from FILE, one per line ('-' = stdin)")
    practice.add_argument("--only", metavar="IDS", help="ask only these questions, e.g. q1,q3 (see --list)")
    practice.add_argument("--list", action="store_true", help="list the questions")
    practice.add_argument("--tries", type=int, default=2, metavar="N", help="attempts per question (default 2)")
    practice.add_argument("--seed", type=int, default=None, help="seed for the random check points")
    practice.set_defaults(handler=cmd_practice)

    _point_command(sub, "grad", "value and gradient of a scalar expression at a point",
                   'ndgrad grad "2*x**3 + sin(x)" --at x=pi').set_defaults(handler=cmd_grad)
    _point_command(sub, "jacobian", "Jacobian of comma-separated outputs at a point (rows: outputs)",
                   'ndgrad jacobian "x**2 + 3*y, 5*x + y**3" --at x=2,y=4').set_defaults(handler=cmd_jacobian)
    _point_command(sub, "hessian", "Hessian (matrix of second derivatives) of a scalar expression",
                   'ndgrad hessian "x**2*y + y**3" --at x=1,y=2').set_defaults(handler=cmd_hessian)
    graph = _point_command(sub, "graph", "the computation graph of an expression, in Graphviz DOT",
                           'ndgrad graph "x**2 + 2*x + 1" --at x=3 --grads')
    graph.add_argument("--grads", action="store_true", help="run backward first and show the gradients")
    graph.add_argument("-o", "--output", metavar="FILE", help="write .dot, or .svg/.png (needs Graphviz's dot)")
    graph.set_defaults(handler=cmd_graph)

    plot = sub.add_parser("plot", help="contour (2 variables) or curve with tangent (1 variable) as an image",
                          epilog='example: ndgrad plot "x**2 + 3*y" --x -2:2 --y -2:2 --gradient -o f.png')
    plot.add_argument("expression", help="a math expression in one or two variables")
    plot.add_argument("--x", default="-2:2", metavar="LOW:HIGH", help="range across (default -2:2)")
    plot.add_argument("--y", default="-2:2", metavar="LOW:HIGH", help="range up, for two variables (default -2:2)")
    plot.add_argument("--vars", metavar="NAMES", help="which variable goes across and which up, e.g. x,y")
    plot.add_argument("--gradient", action="store_true", help="overlay the gradient field as arrows")
    plot.add_argument("--surface", action="store_true", help="draw a 3-D surface instead of contours")
    plot.add_argument("--tangent", metavar="X0", help="for one variable: where to draw the tangent")
    plot.add_argument("--levels", type=int, default=20, help="number of contour levels (default 20)")
    plot.add_argument("--dpi", type=int, default=120, help="image resolution (default 120)")
    plot.add_argument("-o", "--output", default="plot.png", metavar="FILE", help="image file (.png, .svg, .pdf)")
    plot.add_argument("--json", action="store_true", help="print machine-readable JSON")
    plot.set_defaults(handler=cmd_plot)
    return parser


def _glue_negative_values(argv: list[str]) -> list[str]:
    """`--x -2:2` -> `--x=-2:2`: argparse would take a value starting with '-' for an option."""
    glued, i = [], 0
    takes_value = {"--x", "--y", "--at", "--tangent"}
    while i < len(argv):
        if argv[i] in takes_value and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            glued.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            glued.append(argv[i])
            i += 1
    return glued


def _report(err: Exception, err_out: TextIO) -> int:
    print(f"ndgrad: error: {err}", file=err_out)
    if isinstance(err, ExpressionError) and err.pointer():
        print("  " + err.pointer().replace("\n", "\n  "), file=err_out)
    return USER_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `ndgrad` command line; returns the exit status."""
    args_list = _glue_negative_values(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as done:  # argparse has printed the usage and the problem
        return int(done.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        print("\nndgrad: error: choose a command; start with: ndgrad tour", file=sys.stderr)
        return USER_ERROR
    try:
        return args.handler(args, sys.stdout)
    except (UsageError, ExpressionError) as err:
        return _report(err, sys.stderr)
    except MissingDependency as err:  # matplotlib, an optional extra, is not installed
        print(f"ndgrad: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `ndgrad graph ... | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
