"""The start-up check of the routing rules names the rule that is wrong.

tests/unit/test_routing.py covers which rule routes which request.
"""

from __future__ import annotations

import pytest

from bot.domain.model import RoutingRule
from bot.domain.routing import check_rules

DEFAULT = RoutingRule("default", "ddc", "change_request", "Default.")


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"kind_in": ["spaceship"]}, "Routing rule 'big_spend': kind_in has unknown values"),
        ({"procurement": "yes"}, "Routing rule 'big_spend': procurement must be true or false"),
        ({"budget": ["lots"]}, "Routing rule 'big_spend' has an unknown condition 'budget'"),
    ],
)
def test_a_rule_that_could_misroute_is_named_in_the_start_up_error(
    when: dict[str, object], message: str
) -> None:
    rules = (RoutingRule("big_spend", "ddc", "project", "Costly.", when), DEFAULT)
    with pytest.raises(ValueError) as refused:
        check_rules(rules)
    assert str(refused.value).startswith(message)
