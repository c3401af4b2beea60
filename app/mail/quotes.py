"""What a person wrote in a mail reply, without the quoted history and the signature (issue 11 §5).

Pure text in, `Reply(text, quoted)` out: `text` is what the thread shows, `quoted` the rest, kept
for the "show quoted text" toggle (nothing is thrown away). The reply ends at the first of:

- our own marker (notifications carry REPLY_ABOVE; everything below it is ours);
- an attribution line: Gmail/Apple/Thunderbird "On <date>, <name> wrote:", and the German, French,
  Spanish, Italian, Dutch and Russian forms ("Am … schrieb …:", "Le … a écrit :", "El … escribió:",
  "Il … ha scritto:", "Op … schreef …:", "… написал(а):"), also when a client wrapped it over two lines;
- Outlook's "-----Original Message-----" (and its translations) or a header block "From: … / Sent: …"
  ("Von:", "De :", "От:" …) as Outlook desktop and web put under a reply, with the web's rule of
  underscores above it; Gmail's verbless attribution of some languages ("…, Anna <a@b.c>:");
- a run of ">"-quoted lines that continues to the end (inline answers between quotes are kept);
- the signature delimiter "-- " (RFC 3676), or a "Sent from my …" line at the end.

If nothing would be left (a mail that is all quote), the whole text is the reply: showing too much
beats showing an empty post. HTML quotes (gmail_quote, divRplyFwdMsg, blockquote type=cite) are
cut from the HTML before its text is derived (parse.py's job), not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REPLY_ABOVE = "## Please reply above this line ##"

_WROTE = re.compile(
    r"^\s*(On\b.*\bwrote|Am\b.*\bschrieb.*|Le\b.*\ba écrit|El\b.*\bescribió|Il\b.*\bha scritto"
    r"|Op\b.*\bschreef.*|.*\bнаписал\(?а?\)?|.*\bнаписала)\s*:\s*$",
    re.IGNORECASE,
)
# An attribution a client wrapped: "On Tue, 24 Nov 2026 at 10:06, Sally Doe" / "<sally@x> wrote:".
_WROTE_START = re.compile(r"^\s*(On|Am|Le|El|Il|Op)\s.*\d", re.IGNORECASE)
_WROTE_END = re.compile(r"(wrote|schrieb|a écrit|escribió|ha scritto|schreef|написала?|написал\(а\))\s*:\s*$",
                        re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Messaggio originale|Oorspronkelijk bericht|Исходное сообщение|Пересылаемое сообщение)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\**(From|Von|De|Da|Van|От|Від)\s*\**\s*:", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Inviato|Verzonden|Отправлено|Дата|Надіслано|To|An|À|Para"
    r"|A|Aan|Кому|Subject|Betreff|Objet|Asunto|Oggetto|Onderwerp|Тема)\s*\**\s*:", re.IGNORECASE)
# A phone's sign-off: "Sent from my iPhone" and its translations, a short line of its own.
_SENT_FROM = re.compile(r"^\s*(Sent from my|Von meinem|Envoyé de mon|Enviado desde mi|Inviato da)\b[^:.!?]{0,40}$",
                        re.IGNORECASE)
# Gmail in Russian (and other languages) writes the attribution without a verb:
# "вт, 24 нояб. 2026 г. в 10:06, Anna <anna@example.com>:".
_ADDRESS_COLON = re.compile(r"\d.*<[^<>@\s]+@[^<>\s]+>\)?\s*:\s*$")
# Outlook on the web puts a rule of underscores above the header block.
_RULE = re.compile(r"^\s*_{10,}\s*$")


@dataclass(frozen=True)
class Reply:
    text: str  # what the person wrote
    quoted: str  # the quoted history and signature below it ("" when there was none)


def split_reply(text: str) -> Reply:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _cut_at(lines)
    reply = "\n".join(lines[:cut]).rstrip()
    if not reply.strip():
        return Reply(text.strip(), "")
    return Reply(reply, "\n".join(lines[cut:]).strip("\n"))


def _cut_at(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if REPLY_ABOVE in line or _WROTE.match(line) or _ORIGINAL.match(line) or _ADDRESS_COLON.search(line):
            return i
        if _RULE.match(line) and any(_HEADER_FROM.match(next_line) for next_line in lines[i + 1:i + 3]):
            return i
        if _WROTE_START.match(line) and i + 1 < len(lines) and _WROTE_END.search(lines[i + 1]):
            return i
        if _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(next_line) for next_line in lines[i + 1:i + 4]):
            return i
        if line == "-- " or (_SENT_FROM.match(line) and not any(rest.strip() for rest in lines[i + 1:i + 3])):
            return i
        if line.startswith(">") and all(not rest.strip() or rest.startswith(">") for rest in lines[i:]):
            return i
    return len(lines)
