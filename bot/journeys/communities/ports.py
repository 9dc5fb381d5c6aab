"""What the communities journey keeps, as a port: SQLite now, Azure Storage later.

Every write that two bot processes could race on is conditional: a question is saved
only if nobody saved it since it was read (`version`), a nudge is sent only by the
process holding its lease, a reference is handed out once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from bot.domain.communities import (
    Answer,
    Champion,
    Community,
    KnowledgeEntry,
    Nudge,
    NudgeOutcome,
    Question,
)


class StaleQuestion(Exception):
    """The question changed after it was read: re-read it and decide again."""


class CommunityStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    # Communities
    async def communities(self) -> list[Community]:
        """Every community, by name."""
        ...

    async def community(self, community_id: str) -> Community | None: ...

    async def save_community(self, community: Community) -> None:
        """Insert or replace by id."""
        ...

    # Champions
    async def save_champion(self, champion: Champion) -> None:
        """Insert or replace, keyed by (user_id, community_id)."""
        ...

    async def champion(self, user_id: str, community_id: str) -> Champion | None: ...

    async def champions(
        self, community_id: str | None = None, user_id: str | None = None
    ) -> list[Champion]:
        """Every champion record (any status), filtered by community or person."""
        ...

    async def mark_unreachable(self, user_id: str, unreachable: bool = True) -> None:
        """Teams said 403 for this person: every community skips them until they speak again."""
        ...

    # Questions
    async def add_question(self, question: Question, key: str) -> Question:
        """Keep a new question under the next Q-YYYY-NNNN for its asked_at year.

        Idempotent by `key` (the card's draft id, or the Activity id): asking twice
        returns the first question. The reference in `question` is ignored.
        """
        ...

    async def question(self, reference: str) -> Question | None: ...

    async def update_question(self, question: Question) -> Question:
        """Save if question.version is still current; bumps the version.

        Raises StaleQuestion otherwise.
        """
        ...

    async def questions(
        self,
        status: str | None = None,
        community_id: str | None = None,
        asker_id: str | None = None,
        limit: int = 50,
        after: str = "",
    ) -> list[Question]:
        """Questions by reference order, from just after `after`, at most `limit`."""
        ...

    async def question_by_message(self, message_id: str) -> Question | None:
        """The question whose card is that message in its community's channel."""
        ...

    # Answers
    async def add_answer(self, answer: Answer) -> Answer:
        """Keep it once by id (a champion's second press adds nothing)."""
        ...

    async def answers(self, question_ref: str) -> list[Answer]: ...

    async def answer(self, answer_id: str) -> Answer | None: ...

    async def set_best(self, question_ref: str, answer_id: str) -> None:
        """Mark one answer best and the question's others not.

        Raises LookupError if that answer is not one of the question's.
        """
        ...

    async def add_helped(self, answer_id: str, user_id: str) -> bool:
        """Count "this helped me too" once per person: True if it was new.

        Raises LookupError if there is no such answer.
        """
        ...

    # Knowledge base
    async def save_entry(self, entry: KnowledgeEntry) -> None:
        """Insert or replace by id."""
        ...

    async def entry(self, entry_id: str) -> KnowledgeEntry | None: ...

    async def entries(self, include_retired: bool = False) -> list[KnowledgeEntry]: ...

    async def add_entry_helped(self, entry_id: str, user_id: str) -> bool:
        """Count "this answered it" or "this helped me too" on an entry once per person.

        True if it was new; raises LookupError if there is no such entry.
        """
        ...

    # Nudges
    async def schedule(self, nudges: list[Nudge]) -> int:
        """Keep new nudges; one already kept with the same id is left as it is.

        Returns how many were new.
        """
        ...

    async def claim_due(
        self, now: dt.datetime, owner: str, lease: dt.timedelta, limit: int = 100
    ) -> list[Nudge]:
        """Nudges due by `now`, still waiting, and not leased to another process.

        Leases them to `owner` until now + lease, so two processes never send one
        twice; a process that dies leaves its lease to run out for another to take.
        """
        ...

    async def finish(
        self, nudge_id: str, owner: str, outcome: NudgeOutcome, at: dt.datetime
    ) -> bool:
        """Record the outcome if `owner` still holds the lease: True if recorded.

        Refused once the nudge is no longer waiting (cancelled, or already finished), or
        another process took the lease after it ran out. WAITING gives the lease back,
        so the nudge is claimed again on a later run.
        """
        ...

    async def cancel_waiting(self, question_ref: str) -> int:
        """Cancel every nudge for the question not sent yet (it was answered)."""
        ...

    async def nudges(
        self, question_ref: str | None = None, recipient_id: str | None = None
    ) -> list[Nudge]: ...

    async def mark_seen(self, question_ref: str, recipient_id: str, at: dt.datetime) -> None:
        """The first time they opened a nudge's card (Teams' refresh invoke)."""
        ...

    async def mark_acted(self, question_ref: str, recipient_id: str, at: dt.datetime) -> None:
        """The first time they answered or claimed the question after a nudge."""
        ...

    async def sent_since(self, since: dt.datetime) -> dict[str, int]:
        """How many questions each person was sent (nudges delivered) since then: fairness."""
        ...

    # Personal data (personal_data.py: `my data`, `erase` and retention)
    async def all_answers(self) -> list[Answer]:
        """Every answer to every question, oldest first."""
        ...

    async def replace_asker(
        self, reference: str, asker_id: str, asker_name: str, text: str
    ) -> bool:
        """Write the question's asker and words whoever saved it last (data protection
        wins over a concurrent save): True if anything changed."""
        ...

    async def replace_answer(self, answer: Answer) -> bool:
        """Write the answer's champion id, name and text (nothing else): True if kept."""
        ...

    async def delete_champion(self, user_id: str, community_id: str) -> bool: ...

    async def helped_by(self, user_id: str) -> list[tuple[str, str, dt.datetime]]:
        """What the person said helped them: ("answer" or "entry", its id, when)."""
        ...

    async def rename_people(
        self, rename: Callable[[str], str | None], question_ref: str | None = None
    ) -> int:
        """Each id in "helped" marks and nudges (only one question's, when given) that
        `rename` gives a new id for (None: leave it as it is), so anonymised traces keep
        their counts. How many rows changed."""
        ...
