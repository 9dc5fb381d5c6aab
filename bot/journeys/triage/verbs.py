"""The triage journey's buttons and the card inputs each reads, in one place."""

# IT triage, on the card in the triage channel
ASSIGN_ME = "triage.assign_me"
ASSIGN = "triage.assign"
ACCEPT = "triage.accept"
REJECT = "triage.reject"
ASK = "triage.ask"
ROUTE = "triage.route"
DUPLICATE = "triage.duplicate"
REOPEN = "triage.reopen"
DELIVER = "triage.deliver"
REFRESH = "triage.refresh"
# The requester answers a question from IT triage in their own chat
ANSWER = "request.answer"

# Card data every triage button carries: which request, and the version the card shows.
REFERENCE = "reference"
VERSION = "version"
# Inputs on the card, by the verb that reads them.
ASSIGNEE = "assignee"  # ASSIGN
REJECT_REASON = "rejectReason"  # REJECT
QUESTION = "question"  # ASK
ROUTE_BOARD = "routeBoard"  # ROUTE
ROUTE_PROCESS = "routeProcess"  # ROUTE
ROUTE_REASON = "routeReason"  # ROUTE
DUPLICATE_PICKED = "duplicateOf"  # DUPLICATE: one of the similar requests offered
DUPLICATE_TYPED = "duplicateRef"  # DUPLICATE: a reference typed in
DELIVERED_NOTE = "deliveredNote"  # DELIVER: an optional note for the requester
ANSWER_TEXT = "answer"  # ANSWER
