"""Reading a catalogue CSV from a Teams message: pasted after `import catalogue`, or a
file attached to it.

In a personal chat Teams keeps an attached file in the sender's OneDrive and sends a
small `file.download.info` attachment with a short-lived download address that needs no
token. We fetch it only over https from SharePoint (OneDrive lives there too), or from
loopback in local mode, never following a redirect elsewhere, with a size cap and a
timeout. The Agents Playground sends a `text/csv` attachment with the text inline.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.errors import UserFacingError
from bot.reply_hosts import is_loopback_host

FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"
INLINE_CSV = ("text/csv", "application/csv")
MAX_BYTES = 5 * 1024 * 1024  # a CMDB export of a few thousand systems is well under
DOWNLOAD_SECONDS = 30
_COMMAND = re.compile(
    r"^\s*(?:import|add\s+to(?:\s+the)?)\s+catalog(?:ue)?\b[ \t.:!]*", re.IGNORECASE
)
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_HTML_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>", re.IGNORECASE)
_SPREADSHEETS = {"xlsx", "xls", "xlsm", "ods", "numbers"}
HOW = (
    "Type import catalogue, then on a new line paste the CSV. "
    "Or attach the CSV file to the same message."
)
SAVE_AS_CSV = "In Excel, choose Save As, then CSV UTF-8, and attach that file."


class CsvRefused(UserFacingError):
    """The message holds no CSV we can read: the message says why and what to do."""


@dataclass(frozen=True)
class CsvText:
    text: str
    file_name: str  # "" when pasted


async def csv_from_message(text: str, attachments: Sequence[Any], loopback_ok: bool) -> CsvText:
    """The CSV in a message, from one attached file or the text after the command."""
    pasted = pasted_csv(text)
    files = [a for a in attachments if _content_type(a) in (FILE_DOWNLOAD, *INLINE_CSV)]
    if len(files) > 1:
        raise CsvRefused("Attach one CSV file at a time. Nothing has been imported.")
    if files and pasted.strip():
        raise CsvRefused(
            "Send the catalogue one way: attach the file or paste the text, not both. "
            "Nothing has been imported."
        )
    if files:
        return await _from_attachment(files[0], loopback_ok)
    if not pasted.strip():
        raise CsvRefused(f"There is no catalogue in your message. {HOW}")
    if len(pasted.encode("utf-8")) > MAX_BYTES:
        raise CsvRefused(_too_big())
    return CsvText(_checked_text(pasted, "The text you pasted"), "")


def pasted_csv(text: str) -> str:
    """What follows `import catalogue` (or `add to catalogue`) in the message, as lines."""
    text = _MENTION.sub(" ", text or "")
    if _HTML_BREAK.search(text):  # a formatted Teams message: lines are HTML paragraphs
        text = html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub("\n", text)))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _COMMAND.sub("", text, count=1).strip("\n")


def decode_csv(data: bytes, what: str) -> str:
    """Bytes of a CSV file as text: UTF-8 (with or without a byte order mark), UTF-16
    with its mark, or Windows-1252 (older Excel). Binary files are refused."""
    if not data.strip():
        raise CsvRefused(f"{what} is empty. Nothing has been imported.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _checked_text(data.decode("utf-16"), what)
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536] or data.startswith(b"PK\x03\x04"):
        raise CsvRefused(f"{what} is not a CSV file. {SAVE_AS_CSV}")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return _checked_text(data.decode(encoding), what)
        except UnicodeDecodeError:
            continue
    raise CsvRefused(f"{what} has letters that could not be read. {SAVE_AS_CSV}")


def _checked_text(text: str, what: str) -> str:
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\n\r")
    if "\x00" in text or controls > 8:
        raise CsvRefused(f"{what} is not a CSV file. {SAVE_AS_CSV}")
    return text


def download_allowed(url: str, loopback_ok: bool) -> bool:
    """Only SharePoint or OneDrive over https, or loopback in local mode."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return False
    if parts.username or parts.password or not host:
        return False
    if loopback_ok and parts.scheme in ("http", "https") and is_loopback_host(host):
        return True
    return parts.scheme == "https" and port in (None, 443) and host.endswith(".sharepoint.com")


def _content_type(attachment: Any) -> str:
    return str(getattr(attachment, "content_type", "") or "").lower()


async def _from_attachment(attachment: Any, loopback_ok: bool) -> CsvText:
    name = str(getattr(attachment, "name", "") or "")[:255]
    content = getattr(attachment, "content", None)
    if _content_type(attachment) in INLINE_CSV:
        if not isinstance(content, str):
            raise CsvRefused(f"The attached file could not be read. {HOW}")
        if len(content.encode("utf-8")) > MAX_BYTES:
            raise CsvRefused(_too_big())
        return CsvText(_checked_text(content, "The attached file"), name or "the attached file")
    details = content if isinstance(content, dict) else {}
    kind = str(details.get("fileType") or name.rpartition(".")[2]).lower().lstrip(".")
    if kind in _SPREADSHEETS:
        raise CsvRefused(f"That is a spreadsheet, not a CSV file. {SAVE_AS_CSV}")
    if kind not in ("csv", "txt"):
        raise CsvRefused("Attach the catalogue as a CSV file, with a name ending in .csv.")
    url = details.get("downloadUrl")
    if not isinstance(url, str) or not download_allowed(url, loopback_ok):
        raise CsvRefused(
            "I can only read a file attached in your chat with me in Teams. "
            "Attach the CSV file again."
        )
    data = await download(url)
    return CsvText(decode_csv(data, "The attached file"), name or "the attached file")


async def download(url: str, limit: int = MAX_BYTES) -> bytes:
    """The file's bytes, with no redirects followed, at most `limit` of them."""
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, trust_env=False) as session,
            session.get(url, allow_redirects=False) as response,
        ):
            if response.status != 200:
                raise CsvRefused(
                    f"The file could not be downloaded from Teams (it answered {response.status})."
                    " Attach it again in a new message."
                )
            if (response.content_length or 0) > limit:
                raise CsvRefused(_too_big())
            data = bytearray()
            async for chunk in response.content.iter_chunked(65536):
                data += chunk
                if len(data) > limit:
                    raise CsvRefused(_too_big())
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError):
        raise CsvRefused(
            "The file could not be downloaded from Teams just now. Nothing has been "
            "imported. Please try again in a minute."
        ) from None


def _too_big() -> str:
    return (
        f"That catalogue is bigger than {MAX_BYTES // (1024 * 1024)} MB, so it was not "
        "imported. Leave out columns the bot does not use, or split it into two files."
    )
