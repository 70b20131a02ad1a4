"""Amounts of money as integers of minor units (cents), tagged with their currency."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# ISO 4217 minor units of the currencies Globex books in.
MINOR_UNITS = {"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "CHF": 2}


@dataclass(frozen=True)
class Money:
    minor: int
    currency: str

    @classmethod
    def parse(cls, text, currency):
        """Money from a decimal string such as "12.30"; more digits than the currency has is an error."""
        digits = _minor_digits(currency)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not an amount: {text!r}") from None
        if not amount.is_finite():
            raise ValueError(f"not an amount: {text!r}")
        scaled = amount.scaleb(digits)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{text} has more than {digits} decimal places for {currency}")
        return cls(int(scaled), currency)

    def __add__(self, other):
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other):
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __str__(self):
        digits = _minor_digits(self.currency)
        return f"{Decimal(self.minor).scaleb(-digits):.{digits}f} {self.currency}"

    def _same_currency(self, other):
        if self.currency != other.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")


def _minor_digits(currency):
    if currency not in MINOR_UNITS:
        raise ValueError(f"unknown currency: {currency}")
    return MINOR_UNITS[currency]
