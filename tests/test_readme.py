"""The README's Python examples run and give the numbers it shows."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_examples_run_and_give_their_numbers():
    blocks = _python_blocks()
    assert len(blocks) == 2
    quick, primitive = ({}, {})
    exec(blocks[0], quick)  # noqa: S102 - our own documentation, not user input
    assert quick["x"].grad.item() == 8.0
    np.testing.assert_array_equal(quick["a"] + quick["b"], [[11, 12, 13], [21, 22, 23]])
    nd = quick["nd"]
    np.testing.assert_array_equal(nd.einsum("ij,jk->ik", quick["A"], quick["B"]), [[19, 22], [43, 50]])
    jx, jy = nd.jacobian(quick["f"], (nd.tensor(2.0), nd.tensor(4.0)))
    np.testing.assert_allclose(np.stack([np.asarray(jx), np.asarray(jy)], axis=1), [[4, 3], [5, 48]])

    try:
        exec(blocks[1], primitive)  # noqa: S102
        assert primitive["x"].grad.item() == 12.0
        assert "cube" in nd.REGISTRY
    finally:
        nd.REGISTRY.pop("cube", None)  # the registry test expects only ndgrad's own rows
