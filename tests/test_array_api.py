"""The array-API face: namespace, dtype functions and DLPack exchange."""

import numpy as np
import pytest
import torch

import ndgrad as nd


def test_namespace_is_ndgrad():
    t = nd.tensor([1.0, 2.0])
    xp = t.__array_namespace__()
    assert xp is nd
    assert xp.__array_api_version__ == "2024.12"


@pytest.mark.parametrize(
    "dtype,kind,expected",
    [
        (np.float32, "real floating", True),
        (np.float64, "integral", False),
        (np.int8, "signed integer", True),
        (np.uint16, "unsigned integer", True),
        (np.uint16, "signed integer", False),
        (np.complex64, "complex floating", True),
        (np.bool_, "bool", True),
        (np.bool_, "numeric", False),
        (np.int32, ("bool", "integral"), True),
        (np.float64, np.float64, True),
    ],
)
def test_isdtype_matches_the_standard(dtype, kind, expected):
    assert nd.isdtype(dtype, kind) is expected


def test_isdtype_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown kind"):
        nd.isdtype(np.float64, "floating")


def test_promotion_follows_numpy():
    f32 = nd.tensor([1.0], dtype=np.float32)
    i64 = nd.tensor([1])
    assert nd.result_type(f32, i64) == np.result_type(np.float32, np.int64)
    assert nd.result_type(f32, 2.0) == np.float32
    assert nd.can_cast(i64, np.float64) and not nd.can_cast(nd.tensor([1.0]), np.int32)
    assert nd.finfo(f32).eps == np.finfo(np.float32).eps
    assert nd.iinfo(i64).max == np.iinfo(np.int64).max


def test_dlpack_round_trips_with_numpy_and_torch():
    t = nd.tensor([1.0, 2.0, 3.0])
    assert np.array_equal(np.from_dlpack(t), [1.0, 2.0, 3.0])
    from_torch = nd.from_dlpack(torch.tensor([4.0, 5.0], dtype=torch.float64))
    assert isinstance(from_torch, nd.Tensor) and from_torch.tolist() == [4.0, 5.0]
    back = torch.from_dlpack(t)
    assert back.tolist() == [1.0, 2.0, 3.0]
    # Shared memory, not a copy.
    t.data[0] = 10.0
    assert back[0].item() == 10.0
