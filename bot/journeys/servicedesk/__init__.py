"""IT problems are not digital requests: "my laptop is broken" or "password reset" gets a
pointer to the IT service desk, not a request form and not "I did not understand".
"""

from __future__ import annotations

import re

from bot.journey import ChatCommand, Journey, JourneyContext, Turn

DEFAULT_CONTACT = "Contact the IT service desk in the usual way."

# Things people use every day, and the ways they go wrong. A message naming one of each
# ("my screen is broken", "teams is not working") is an IT problem.
_THINGS = (
    r"laptop|computer|pc|desktop|screen|monitor|keyboard|mouse|printer|printing|scanner|"
    r"phone|mobile|headset|webcam|camera|charger|docking station|dock|wi-?fi|internet|"
    r"network|vpn|email|e-mail|outlook|teams|password|account|login|log-?in|sign-?in|mfa|"
    r"authenticator"
)
_FAULTS = (
    r"broken|broke|not working|isn't working|is not working|doesn't work|does not work|"
    r"won't|will not|can't|cannot|can not|stopped|crashed|crashing|frozen|freezing|keeps|"
    r"dead|died|smashed|cracked|faulty|fault|error|expired|locked|forgot|forgotten|"
    r"not turning on|won't turn on|slow|lost|stolen|playing up|down"
)
_PROBLEM = re.compile(
    rf"(?<![\w-])(?:{_THINGS})(?![\w-]).*(?<![\w-])(?:{_FAULTS})(?![\w-])|"
    rf"(?<![\w-])(?:{_FAULTS})(?![\w-]).*(?<![\w-])(?:{_THINGS})(?![\w-])"
)
# Said on their own, these are always IT problems.
_ALWAYS = re.compile(
    r"(?<!\w)(?:locked out|can't log ?in|cannot log ?in|can't sign ?in|cannot sign ?in|"
    r"password reset|reset (?:my )?password|forgot(?:ten)? (?:my )?password)(?!\w)"
)
# A long message is a description of work, not a fault report.
_MOST_WORDS = 20


def read_it_problem(said: str) -> str | None:
    """The message, when it reports an IT problem rather than asking for something new."""
    if len(said.split()) > _MOST_WORDS:
        return None
    if _ALWAYS.search(said) or _PROBLEM.search(said):
        return said
    return None


def pointer(contact: str) -> str:
    return (
        "That sounds like an IT problem, not a request for a new or changed system. "
        f"The IT service desk can help. {contact or DEFAULT_CONTACT} "
        "To ask for a new or changed system, type new request."
    )


def register(ctx: JourneyContext) -> Journey:
    async def point_to_service_desk(turn: Turn, _: str) -> None:
        await turn.send_text(pointer(ctx.service_desk))

    return Journey(
        name="servicedesk",
        commands=(
            ChatCommand(
                "password reset",
                point_to_service_desk,
                read=read_it_problem,
                example="my laptop is broken",
                help="Find out who can fix an IT problem, like a password or a broken laptop.",
                where="anywhere",
            ),
        ),
    )
