"""The plain web pages of a `my data` link. None of them shows anything personal: the
file itself is the only thing served after the owner confirms, in Teams, that it is them."""

from __future__ import annotations

import html

from aiohttp import web

HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
AGAIN = "Type my data in the Digital Front Door bot in Teams to get a new one."


def _page(title: str, paragraphs: list[str], check_again: str = "") -> str:
    """A plain page. `check_again`: the file format, for a Check again button that opens
    this same page again (a button the person presses, never a reload on a timer)."""
    body = "\n".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    if check_again:
        body += (
            '\n<form method="get">\n'
            f'<input type="hidden" name="format" value="{html.escape(check_again)}">\n'
            '<button type="submit">Check again</button>\n</form>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n<body>\n<main>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _response(
    status: int, title: str, paragraphs: list[str], check_again: str = ""
) -> web.Response:
    return web.Response(
        text=_page(title, paragraphs, check_again),
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers=HEADERS,
    )


def not_found() -> web.Response:
    return _response(404, "Page not found", ["This link is not right.", AGAIN])


def expired() -> web.Response:
    return _response(410, "This link has expired", [f"This link has expired. {AGAIN}"])


def voided() -> web.Response:
    return _response(
        410,
        "This link no longer works",
        ["The person this link was for said they did not open it, so it was stopped.", AGAIN],
    )


def too_many() -> web.Response:
    return _response(
        429,
        "This link has been opened too many times",
        ["To keep the data safe, this link cannot be opened again.", AGAIN],
    )


def waiting(code: str, kind: str) -> web.Response:
    return _response(
        200,
        "Confirm it is you in Teams",
        [
            f"Your code is {code}.",
            "The Digital Front Door bot has sent a message in Teams to the person this "
            "link is for.",
            "If that is you, go back to Teams. Check that the message shows the same code, "
            "and press Yes, that is me. Then press Check again to get your file.",
        ],
        check_again=kind,
    )


def file(body: bytes, content_type: str, filename: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8",
        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
