"""The #LINK shortcode, as pure text functions (the models decide which URL and label)."""

import re

from markupsafe import Markup, escape

from .const import ROUTE_PREFIX, SHORTCODE

# #LINK alone: not #LINKED, not #LINK2, not part of a longer word or an HTML entity.
SHORTCODE_RE = re.compile(r'(?<![\w#&])' + re.escape(SHORTCODE) + r'(?!\w)')
_HTML_TAG_RE = re.compile(r'(<[^>]*>)')
_HREF_RE = re.compile(r'''(\bhref\s*=\s*["'])''' + re.escape(SHORTCODE) + r'''(["'])''', re.IGNORECASE)


def expand_shortcode_text(text, url):
    """Plain text: #LINK becomes the URL itself."""
    return SHORTCODE_RE.sub(lambda _m: url, text)


def expand_shortcode_html(html, url, label):
    """HTML: #LINK in text becomes an anchor; href="#LINK" (a link the author drew) gets the URL.

    Only text between tags and href attributes change, so a #LINK inside another attribute or a
    comment stays as written.
    """
    anchor = Markup('<a href="%s">%s</a>') % (url, label)
    parts = _HTML_TAG_RE.split(str(html))
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            parts[i] = _HREF_RE.sub(lambda m: m.group(1) + str(escape(url)) + m.group(2), part)
        else:
            parts[i] = SHORTCODE_RE.sub(lambda _m: str(anchor), part)
    result = ''.join(parts)
    # Only a Markup input stays Markup: the tags were already trusted, the inserted parts escaped.
    return Markup(result) if isinstance(html, Markup) else result  # noqa: S704


# An Invoicecloud page address: any host, any path before the prefix (a language), or no host.
_PAGE_URL_RE = re.compile(
    r'(?:https?://[^\s"\'<>/]+(?:/[^\s"\'<>/]+)*?)?' + re.escape(ROUTE_PREFIX) + r'/(?:history/)?[\w-]{20,}'
)


def redact_links(body):
    """Every Invoicecloud page address in `body` becomes #LINK; `body` keeps its type (Markup
    stays Markup: the replacement is plain text)."""
    if not _PAGE_URL_RE.search(str(body)):
        return body
    redacted = _PAGE_URL_RE.sub(SHORTCODE, str(body))
    return Markup(redacted) if isinstance(body, Markup) else redacted  # noqa: S704


# Before the signature of the stock invoice email: whatever follows a signature is folded away
# by Odoo's chatter as quoted text.
_SIGNATURE_RE = re.compile(r'<t t-if="not is_html_empty\(object\.invoice_user_id\.signature\)"')
SHORTCODE_SNIPPET = f'<br/><br/>{SHORTCODE}'
SHORTCODE_PARAGRAPH = f'<p>{SHORTCODE}</p>'


def add_shortcode_paragraph(html):
    """Add #LINK to an email body: before the signature when there is one, else at the end."""
    body = str(html)  # plain str: Markup would escape the tags we look for
    signature = _SIGNATURE_RE.search(body)
    if signature:
        body = body[: signature.start()] + SHORTCODE_SNIPPET + body[signature.start() :]
    elif body.rstrip().endswith('</div>'):
        head, _sep, tail = body.rpartition('</div>')
        body = f'{head}{SHORTCODE_PARAGRAPH}</div>{tail}'
    else:
        body += SHORTCODE_PARAGRAPH
    return Markup(body)  # noqa: S704 - a trusted template body plus a constant
