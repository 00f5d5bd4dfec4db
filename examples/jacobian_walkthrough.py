"""The lesson's project, step by step: the Jacobian of f(x, y) = x**2 + 3y by hand and by ndgrad,
then the Step 4 picture with the gradient field.

    python examples/jacobian_walkthrough.py [--out jacobian_walkthrough.png]
"""

import argparse

import matplotlib

matplotlib.use("Agg")  # a script saves the figure; in Jupyter it shows inline instead

import ndgrad as nd  # noqa: E402


# Step 1: define the function.
def f(x, y):
    return x**2 + 3 * y


# Steps 2 and 3: partial derivatives by hand, df/dx = 2x and df/dy = 3.
def jacobian_by_hand(x, y):
    return [[2 * x, 3]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="jacobian_walkthrough.png", help="where to save the figure")
    args = parser.parse_args()

    # The same Jacobian, automatically: one backward pass fills x.grad and y.grad.
    x = nd.tensor(2.0, requires_grad=True)
    y = nd.tensor(4.0, requires_grad=True)
    f(x, y).backward()
    automatic = [[x.grad.item(), y.grad.item()]]
    print("by hand:  ", jacobian_by_hand(2, 4))
    print("by ndgrad:", automatic)
    print("torch.autograd.functional style:", nd.jacobian(f, (nd.tensor(2.0), nd.tensor(4.0))))

    # Step 4: the contour plot, with the gradient (2x, 3) drawn as arrows.
    drawn = nd.plot.contour(f, xlim=(-2, 2), ylim=(-2, 2), levels=20, gradient=True, title="f(x, y) = x² + 3y")
    drawn.fig.savefig(args.out, dpi=100)
    print("saved", args.out)


if __name__ == "__main__":
    main()
