"""Splitting an amount by ratios without losing or inventing a single minor unit."""

from .money import Money


def allocate(total, ratios):
    """Shares of `total` proportional to `ratios`; leftover units go to the largest remainders first."""
    if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
        raise ValueError("ratios must be non-negative and not all zero")
    whole = sum(ratios)
    shares = [total.minor * r // whole for r in ratios]
    remainders = [total.minor * r % whole for r in ratios]
    leftover = total.minor - sum(shares)
    # Ties go to the earlier ratio, so the result does not depend on sort stability.
    order = sorted(range(len(ratios)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        shares[i] += 1
    return [Money(share, total.currency) for share in shares]
