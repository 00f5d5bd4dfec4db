"""ndgrad.draw_graph: DOT text for the recorded graph, rendering when Graphviz is there."""

from __future__ import annotations

import inspect
import re
import shutil
import sys
from collections import Counter

import numpy as np
import pytest

import ndgrad as nd
from ndgrad.faces import graph as graph_module
from ndgrad.faces.graph import GraphvizNotFound, draw_graph

NODE = re.compile(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)", (.*)\];$', re.M)
EDGE = re.compile(r"^\s*(n\d+) -> (n\d+);$", re.M)


def parse_dot(dot: str) -> tuple[dict[str, list[str]], dict[str, str], Counter]:
    """Labels (as lines) and styles by node id, and edges by first label line."""
    labels = {m[1]: m[2].split("\\n") for m in NODE.finditer(dot)}
    styles = {m[1]: m[3] for m in NODE.finditer(dot)}
    edges = Counter((labels[a][0], labels[b][0]) for a, b in EDGE.findall(dot))
    return labels, styles, edges


def small_graph():
    x = nd.tensor(np.ones((2, 3)), requires_grad=True)
    w = nd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * w + nd.sin(x)).sum()
    return x, w, y


def test_one_node_per_op_and_leaf_with_the_right_edges() -> None:
    x, w, y = small_graph()
    dot = draw_graph(y, names={"x": x, "w": w})
    labels, styles, edges = parse_dot(dot)
    firsts = sorted(lines[0] for lines in labels.values())
    total = firsts[3]
    assert firsts == ["add", "multiply", "sin", total, "w", "x"] and total.startswith("sum(•, axis=")
    assert edges == Counter({
        ("x", "multiply"): 1, ("w", "multiply"): 1, ("x", "sin"): 1,
        ("multiply", "add"): 1, ("sin", "add"): 1, ("add", total): 1,
    })
    assert dot.node_count == 6 and dot.startswith("digraph ndgrad {") and dot.rstrip().endswith("}")


def test_labels_carry_shapes_dtypes_and_mark_leaves_and_output() -> None:
    x, w, y = small_graph()
    labels, styles, _ = parse_dot(draw_graph(y, names={"x": x, "w": w}))
    by_name = {lines[0].split("(")[0]: (lines, styles[node]) for node, lines in labels.items()}
    assert by_name["x"][0][1] == "(2, 3) float64" and "rounded" in by_name["x"][1]
    assert by_name["w"][0][1] == "(3,) float64" and by_name["w"][0][2] == "value [1., 2., 3.]"
    assert by_name["multiply"][0][1] == "(2, 3) float64" and "rounded" not in by_name["multiply"][1]
    assert by_name["sum"][0][1:] == ["() float64", "output"] and "peripheries=2" in by_name["sum"][1]


def test_constants_are_shown_in_their_op() -> None:
    x = nd.tensor(3.0, requires_grad=True)
    labels, _, edges = parse_dot(draw_graph(x**2 + 2 * x + 1, names={"x": x}))
    firsts = sorted(lines[0] for lines in labels.values())
    assert firsts == ["add", "add(•, 1)", "multiply(2, •)", "power(•, 2)", "x"]
    assert edges == Counter({("x", "power(•, 2)"): 1, ("x", "multiply(2, •)"): 1, ("power(•, 2)", "add"): 1,
                             ("multiply(2, •)", "add"): 1, ("add", "add(•, 1)"): 1})


def test_gradients_after_backward_with_retain_graph() -> None:
    x = nd.tensor(3.0, requires_grad=True)
    y = x**2 + 2 * x + 1
    y.backward(retain_graph=True)
    labels, _, _ = parse_dot(draw_graph(y, show_grads=True, names={"x": x}))
    leaf = next(lines for lines in labels.values() if lines[0] == "x")
    assert leaf[-1] == "grad 8"


def test_a_freed_graph_cannot_be_drawn_and_the_error_says_why() -> None:
    x = nd.tensor(3.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(nd.GraphError, match="retain_graph=True"):
        draw_graph(y)


def test_a_leaf_alone_is_one_node() -> None:
    x = nd.tensor([1.0, 2.0], requires_grad=True)
    labels, _, edges = parse_dot(draw_graph(x))
    assert list(labels.values()) == [["leaf", "(2,) float64", "value [1., 2.]"]] and not edges


def test_not_a_tensor() -> None:
    with pytest.raises(TypeError, match="ndgrad tensor"):
        draw_graph(3.0)


def test_ten_thousand_nodes_without_recursion() -> None:
    x = nd.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 60)  # a recursive walk would fail at once
    try:
        dot = draw_graph(y)
    finally:
        sys.setrecursionlimit(limit)
    assert dot.node_count == 10_001
    assert len(EDGE.findall(dot)) == 10_000


def test_labels_are_escaped() -> None:
    x = nd.tensor(1.0, requires_grad=True)
    dot = draw_graph(x * 2, names={'say "hi"\\': x})
    assert 'label="say \\"hi\\"\\\\\\n' in dot


def test_render_dot_text_and_refuse_unknown_formats(tmp_path) -> None:
    x = nd.tensor(1.0, requires_grad=True)
    drawing = draw_graph(nd.exp(x))
    assert (drawing.render(tmp_path / "g.dot")).read_text() == str(drawing)
    with pytest.raises(ValueError, match=r"\.svg, \.png"):
        drawing.render(tmp_path / "g.txt")


def test_without_graphviz_the_text_is_what_you_get(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    drawing = draw_graph(nd.exp(nd.tensor(1.0, requires_grad=True)))
    assert drawing._repr_svg_() is None
    assert drawing._repr_mimebundle_() == {"text/plain": drawing.source}
    with pytest.raises(GraphvizNotFound, match="install"):
        drawing.pipe("svg")


def test_rendering_where_graphviz_is_installed(tmp_path) -> None:
    x = nd.tensor(2.0, requires_grad=True)
    drawing = draw_graph(x * nd.sin(x), names={"x": x})
    if shutil.which("dot") is None:  # CI without Graphviz: the text must still come back
        assert drawing._repr_mimebundle_() == {"text/plain": drawing.source}
        return
    svg = drawing._repr_svg_()
    assert svg is not None and "<svg" in svg and ">sin<" in svg
    assert "image/svg+xml" in drawing._repr_mimebundle_()
    png = drawing.render(tmp_path / "g.png").read_bytes()
    assert png[:4] == b"\x89PNG"
