"""Regenerate the README figure: f(x, y) = x**2 + 3y with its gradient field, drawn by ndgrad.plot.

    python examples/make_readme_figure.py            # writes docs/images/contour_gradient.png
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import ndgrad as nd  # noqa: E402

DEFAULT = Path(__file__).resolve().parent.parent / "docs" / "images" / "contour_gradient.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT, help="where to write the PNG")
    args = parser.parse_args()
    drawn = nd.plot.contour("x**2 + 3*y", xlim=(-2, 2), ylim=(-2, 2), levels=20, gradient=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    drawn.fig.savefig(args.out, dpi=90, bbox_inches="tight")
    print("saved", args.out)


if __name__ == "__main__":
    main()
