"""The council's governance as the Digital Strategy 2024-30 describes it, as data.

These are seeded into the store on first start; admins can change them later.
Tests use them too, so a change here is a change to published policy.
"""

from __future__ import annotations

from bot.domain.model import Board, Criterion, Matrix, Process, RoutingRule

DEFAULT_BOARDS: tuple[Board, ...] = (
    Board(
        "ddc",
        "Digital, Data and Customer Board",
        "Prioritises digital work and owns the strategy and roadmap. "
        "Reviews the roadmap every quarter.",
    ),
    Board(
        "trb",
        "Technical Review Board",
        "Looks at technical requirements and the wider IT architecture, "
        "and checks that new technology can integrate and work with other systems.",
    ),
    Board(
        "ictig",
        "ICT Improvement Group",
        "Hears user feedback on current IT and agrees improvements to it.",
    ),
)

DEFAULT_PROCESSES: tuple[Process, ...] = (
    Process(
        "change_request",
        "Change request",
        "For changes to systems and services the council already has.",
    ),
    Process(
        "project",
        "Project (PMO)",
        "For larger or new pieces of work, run as a project with the Project Management Office.",
    ),
)

DEFAULT_MATRIX = Matrix(
    version="2026.1",
    criteria=(
        Criterion(
            "strategic_alignment",
            "Strategic alignment",
            20,
            "How many of the strategy's ten strategic drivers it supports, so every request "
            "is judged against the strategy in the same way (Digital governance).",
        ),
        Criterion(
            "benefits",
            "Benefits",
            20,
            "The cash, staff time and difference for residents it is expected to deliver, "
            "recorded now so they can be checked later (Benefit realisation and Efficiency).",
        ),
        Criterion(
            "statutory_risk",
            "Statutory or risk need",
            15,
            "Whether a legal deadline, an ending contract or personal data means it cannot "
            "wait (Digital governance).",
        ),
        Criterion(
            "readiness",
            "Readiness",
            15,
            "Whether it has a named senior sponsor (Priority 3), user research (Priority 2) "
            "and requirements gathered before anything is bought.",
        ),
        Criterion(
            "reuse",
            "Reuse of existing platforms",
            10,
            "Whether it builds on platforms the council already has, such as Microsoft 365 "
            "and Power Platform, instead of adding another system that does the same job.",
        ),
        Criterion(
            "self_service_automation",
            "Self-service and automation",
            10,
            "How much manual work it could remove through self-service and automation "
            "(Priority 5 and Service delivery).",
        ),
        Criterion(
            "cost_effort",
            "Cost and effort",
            10,
            "Lower-cost work scores higher because it can be delivered sooner with the "
            "resources we have (Efficiency).",
        ),
    ),
)

_TRB_NEW = (
    "It is new technology. The Technical Review Board checks how it fits the council's "
    "IT architecture and works with other systems."
)

DEFAULT_RULES: tuple[RoutingRule, ...] = (
    RoutingRule("new_technology", "trb", "project", _TRB_NEW, {"kind_in": ["new_system"]}),
    RoutingRule(
        "procurement",
        "trb",
        "project",
        "Anyone about to buy or renew a system must engage IT first. The Technical Review "
        "Board checks what is needed and whether we already have a system that does the job.",
        {"procurement": True},
    ),
    RoutingRule(
        "large_budget",
        "ddc",
        "project",
        "It may cost £50,000 or more. The Digital, Data and Customer Board prioritises "
        "larger pieces of work against the strategy and roadmap.",
        {"budget_in": ["50k_to_250k", "over_250k"]},
    ),
    RoutingRule(
        "data_reporting",
        "ddc",
        "project",
        "It is about data or reporting. The Digital, Data and Customer Board makes sure it "
        "fits the council's data strategy.",
        {"kind_in": ["data_reporting"]},
    ),
    RoutingRule(
        "cross_directorate",
        "ddc",
        "project",
        "It is for several directorates. The Digital, Data and Customer Board makes sure "
        "work across the council is joined up.",
        {"directorate_in": ["Several directorates"]},
    ),
    RoutingRule(
        "wide_reach",
        "ddc",
        "project",
        "It affects 1,000 residents or more. The Digital, Data and Customer Board "
        "prioritises work that reaches this many people.",
        {"min_affected_residents": 1000},
    ),
    RoutingRule(
        "integration",
        "trb",
        "change_request",
        "It must work with 2 or more existing systems. The Technical Review Board checks "
        "how they will connect.",
        {"min_existing_systems": 2},
    ),
    RoutingRule(
        "improve_current_it",
        "ictig",
        "change_request",
        "It improves IT the council already has. The ICT Improvement Group looks after "
        "changes to current IT.",
        {"kind_in": ["change_existing", "hardware_access"]},
    ),
    RoutingRule(
        "default",
        "ddc",
        "change_request",
        "The Digital, Data and Customer Board prioritises all other requests against the strategy.",
    ),
)
