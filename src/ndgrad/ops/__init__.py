"""Operations by family.  Each module lists its public names in `__all__`."""

from .compare import *  # noqa: F403
from .complex_parts import *  # noqa: F403
from .creation import *  # noqa: F403
from .dtypes import *  # noqa: F403
from .einsums import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .index import *  # noqa: F403
from .joins import *  # noqa: F403
from .losses import *  # noqa: F403
from .norms import *  # noqa: F403
from .products import *  # noqa: F403
from .reduce import *  # noqa: F403
from .scan import *  # noqa: F403
from .search import *  # noqa: F403
from .sets import *  # noqa: F403
from .shape import *  # noqa: F403
from .signal import *  # noqa: F403
from .standard import *  # noqa: F403
from . import (
    compare, complex_parts, creation, dtypes, einsums, elementwise, index, joins, losses, norms, products, reduce,
    scan, search, sets, shape, signal, standard,
)

_FAMILIES = (
    compare, complex_parts, creation, dtypes, einsums, elementwise, index, joins, losses, norms, products, reduce,
    scan, search, sets, shape, signal, standard,
)
__all__ = [name for module in _FAMILIES for name in module.__all__]
