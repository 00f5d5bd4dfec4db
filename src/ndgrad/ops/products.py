"""Products (placeholder until matmul/einsum land)."""

__all__: list[str] = []
