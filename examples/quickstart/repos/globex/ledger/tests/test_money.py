import unittest

from ledger.money import Money


class MoneyTest(unittest.TestCase):
    def test_parses_decimal_text_into_minor_units(self):
        self.assertEqual(Money.parse("12.30", "EUR"), Money(1230, "EUR"))
        self.assertEqual(Money.parse("500", "JPY"), Money(500, "JPY"))

    def test_refuses_more_decimals_than_the_currency_has(self):
        with self.assertRaises(ValueError):
            Money.parse("0.001", "EUR")
        with self.assertRaises(ValueError):
            Money.parse("1.5", "JPY")

    def test_refuses_text_that_is_not_an_amount(self):
        for bad in ["", "ten", "NaN", "Infinity"]:
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                Money.parse(bad, "EUR")

    def test_adds_and_subtracts_within_one_currency(self):
        self.assertEqual(Money(100, "USD") + Money(5, "USD"), Money(105, "USD"))
        self.assertEqual(Money(100, "USD") - Money(150, "USD"), Money(-50, "USD"))
        with self.assertRaises(ValueError):
            Money(1, "USD") + Money(1, "EUR")

    def test_prints_with_the_currency_precision(self):
        self.assertEqual(str(Money(1230, "EUR")), "12.30 EUR")
        self.assertEqual(str(Money(500, "JPY")), "500 JPY")


if __name__ == "__main__":
    unittest.main()
