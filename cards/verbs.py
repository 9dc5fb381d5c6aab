"""Verbs of the buttons on the shared request cards, shared by those cards and the routes.

Each journey keeps its own verbs in its folder; a form's verbs come from its key
(`request.next`…). These are the ones several journeys' cards carry.
"""

NEW_REQUEST = "request.new"  # the request form's "new" button
FORM_SUBMIT = "request.submit"  # the request form's "submit" button
MY_REQUESTS = "requests.mine"
SHOW_REQUEST = "requests.show"
HELP = "help.show"
# The requester's own buttons on the status card (the changes journey).
WITHDRAW_REQUEST = "requests.withdraw"
CHANGE_REQUEST = "requests.change"
