"""The text of each mail, in the recipient's language, plain text and HTML.

A mail says only that something waits, and where to sign in (threat model, "what is
never stored or logged ... not in mail"): never a case number, a kind, an agency, a name
or anything a reporter wrote. A digest says how many notices of each kind wait.
"""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import urlsplit

import jinja2

from gratify.errors import N_
from gratify.notify.models import Mail
from gratify.notify.service import DIGEST
from gratify.web.i18n import translate_for, use_language
from gratify.web.templating import create_environment

SUBJECTS = {
    DIGEST: N_("Work is waiting for you in the case system"),
    "account_created": N_("Your account in the case system is ready"),
    "password_reset": N_("Your password in the case system was reset"),
    "totp_reset": N_("Your authenticator app for the case system was reset"),
}
DIGEST_LINES = {
    "new_cases": N_("New cases in your unit: %(count)s."),
    "replies": N_("Replies from reporters: %(count)s."),
    "due_soon": N_("Deadlines in two working days: %(count)s."),
    "missed": N_("Deadlines missed: %(count)s."),
}
ACCOUNT_LINES = {
    "account_created": N_(
        "An administrator made an account for you. They give you your password and the "
        "set-up of your authenticator app in person."
    ),
    "password_reset": N_(
        "An administrator gave your account a new password, which they give you in person. "
        "If you did not ask for this, tell your administrator at once."
    ),
    "totp_reset": N_(
        "An administrator reset the authenticator app of your account: the codes of the old "
        "one no longer work. Set up the new one with your administrator."
    ),
}
SIGN_IN = N_("Sign in to see it:")
FOOTER = N_(
    "This mail only says that something waits: the cases themselves are only in the "
    "system. Do not answer it."
)
# Where each mail's link leads (paths of gratify/routes.py).
LINK_PATHS = {DIGEST: "/kasus"}
SIGN_IN_PATH = "/masuk"


@dataclasses.dataclass(frozen=True, slots=True)
class Composer:
    """Writes mails for one installation: its public address and sender."""

    public_url: str
    mail_from: str
    env: jinja2.Environment = dataclasses.field(default_factory=create_environment)

    def link(self, template: str) -> str:
        return self.public_url.rstrip("/") + LINK_PATHS.get(template, SIGN_IN_PATH)

    def compose(self, mail: Mail) -> EmailMessage:
        """The mail row as a message ready to send (one per row: its Message-ID is the row's,
        so a mail delivered twice after a crash is recognisably the same mail)."""
        language = mail.language
        subject = translate_for(language, SUBJECTS[mail.template])
        if mail.template == DIGEST:
            lines = [
                translate_for(language, msgid, count=getattr(mail, notice))
                for notice, msgid in DIGEST_LINES.items()
                if getattr(mail, notice)
            ]
        else:
            lines = [translate_for(language, ACCOUNT_LINES[mail.template])]
        context = {
            "language": language,
            "subject": subject,
            "lines": lines,
            "link": self.link(mail.template),
            "link_text": translate_for(language, SIGN_IN),
            "footer": translate_for(language, FOOTER),
        }
        with use_language(language):
            plain = self.env.get_template("notify/mail.txt").render(context)
            html = self.env.get_template("notify/mail.html").render(context)
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = formataddr(("gratify", self.mail_from))
        message["To"] = mail.recipient
        host = urlsplit(self.public_url).hostname or "localhost"
        message["Message-ID"] = f"<gratify-mail-{mail.id}@{host}>"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(plain)
        message.add_alternative(html, subtype="html")
        # After the parts exist: making them moves every Content-* header into the first.
        message["Content-Language"] = language
        return message
