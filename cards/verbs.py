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
)
