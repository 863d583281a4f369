#include <doctest/doctest.h>

#include <memory>

#include "actors/durability/byte_budget.hpp"

using qc::budget_lease;
using qc::byte_budget;

TEST_CASE("byte_budget: leases take what fits, give back on shrinking and when they go") {
  auto budget = std::make_shared<byte_budget>(100);
  {
    budget_lease a(budget);
    budget_lease b(budget);
    CHECK(a.charge(60));
    CHECK(budget->used() == 60);
    CHECK_FALSE(b.charge(50)); // 110 > 100: refused, nothing taken
    CHECK(b.charged() == 0);
    CHECK(budget->used() == 60);
    CHECK(b.charge(40));
    CHECK(budget->used() == 100);
    CHECK_FALSE(a.charge(61)); // growing past the limit is refused; the share stays
    CHECK(a.charged() == 60);
    CHECK(a.charge(10)); // shrinking gives back
    CHECK(budget->used() == 50);
    budget_lease moved(std::move(b)); // the share moves with the lease
    CHECK(budget->used() == 50);
    CHECK(moved.charged() == 40);
  }
  CHECK(budget->used() == 0); // every lease gave everything back
}

TEST_CASE("byte_budget: a lease without a budget never refuses") {
  budget_lease free;
  CHECK(free.charge(1u << 30));
  CHECK(free.charged() == 1u << 30);
}
