"""Problems a use case reports; handlers turn each into a plain-English reply."""


class UserFacingError(Exception):
    """Carries a message that is safe and useful to show to the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StaleForm(UserFacingError):
    """The card belongs to a draft that is no longer this person's current draft."""


class BadCardData(UserFacingError):
    """Card data that no card of ours would send: forged, or from an old version."""


class NotAllowed(UserFacingError):
    """The person may not do this."""


class NotFound(UserFacingError):
    """Nothing with that reference is theirs to see."""


class NotAnsweringNow(UserFacingError):
    """The shared list did not answer in time and the bot's own copy does not have it."""
