"""orders's reads, the ones its API answers (one module per area, page-shaped). None yet."""
