"""Every Action.Execute verb, in one place: the cards and the routes share these."""

NEW_REQUEST = "request.new"
FORM_NEXT = "request.next"
FORM_BACK = "request.back"
FORM_EDIT = "request.edit"
FORM_SAVE = "request.save"
FORM_DISCARD = "request.discard"
FORM_SUBMIT = "request.submit"
CONTINUE = "request.continue"
MY_REQUESTS = "requests.mine"
SHOW_REQUEST = "requests.show"
HELP = "help.show"

# IT triage, on the card in the triage channel
TRIAGE_ASSIGN_ME = "triage.assign_me"
TRIAGE_ASSIGN = "triage.assign"
TRIAGE_ACCEPT = "triage.accept"
TRIAGE_REJECT = "triage.reject"
TRIAGE_ASK = "triage.ask"
TRIAGE_ROUTE = "triage.route"
TRIAGE_DUPLICATE = "triage.duplicate"
TRIAGE_REOPEN = "triage.reopen"
TRIAGE_REFRESH = "triage.refresh"
# The requester answers a question from IT triage in their own chat
REQUEST_ANSWER = "request.answer"

TRIAGE = (
    TRIAGE_ASSIGN_ME,
    TRIAGE_ASSIGN,
    TRIAGE_ACCEPT,
    TRIAGE_REJECT,
    TRIAGE_ASK,
    TRIAGE_ROUTE,
    TRIAGE_DUPLICATE,
    TRIAGE_REOPEN,
    TRIAGE_REFRESH,
)

ALL = (
    NEW_REQUEST,
    FORM_NEXT,
    FORM_BACK,
    FORM_EDIT,
    FORM_SAVE,
    FORM_DISCARD,
    FORM_SUBMIT,
    CONTINUE,
    MY_REQUESTS,
    SHOW_REQUEST,
    HELP,
    *TRIAGE,
    REQUEST_ANSWER,
)
