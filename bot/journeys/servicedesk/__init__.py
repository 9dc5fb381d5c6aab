"""IT problems are not digital requests: "my laptop is broken" or "password reset" gets a
pointer to the IT service desk, not a request form and not "I did not understand".
"""

from __future__ import annotations

import re

from bot.journey import ChatCommand, Journey, JourneyContext, Turn

DEFAULT_CONTACT = "Contact the IT service desk in the usual way."

# Every rule below is a word list, so a wrong answer can be traced to one word.
#
# Things people use every day, and the ways they go wrong. A short message naming one of
# each ("my screen is broken", "teams is not working") is an IT problem.
_THINGS = (
    r"laptops?|computers?|pcs?|desktops?|screens?|monitors?|displays?|keyboards?|keys|"
    r"mouse|mice|trackpad|touchpad|printers?|printing|print|scanners?|photocopiers?|copiers?|"
    r"phones?|mobiles?|iphones?|smartphones?|desk phone|handsets?|sim|sim card|tablets?|"
    r"ipads?|headsets?|headphones|earphones|earbuds|speakers?|microphones?|mic|webcams?|"
    r"cameras?|chargers?|charging|batter(?:y|ies)|cables?|usb|hdmi|docking station|docks?|"
    r"projectors?|wi-?fi|wireless|internet|broadband|network|connection|bluetooth|vpn|"
    r"remote desktop|citrix|email|emails|e-mail|outlook|inbox|calendar|"
    r"(?<!our )(?<!their )(?<!all )(?<!both )(?<!other )(?<!several )(?<!many )"
    r"(?<!some )(?<!two )(?<!care )(?<!service )teams|"
    r"onedrive|sharepoint|excel|word|powerpoint|browser|chrome|edge|"
    r"password|passwords|account|login|log-?in|sign-?in|mfa|authenticator|"
    r"app|apps|software|system|systems|website|portal|database|files?|folders?|drive"
)
_FAULTS = (
    r"broken|broke|breaks|not working|isn't working|is not working|aren't working|"
    r"doesn't work|does not work|don't work|stopped working|stopped|"
    r"won't|wont|will not|can't|cant|cannot|can not|couldn't|unable to|"
    r"crash|crashes|crashed|crashing|frozen|freezes|freezing|froze|hangs|hanging|stuck|"
    r"not responding|unresponsive|keeps|flicker|flickers|flickering|flashing|blank|"
    r"black screen|blue screen|(?:is|gone|went|turned|goes) (?:black|blank|dark)|"
    r"no signal|no sound|no picture|no power|no internet|"
    r"not charging|not connecting|disconnects|disconnecting|dropping|drops out|"
    r"keeps dropping|offline|not loading|not opening|not printing|jammed|paper jam|"
    r"dead|died|smashed|cracked|faulty|fault|error|errors|expired|locked|forgot|"
    r"forgotten|not turning on|slow|very slow|lost|stolen|missing|playing up|"
    r"(?:is|are|was|went|gone|been) down|overheating|beeping|buzzing|crackling|"
    r"echo|echoing|sticking|sticky|loose|spilt|spilled"
)
_PROBLEM = re.compile(
    rf"(?<![\w-])(?:{_THINGS})(?![\w-]).*(?<![\w-])(?:{_FAULTS})(?![\w-])|"
    rf"(?<![\w-])(?:{_FAULTS})(?![\w-]).*(?<![\w-])(?:{_THINGS})(?![\w-])"
)
# Said on their own, these are always IT problems.
_ALWAYS = re.compile(
    r"(?<!\w)(?:locked out|can't log ?in|cannot log ?in|can't sign ?in|cannot sign ?in|"
    r"password reset|reset (?:my )?password|forgot(?:ten)? (?:my )?password|"
    r"change (?:my )?password|new password|password (?:has )?expired|"
    r"paper jam|blue screen)(?!\w)"
)
# Asking for something, then within a few words a system, tool, app, form, report or
# booking service: that is a need, never a fault report ("we need a booking system").
_ASKING = (
    r"need|needs|needed|want|wants|would like|i'd like|we'd like|looking for|look for|"
    r"asking for|ask for|request|requesting|could we have|can we have|can we get|"
    r"could we get|can i have|can i get|require|requires|buy|build|replace|introduce|"
    r"set up|create|develop|move to|switch to"
)
_NEEDED = (
    r"systems?|tools?|apps?|application|forms?|online form|(?<!to )reports?|reporting|"
    r"dashboards?|booking|bookings|booking service|portal|website|database|software|"
    r"platform|online service|service|automation|workflow|way to|way for|something|"
    r"replacement|better one|new one|solution|process|digital|online|self-service|"
    r"power app|power automate|chatbot|bot"
)
_NEED = re.compile(
    rf"(?<![\w-])(?:{_ASKING})(?![\w-])(?:\W+[\w'-]+){{0,5}}?\W+(?:{_NEEDED})(?![\w-])"
)
# A long message is a description of work, not a fault report.
_MOST_WORDS = 20


def reads_as_a_need(said: str) -> bool:
    """The message asks for a system, tool, app, form, report or booking service."""
    return _NEED.search(said) is not None


def read_it_problem(said: str) -> str | None:
    """The message, when it reports an IT problem rather than asking for something new."""
    if len(said.split()) > _MOST_WORDS:
        return None
    if _ALWAYS.search(said):
        return said
    if reads_as_a_need(said):
        return None
    if _PROBLEM.search(said):
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
                guess=True,
                example="my laptop is broken",
                help="Find out who can fix an IT problem, like a password or a broken laptop.",
                where="anywhere",
            ),
        ),
    )
