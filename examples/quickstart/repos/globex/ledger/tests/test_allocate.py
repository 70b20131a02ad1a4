import unittest

from ledger.allocate import allocate
from ledger.money import Money


class AllocateTest(unittest.TestCase):
    def test_splits_evenly_without_losing_a_cent(self):
        shares = allocate(Money(10000, "EUR"), [1, 1, 1])
        self.assertEqual([s.minor for s in shares], [3334, 3333, 3333])
        self.assertEqual(sum(s.minor for s in shares), 10000)

    def test_follows_the_ratios(self):
        shares = allocate(Money(100, "USD"), [70, 20, 10])
        self.assertEqual([s.minor for s in shares], [70, 20, 10])

    def test_gives_leftovers_to_the_largest_remainders(self):
        shares = allocate(Money(5, "EUR"), [1, 3])
        self.assertEqual([s.minor for s in shares], [1, 4])

    def test_refuses_ratios_that_split_nothing(self):
        for ratios in [[], [0, 0], [1, -1]]:
            with self.subTest(ratios=ratios), self.assertRaises(ValueError):
                allocate(Money(1, "EUR"), ratios)


if __name__ == "__main__":
    unittest.main()
